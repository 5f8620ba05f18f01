"""Stored files are checked against their recorded SHA-256 every time they are served or verified
(issue 13): a swapped or missing archive copy is refused (409 with a Chinese detail, never a 500),
written to the security log and listed on the commission's dashboard, and /verify says the archive
copy is damaged instead of blaming the genuine paper."""

import io
import json
import logging
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from inspection.models import DamagedFile, Notice
from inspection.services.notices import display_verify_code, issue_notice
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401
from tests.notices.workflow import make_short_draft, media, wu  # noqa: F401

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def letters(county, jinbi, zhang, wu, media):
    jinxing = wu.official.current_post().township
    return {
        "mine": issue_notice(notice=make_short_draft(county, jinbi, zhang), actor=None),
        "theirs": issue_notice(notice=make_short_draft(county, jinxing, wu), actor=None),
    }


def stored(notice: Notice):
    return default_storage.path(notice.pdf.name)


def swap(letters):
    """Someone with the file system puts the other letter's (genuine-looking) PDF in mine's place."""
    original = open(stored(letters["mine"]), "rb").read()
    with open(stored(letters["mine"]), "wb") as handle:
        handle.write(open(stored(letters["theirs"]), "rb").read())
    return original


def damage_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records
            if r.name == "ancha.security" and '"archive.damaged"' in r.getMessage()]


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.WARNING, "ancha.security")
    return caplog


class TestNoticePdf:
    def test_an_untouched_pdf_is_served_and_nothing_is_noted(self, api, letters, zhang, security_log):
        reply = api(zhang).get(f"/api/v1/notices/{letters['mine'].pk}/pdf")
        assert reply.status_code == 200 and reply.content == open(stored(letters["mine"]), "rb").read()
        assert not DamagedFile.objects.exists() and not damage_lines(security_log)

    def test_a_swapped_pdf_is_refused_over_the_api_logged_and_not_delivered(self, api, letters, zhang,
                                                                             security_log):
        swap(letters)
        reply = api(zhang).get(f"/api/v1/notices/{letters['mine'].pk}/pdf")
        assert reply.status_code == 409
        assert "存档的文件已损坏" in reply.json()["detail"]
        assert Notice.objects.get(pk=letters["mine"].pk).delivered_at is None, "a refused file is no delivery"
        [line] = damage_lines(security_log)
        assert line["kind"] == "notice" and line["object_id"] == letters["mine"].pk
        assert line["expected_sha256"] == letters["mine"].pdf_sha256
        assert line["found_sha256"] == letters["theirs"].pdf_sha256
        assert line["user"] == "zhang"

    def test_a_swapped_pdf_is_refused_to_the_signed_in_browser_too(self, client, letters, wang, security_log):
        swap(letters)
        client.force_login(wang)
        page = client.get(f"/notices/{letters['mine'].pk}/")
        assert page.status_code == 200
        reply = client.get(f"/api/v1/notices/{letters['mine'].pk}/pdf")  # the page's 下载 PDF link
        assert reply.status_code == 409 and "存档的文件已损坏" in reply.json()["detail"]

    def test_a_missing_pdf_is_refused_and_noted_as_missing(self, api, letters, wang):
        default_storage.delete(letters["mine"].pdf.name)
        assert api(wang).get(f"/api/v1/notices/{letters['mine'].pk}/pdf").status_code == 409
        assert DamagedFile.objects.get().found_sha256 == ""


class TestVerify:
    def test_the_verify_page_blames_the_archive_copy_not_the_paper(self, client, letters, security_log):
        original = swap(letters)
        code = display_verify_code(letters["mine"].verify_code)
        page = client.get(f"/verify/{code}")
        html = page.content.decode()
        assert page.status_code == 200
        assert "存档文件受损" in html and "并不表示您手中的文书是伪造的" in html
        assert letters["mine"].number_text in html and letters["mine"].pdf_sha256 in html
        # The holder of the genuine paper uploads it: no "different", no "maybe altered".
        posted = client.post(f"/verify/{code}", {"file": SimpleUploadedFile("通知书.pdf", original)})
        text = posted.content.decode()
        assert posted.status_code == 200 and "存档文件受损" in text
        assert "不一致" not in text and "可能被修改过" not in text and "逐字节相同" not in text
        assert damage_lines(security_log)

    def test_the_verify_api_says_the_archive_is_damaged(self, client, letters):
        intact = client.get(f"/api/v1/verify/{letters['theirs'].verify_code}").json()
        assert intact["archive"] == "intact" and intact["status"] == "valid"
        swap(letters)
        facts = client.get(f"/api/v1/verify/{letters['mine'].verify_code}").json()
        assert facts["archive"] == "damaged" and "不表示所持文书是伪造的" in facts["archive_detail"]
        assert facts["status"] == "valid" and facts["sha256"] == letters["mine"].pdf_sha256


class TestDashboard:
    def test_the_commission_sees_the_damaged_copy_until_it_is_restored(self, client, api, letters, wang):
        original = swap(letters)
        api(wang).get(f"/api/v1/notices/{letters['mine'].pk}/pdf")
        api(wang).get(f"/api/v1/notices/{letters['mine'].pk}/pdf")
        client.force_login(wang)
        html = client.get("/").content.decode()
        assert "存档文件受损 1 份" in html and letters["mine"].number_text in html and "共 2 次" in html
        with open(stored(letters["mine"]), "wb") as handle:  # restored from the backup
            handle.write(original)
        assert api(wang).get(f"/api/v1/notices/{letters['mine'].pk}/pdf").status_code == 200
        assert "存档文件受损" not in client.get("/").content.decode()

    def test_another_countys_commission_does_not_see_it(self, api, letters, wang, other_county):
        from inspection.access import visible_damaged_files
        from tests.conftest import _user
        from inspection.models import Role

        swap(letters)
        api(wang).get(f"/api/v1/notices/{letters['mine'].pk}/pdf")
        stranger = _user("qin", Role.COMMISSION, other_county, "秦主任")
        assert visible_damaged_files(wang).count() == 1 and visible_damaged_files(stranger).count() == 0


class TestEvidence:
    def test_a_swapped_evidence_file_is_refused(self, api, li, dispatched, media, security_log):
        client = api(li)
        finding = client.post_json(
            f"/api/v1/inspections/{dispatched.pk}/findings",
            {"item_id": item(dispatched, 4).pk, "text": "儿童之家未开放"},
            **{"Idempotency-Key": str(uuid.uuid4())},
        ).json()
        evidence = client.post(
            f"/api/v1/inspections/{dispatched.pk}/findings/{finding['id']}/evidence",
            {"file": SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf")},
        ).json()
        url = f"/api/v1/inspections/{dispatched.pk}/findings/{finding['id']}/evidence/{evidence['id']}"
        fetched = client.get(url)
        assert fetched.status_code == 200 and b"".join(fetched.streaming_content) == PDF
        path = next(media.rglob("*.pdf"))
        path.write_bytes(PDF.replace(b"Catalog", b"Katalog"))
        refused = client.get(url)
        assert refused.status_code == 409 and "存档的文件已损坏" in refused.json()["detail"]
        damage = DamagedFile.objects.get(kind="evidence")
        assert damage.object_id == evidence["id"] and damage.county.code == "520581"
        assert [line["kind"] for line in damage_lines(security_log)] == ["evidence"]
