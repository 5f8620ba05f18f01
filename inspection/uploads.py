"""Evidence files: recognised by their content, never by their name, and cleaned before storing.

Photos are decoded in full and re-encoded, which drops every metadata block a phone writes
(EXIF with GPS position, XMP, maker notes, comments, anything appended after the image) while
keeping the colour profile; the EXIF orientation is applied to the pixels first so the photo
still stands the right way up. PDFs are checked for their header and end marker and kept as sent.

Decoding is where an image costs memory (a small, highly compressed PNG can unpack to gigabytes),
so the pixel count is read from the header and checked before anything is decoded, and each worker
process decodes within one memory budget: several phone photos at a time, but only one image near
the pixel limit, the others waiting their turn (and refused with a 503 if the wait is too long).
"""

import io
import threading
import time
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from inspection.errors import InspectionError, TooLarge, Unprocessable

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PDF_MAGIC = b"%PDF-"

# A phone photo is 12 megapixels by default and 48 (8000×6000) in a full-resolution mode; more
# than that is a scan of a poster or a decompression bomb, not evidence from a visit.
MAX_PIXELS = 48_000_000
# Pillow refuses anything over twice this on open and warns above it (the warning is an error
# below); the header check comes first, this is the backstop for any other caller of Pillow.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
JPEG_QUALITY = 90
# Cleaning holds the decoded pixels, the upright copy and the mode-converted copy at once: about
# three decoded images, four bytes a pixel at most (RGBA, CMYK).
DECODE_COPIES = 3
# A worker decodes within this many bytes at a time: exactly one image at the pixel limit, or a
# few ordinary photos side by side (a 12-megapixel RGB photo costs ~108 MB).
DECODE_BUDGET = MAX_PIXELS * 4 * DECODE_COPIES
DECODE_WAIT_SECONDS = 30


class UnsupportedFile(InspectionError):
    status = 415


class DecodeBusy(InspectionError):
    """This worker's decoding budget stayed full for the whole wait: try again shortly."""

    status = 503


@dataclass(frozen=True)
class CleanFile:
    content_type: str
    extension: str
    data: bytes


def human_size(n: int) -> str:
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} 字节"


def read_limited(upload, *, max_bytes: int) -> bytes:
    """The upload's bytes, or TooLarge with the limit in the message (checked before and while reading)."""
    declared = getattr(upload, "size", None)
    if declared is not None and declared > max_bytes:
        raise TooLarge(_too_large(declared, max_bytes))
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(_too_large(declared or len(data), max_bytes))
    if not data:
        raise Unprocessable("文件为空")
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"文件过大：{human_size(size)}，单个文件最大 {human_size(max_bytes)}。请压缩照片或拆分文件后重新上传。"


def sniff(data: bytes) -> str | None:
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(PDF_MAGIC):
        return "application/pdf"
    return None


def clean_evidence(data: bytes) -> CleanFile:
    content_type = sniff(data)
    if content_type is None:
        raise UnsupportedFile("只接受 JPEG、PNG 照片或 PDF 文件（按文件内容识别，与文件名无关）")
    if content_type == "application/pdf":
        return CleanFile(content_type, ".pdf", _check_pdf(data))
    return _clean_image(data, content_type)


def _check_pdf(data: bytes) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise Unprocessable("PDF 文件不完整（缺少文件结束标记），请重新导出后上传")
    return data


class DecodeBudget:
    """The bytes of decoded pixels one worker process may hold at a time, shared by its threads.

    A request takes its image's cost before decoding and gives it back after; one that does not
    fit waits for others to finish. A cost larger than the whole budget is clamped to it, so such
    an image runs alone rather than never."""

    def __init__(self, total: int):
        self.total = total
        self.in_use = 0
        self._cond = threading.Condition()

    def acquire(self, cost: int, *, timeout: float) -> int:
        cost = min(cost, self.total)
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.in_use + cost > self.total:
                left = deadline - time.monotonic()
                if left <= 0 or not self._cond.wait(left):
                    if self.in_use + cost > self.total:
                        raise DecodeBusy("服务器正在处理其他大图片，请稍后重新上传")
            self.in_use += cost
        return cost

    def release(self, cost: int) -> None:
        with self._cond:
            self.in_use -= cost
            self._cond.notify_all()


decode_budget = DecodeBudget(DECODE_BUDGET)


def decode_cost(image: Image.Image) -> int:
    width, height = image.size
    return width * height * max(len(image.getbands()), 1) * DECODE_COPIES


def _check_pixels(image: Image.Image) -> None:
    """From the header alone (Image.open has read nothing else): refuse before decoding."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(f"（{width}×{height}）")


def _too_many_pixels(size: str = "") -> Unprocessable:
    return Unprocessable(
        f"图片像素过多{size}，单张照片最多 {MAX_PIXELS // 1_000_000} 百万像素（如 8000×6000）。"
        "请降低拍摄分辨率或压缩后重新上传。"
    )


def _clean_image(data: bytes, content_type: str) -> CleanFile:
    expected = "JPEG" if content_type == "image/jpeg" else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    raise UnsupportedFile("文件内容与图片格式不符")
                _check_pixels(image)
                cost = decode_budget.acquire(decode_cost(image), timeout=DECODE_WAIT_SECONDS)
                try:
                    return _reencode(image, content_type, expected)
                finally:
                    decode_budget.release(cost)
    except InspectionError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own header check on open (MAX_IMAGE_PIXELS): nothing was decoded either.
        raise _too_many_pixels() from None
    except (OSError, ValueError, SyntaxError, EOFError):
        # Pillow reports broken or truncated images with these.
        raise Unprocessable("图片文件已损坏或不完整，无法识别") from None


def _reencode(image: Image.Image, content_type: str, expected: str) -> CleanFile:
    image.load()
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if expected == "JPEG":
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, icc_profile=icc)
        return CleanFile(content_type, ".jpg", out.getvalue())
    upright.save(out, "PNG", icc_profile=icc)
    return CleanFile(content_type, ".png", out.getvalue())
