"""Evidence through the real HTTP stack: recognised by content, size-limited, cleaned of location, stored whole or not at all."""

import hashlib
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from inspection.models import Evidence
from tests.inspection.field_fixtures import dispatched, item, sun, zhou  # noqa: F401

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def phone_photo(*, size=(64, 48), orientation=6) -> bytes:
    """A JPEG as a phone writes it: EXIF with a GPS position (贵州黔西) and an orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (27.0, 1.0, 48.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 1.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "27.03N 106.02E")
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 90, 0)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


@pytest.fixture
def finding(api, li, dispatched):
    response = api(li).post_json(
        f"/api/v1/inspections/{dispatched.pk}/findings",
        {"item_id": item(dispatched, 4).pk, "text": "儿童之家未开放"},
        **{"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201
    return response.json()


def upload(client, inspection, finding_id, content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return client.post(
        f"/api/v1/inspections/{inspection.pk}/findings/{finding_id}/evidence",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
    )


class TestPhotos:
    def test_a_phone_photo_is_stored_without_its_location_and_upright(self, api, li, dispatched, finding, media):
        original = phone_photo()
        assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has GPS
        response = upload(api(li), dispatched, finding["id"], original, name="IMG_2041.JPG")
        assert response.status_code == 201, response.content
        evidence = Evidence.objects.get()
        stored = (media / evidence.file.name).read_bytes()
        image = Image.open(io.BytesIO(stored))
        assert image.format == "JPEG"
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info and b"Exif" not in stored and b"PhoneMaker" not in stored
        assert image.size == (48, 64)  # orientation 6 applied to the pixels, then dropped
        assert hashlib.sha256(stored).hexdigest() == evidence.sha256 == response.json()["sha256"]
        assert evidence.size == len(stored) == response.json()["size"]
        assert evidence.content_type == "image/jpeg"
        assert "IMG_2041" not in evidence.file.name and evidence.file.name.endswith(".jpg")
        assert evidence.original_name == "IMG_2041.JPG"

    def test_a_png_loses_its_text_chunks(self, api, li, dispatched, finding, media):
        response = upload(api(li), dispatched, finding["id"], png_with_text(), name="screen.png", content_type="image/png")
        assert response.status_code == 201
        stored = (media / Evidence.objects.get().file.name).read_bytes()
        assert b"Location" not in stored and b"106.02E" not in stored
        assert Image.open(io.BytesIO(stored)).format == "PNG"

    def test_a_pdf_is_kept_as_sent(self, api, li, dispatched, finding, media):
        response = upload(api(li), dispatched, finding["id"], PDF, name="台账.pdf", content_type="application/pdf")
        assert response.status_code == 201
        evidence = Evidence.objects.get()
        assert (media / evidence.file.name).read_bytes() == PDF
        assert evidence.content_type == "application/pdf" and evidence.sha256 == hashlib.sha256(PDF).hexdigest()

    def test_the_same_photo_sent_twice_is_stored_once(self, api, li, dispatched, finding, media):
        client, photo = api(li), phone_photo()
        first = upload(client, dispatched, finding["id"], photo)
        again = upload(client, dispatched, finding["id"], photo)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"]
        assert Evidence.objects.count() == 1 and len(stored_files(media)) == 1

    def test_the_finding_lists_its_evidence_and_the_file_can_be_fetched(self, api, li, dispatched, finding, media):
        client = api(li)
        evidence = upload(client, dispatched, finding["id"], phone_photo()).json()
        detail = client.get(f"/api/v1/inspections/{dispatched.pk}").json()
        assert [e["id"] for e in detail["findings"][0]["evidence"]] == [evidence["id"]]
        fetched = client.get(f"/api/v1/inspections/{dispatched.pk}/findings/{finding['id']}/evidence/{evidence['id']}")
        assert fetched.status_code == 200 and fetched["Content-Type"] == "image/jpeg"
        assert hashlib.sha256(b"".join(fetched.streaming_content)).hexdigest() == evidence["sha256"]


def test_the_api_schema_documents_the_file_reply(client, wang):
    client.force_login(wang)
    spec = client.get("/api/v1/openapi.json").json()
    reply = spec["paths"]["/api/v1/inspections/{inspection_id}/findings/{finding_id}/evidence/{evidence_id}"]["get"]
    assert set(reply["responses"]["200"]["content"]) == {"image/jpeg", "image/png", "application/pdf"}
    assert "404" in reply["responses"]


class TestRefusals:
    def test_a_text_file_renamed_to_jpg_is_refused_and_nothing_is_stored(self, api, li, dispatched, finding, media):
        response = upload(api(li), dispatched, finding["id"], b"just some notes, not a photo\n" * 20, name="photo.jpg")
        assert response.status_code == 415
        assert "JPEG" in response.json()["detail"]
        assert not Evidence.objects.exists() and stored_files(media) == []

    def test_a_broken_jpeg_is_refused(self, api, li, dispatched, finding, media):
        response = upload(api(li), dispatched, finding["id"], phone_photo()[:300])
        assert response.status_code == 422
        assert "损坏" in response.json()["detail"]
        assert stored_files(media) == []

    def test_an_html_page_posing_as_a_pdf_is_refused(self, api, li, dispatched, finding, media):
        response = upload(api(li), dispatched, finding["id"], b"<html><script>alert(1)</script></html>",
                          name="x.pdf", content_type="application/pdf")
        assert response.status_code == 415
        assert stored_files(media) == []

    def test_an_upload_over_the_default_10_mb_is_refused_with_a_clear_message_and_nothing_stored(
        self, api, li, dispatched, finding, media
    ):
        oversize = b"\xff\xd8\xff\xe0" + b"\0" * (10 * 1024 * 1024 - 3)
        response = upload(api(li), dispatched, finding["id"], oversize)
        assert response.status_code == 413
        assert response.json()["detail"].startswith("文件过大") and "最大 10 MB" in response.json()["detail"]
        assert not Evidence.objects.exists() and stored_files(media) == []

    def test_the_size_limit_is_a_setting(self, api, li, dispatched, finding, media, settings):
        settings.EVIDENCE_MAX_BYTES = 1024
        response = upload(api(li), dispatched, finding["id"], phone_photo(size=(400, 300)))
        assert response.status_code == 413 and "最大 1 KB" in response.json()["detail"]
        assert not Evidence.objects.exists() and stored_files(media) == []

    def test_a_file_is_removed_again_when_the_database_refuses_the_row(self, api, li, dispatched, finding, media, monkeypatch):
        from inspection.services import inspections

        def refuse(**kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(inspections, "_record_evidence", refuse)
        with pytest.raises(RuntimeError):
            upload(api(li), dispatched, finding["id"], phone_photo())
        assert stored_files(media) == []

    def test_no_file_field_is_a_400(self, api, li, dispatched, finding):
        response = api(li).post(f"/api/v1/inspections/{dispatched.pk}/findings/{finding['id']}/evidence", {"photo": "x"})
        assert response.status_code == 400 and "file" in response.json()["detail"]

    def test_a_broken_multipart_body_is_a_400(self, api, li, dispatched, finding):
        response = api(li).post(
            f"/api/v1/inspections/{dispatched.pk}/findings/{finding['id']}/evidence",
            data=b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n",
            content_type="multipart/form-data; boundary=",
        )
        # Refused at the edge (inspection/security/hygiene.py), before the view parses it.
        assert response.status_code == 400
        assert "表单格式无效" in response.json()["detail"]

    def test_someone_not_on_the_team_cannot_add_evidence(self, api, zhou, zhang, dispatched, finding, media):
        for user in (zhou, zhang):
            assert upload(api(user), dispatched, finding["id"], phone_photo()).status_code == 404
        assert stored_files(media) == []

    def test_a_finding_of_another_inspection_is_not_found_here(self, api, li, sun, dispatched, finding, checklist):
        from tests.inspection.field_fixtures import make_inspection

        other = make_inspection(township=dispatched.county.townships.get(code="520581101"), checklist=checklist, team=[li, sun])
        assert upload(api(li), other, finding["id"], phone_photo()).status_code == 404

    def test_evidence_after_submission_is_refused_and_nothing_is_stored(self, api, li, dispatched, finding, media):
        client = api(li)
        assert client.post(f"/api/v1/inspections/{dispatched.pk}/submit").status_code == 200
        response = upload(client, dispatched, finding["id"], phone_photo())
        assert response.status_code == 409 and "已提交" in response.json()["detail"]
        assert stored_files(media) == []
