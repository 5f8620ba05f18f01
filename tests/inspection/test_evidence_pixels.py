"""Evidence images cost memory only within budget: the pixel count is read from the header and an
oversized image is refused before a single pixel is decoded; each worker decodes within one budget."""

import io
import struct
import threading
import time
import tracemalloc
import warnings
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from inspection import uploads
from inspection.models import Evidence
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401
from tests.inspection.test_evidence_api import finding  # noqa: F401

pytestmark = pytest.mark.django_db


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def forged_png(width: int, height: int) -> bytes:
    """A valid PNG header announcing width × height RGB pixels, carrying only a few rows: a few
    hundred bytes on the wire that would decode to width × height × 3 bytes."""
    rows = zlib.compress(b"\0" * (1 + width * 3) * 4, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return uploads.PNG_MAGIC + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def loads(monkeypatch):
    """Every decode Pillow starts, by image size."""
    seen = []
    real = ImageFile.ImageFile.load

    def spy(self):
        seen.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return seen


def post(client, inspection, finding_id, content: bytes, name="scan.png", content_type="image/png"):
    return client.post(
        f"/api/v1/inspections/{inspection.pk}/findings/{finding_id}/evidence",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def test_an_80_megapixel_png_is_refused_from_its_header_without_decoding(api, li, dispatched, finding, media, loads):
    bomb = forged_png(10_000, 8_000)
    assert len(bomb) < 2_000  # tiny on the wire, 240 MB once decoded
    tracemalloc.start()
    try:
        response = post(api(li), dispatched, finding["id"], bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert "像素过多" in detail and "48 百万像素" in detail
    assert loads == []  # not one pixel decoded
    assert peak < 20 * 1024 * 1024  # far below the 240 MB the pixels would take
    assert not Evidence.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_jpeg_over_the_budget_is_refused_before_decoding_too(api, li, dispatched, finding, loads):
    out = io.BytesIO()
    Image.new("L", (16, 16)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", 9_000, 9_000)  # the frame header: height, width
    response = post(api(li), dispatched, finding["id"], bytes(data), name="p.jpg", content_type="image/jpeg")
    assert response.status_code == 422 and "像素过多" in response.json()["detail"]
    assert loads == []


def test_the_limit_is_48_megapixels_read_from_the_header(loads):
    with Image.open(io.BytesIO(forged_png(8_000, 6_000))) as at_limit:
        uploads._check_pixels(at_limit)  # a full-resolution 48-megapixel phone photo passes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # Pillow's own backstop
        over = Image.open(io.BytesIO(forged_png(8_001, 6_000)))
    with over:
        with pytest.raises(uploads.Unprocessable) as refused:
            uploads._check_pixels(over)
    assert "8001×6000" in refused.value.detail
    assert loads == []


def test_pillow_itself_refuses_more_than_the_budget_for_any_other_caller():
    assert Image.MAX_IMAGE_PIXELS == uploads.MAX_PIXELS


class TestDecodeBudget:
    def test_one_worker_decodes_at_most_one_image_at_the_limit_at_a_time(self, monkeypatch):
        budget = uploads.DecodeBudget(uploads.DECODE_BUDGET)
        monkeypatch.setattr(uploads, "decode_budget", budget)
        peak, lock = [0], threading.Lock()
        real = uploads._reencode

        def slow(image, content_type, expected):
            with lock:
                peak[0] = max(peak[0], budget.in_use)
            time.sleep(0.05)
            return real(image, content_type, expected)

        monkeypatch.setattr(uploads, "_reencode", slow)
        big = budget.total * 2 // 3
        small = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 20, 30)).save(small, "PNG")
        # Four uploads at once each "costing" two thirds of the budget: they must go one by one.
        monkeypatch.setattr(uploads, "decode_cost", lambda image: big)
        results = []
        threads = [threading.Thread(target=lambda: results.append(uploads.clean_evidence(small.getvalue())))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 4
        assert peak[0] == big  # never two at once
        assert budget.in_use == 0

    def test_ordinary_photos_share_the_budget(self):
        budget = uploads.DecodeBudget(uploads.DECODE_BUDGET)
        photo = uploads.decode_cost(Image.new("RGB", (4_000, 3_000)))  # a 12-megapixel phone photo
        taken = [budget.acquire(photo, timeout=0) for _ in range(3)]
        assert budget.in_use == sum(taken) <= budget.total

    def test_a_full_budget_makes_the_next_upload_wait_then_refuses_with_503(self):
        budget = uploads.DecodeBudget(100)
        budget.acquire(80, timeout=0)
        with pytest.raises(uploads.DecodeBusy) as busy:
            budget.acquire(30, timeout=0.05)
        assert busy.value.status == 503 and "稍后" in busy.value.detail
        budget.release(80)
        assert budget.acquire(30, timeout=0) == 30

    def test_a_waiting_upload_goes_ahead_as_soon_as_the_budget_frees(self):
        budget = uploads.DecodeBudget(100)
        budget.acquire(100, timeout=0)
        threading.Timer(0.05, budget.release, args=(100,)).start()
        assert budget.acquire(100, timeout=5) == 100
