"""The notice workflow over the real HTTP stack: who sees what, 签收, 整改报告, review, verify."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from inspection.models import AuditEvent, Notice, NoticeResponse
from inspection.services.notices import display_verify_code, issue_notice
from tests.conftest import make_wang, make_zhang, make_zhao
from tests.notices import pdftools as P
from tests.notices.workflow import make_draft, make_wu
from tests.shared_data import committed, fresh, shared


@pytest.fixture(scope="module")
def _letters_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The county, its people and four letters, made once for the module (issuing three letters
    renders three PDFs, ~1 s of CPU a test before): every test reads them in its own transaction,
    rolled back after it, so what one test issues, voids, acknowledges or files is gone for the next.
    The letters' PDFs stay in the module's media folder, which every test here reads."""
    from inspection.services.setup import import_divisions

    with committed(django_db_blocker, tmp_path_factory) as folder:
        county, _, _ = import_divisions(county_code="520581")
        other_county, _, _ = import_divisions(county_code="520521")
        jinbi = county.townships.get(code="520581100")
        people = {"wang": make_wang(county), "zhang": make_zhang(county), "wu": make_wu(county),
                  "zhao": make_zhao(other_county)}
        jinxing = people["wu"].official.current_post().township
        zhang, wu = people["zhang"], people["wu"]
        letters = {
            "draft": make_draft(county, jinbi, zhang, "summons"),
            "mine": issue_notice(notice=make_draft(county, jinbi, zhang, "rectification"), actor=None),
            "theirs": issue_notice(notice=make_draft(county, jinxing, wu, "rectification"), actor=None),
            "circular": issue_notice(notice=make_draft(county, kind="circular"), actor=None),
        }
        yield {"county": county, "people": people, "letters": letters, "media": folder}


pytestmark = pytest.mark.usefixtures("_letters_once")
county = shared("_letters_once", "county")
wang, zhang, wu, zhao = (shared("_letters_once", "people", name) for name in ("wang", "zhang", "wu", "zhao"))


@pytest.fixture
def letters(db, _letters_once):
    """A draft and an issued letter to 金碧镇 (zhang), one issued to wu's township, an issued circular."""
    return {name: fresh(notice) for name, notice in _letters_once["letters"].items()}


@pytest.fixture
def media(_letters_once):
    return _letters_once["media"]


def ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def png_bytes():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    buf.seek(0)
    buf.name = "整改照片.png"
    return buf


def test_an_official_sees_only_their_own_issued_notices(api, letters, zhang):
    client = api(zhang)
    assert ids(client.get("/api/v1/notices")) == {letters["mine"].pk, letters["circular"].pk}
    for other in ("draft", "theirs"):
        notice = letters[other]
        assert client.get(f"/api/v1/notices/{notice.pk}").status_code == 404
        assert client.get(f"/api/v1/notices/{notice.pk}/pdf").status_code == 404
    assert client.get("/api/v1/notices?state=draft").json()["items"] == []


def test_an_official_of_another_county_sees_nothing(api, letters, zhao):
    client = api(zhao)
    assert ids(client.get("/api/v1/notices")) == set()
    assert client.get(f"/api/v1/notices/{letters['mine'].pk}").status_code == 404


def test_the_commission_sees_drafts_and_previews_them_without_a_number(api, letters, wang):
    client = api(wang)
    assert ids(client.get("/api/v1/notices")) == {n.pk for n in letters.values()}
    draft = client.get(f"/api/v1/notices/{letters['draft'].pk}").json()
    assert draft["number"] is None and draft["verify_code"] is None and draft["state"] == "draft"
    pdf = client.get(f"/api/v1/notices/{letters['draft'].pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = P.text(pdf.content)
    assert "草稿" in text and "〔" not in text


def test_the_notice_shape_carries_the_contract_fields(api, letters, wang):
    item = api(wang).get(f"/api/v1/notices/{letters['mine'].pk}").json()
    assert item["kind"] == "rectification"
    assert item["number"] == letters["mine"].number_text
    assert item["state"] == "issued"
    assert item["township"] == "520581100"
    assert item["verify_code"] == display_verify_code(letters["mine"].verify_code)
    circular = api(wang).get(f"/api/v1/notices/{letters['circular'].pk}").json()
    assert circular["township"] is None and circular["number"].startswith("黔西未保办通〔")


def test_the_first_download_by_the_addressed_official_is_the_delivery(api, letters, zhang, wang):
    notice = letters["mine"]
    api(wang).get(f"/api/v1/notices/{notice.pk}/pdf")
    notice.refresh_from_db()
    assert notice.delivered_at is None  # the office's own download is no delivery
    first = api(zhang).get(f"/api/v1/notices/{notice.pk}/pdf")
    assert first.status_code == 200
    assert first.content == default_pdf(notice)
    notice.refresh_from_db()
    delivered = notice.delivered_at
    assert delivered is not None
    api(zhang).get(f"/api/v1/notices/{notice.pk}/pdf")
    notice.refresh_from_db()
    assert notice.delivered_at == delivered
    assert AuditEvent.objects.filter(action="notice.delivered", object_id=str(notice.pk)).count() == 1
    shown = api(wang).get(f"/api/v1/notices/{notice.pk}").json()
    assert shown["delivered_at"] is not None


def test_signing_without_downloading_records_the_signature_only(api, letters, zhang, wang):
    notice = letters["mine"]
    assert api(zhang).post(f"/api/v1/notices/{notice.pk}/acknowledge").status_code == 200
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None
    assert notice.delivered_at is None, "签收 is not a download"
    assert not AuditEvent.objects.filter(action="notice.delivered", object_id=str(notice.pk)).exists()
    api(zhang).get(f"/api/v1/notices/{notice.pk}/pdf")
    notice.refresh_from_db()
    assert notice.delivered_at is not None
    assert AuditEvent.objects.filter(action="notice.delivered", object_id=str(notice.pk)).count() == 1


def default_pdf(notice):
    from django.core.files.storage import default_storage

    with default_storage.open(notice.pdf.name, "rb") as f:
        return f.read()


def test_the_addressed_official_acknowledges_receipt_once(api, letters, zhang, wu, wang):
    notice = letters["mine"]
    assert api(wu).post(f"/api/v1/notices/{notice.pk}/acknowledge").status_code == 404
    assert api(wang).post(f"/api/v1/notices/{notice.pk}/acknowledge").status_code == 404
    reply = api(zhang).post(f"/api/v1/notices/{notice.pk}/acknowledge")
    assert reply.status_code == 200 and reply.json()["state"] == "acknowledged"
    stamped = reply.json()["acknowledged_at"]
    assert stamped is not None
    again = api(zhang).post(f"/api/v1/notices/{notice.pk}/acknowledge")
    assert again.status_code == 200 and again.json()["acknowledged_at"] == stamped


def test_a_rectification_report_is_filed_reviewed_sent_back_and_accepted(api, letters, zhang, wang):
    notice = letters["mine"]
    official = api(zhang)
    early = official.post(f"/api/v1/notices/{notice.pk}/responses", {"text": "已整改"})
    assert early.status_code == 409  # acknowledge first
    official.post(f"/api/v1/notices/{notice.pk}/acknowledge")
    filed = official.post(f"/api/v1/notices/{notice.pk}/responses",
                          {"text": "工作站已配备2名专职人员，值守制度已上墙。", "files": [png_bytes()]})
    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert body["state"] == "pending" and len(body["attachments"]) == 1
    assert body["attachments"][0]["content_type"] == "image/png"
    assert api(wang).get(f"/api/v1/notices/{notice.pk}").json()["state"] == "responded"

    rid = body["id"]
    sent_back = api(wang).post_json(f"/api/v1/notices/{notice.pk}/responses/{rid}/return",
                                    {"comment": "缺少值守记录照片"})
    assert sent_back.status_code == 200 and sent_back.json()["state"] == "returned"
    assert api(wang).get(f"/api/v1/notices/{notice.pk}").json()["state"] == "acknowledged"

    again = official.post(f"/api/v1/notices/{notice.pk}/responses", {"text": "补充值守记录。", "files": [png_bytes()]})
    assert again.status_code == 201
    assert official.post_json(f"/api/v1/notices/{notice.pk}/responses/{again.json()['id']}/accept", {}).status_code == 404
    accepted = api(wang).post_json(f"/api/v1/notices/{notice.pk}/responses/{again.json()['id']}/accept", {})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert api(wang).get(f"/api/v1/notices/{notice.pk}").json()["state"] == "accepted"
    assert list(NoticeResponse.objects.filter(notice=notice).values_list("state", flat=True).order_by("id")) == [
        "returned", "accepted"]


def test_a_review_comment_over_the_limit_is_refused_whole_not_cut_short(letters, zhang, wang):
    from inspection.errors import Unprocessable
    from inspection.services import responses as service

    notice = letters["mine"]
    service.acknowledge_notice(notice=notice, user=zhang)
    report = service.file_response(notice=notice, user=zhang, text="已整改。")
    with pytest.raises(Unprocessable, match=f"不超过{service.MAX_REASON}字"):
        service.return_response(response=report, actor=wang, comment="缺" * (service.MAX_REASON + 1))
    report.refresh_from_db()
    assert report.state == "pending" and report.review_comment == ""
    kept = service.return_response(response=report, actor=wang, comment="缺" * service.MAX_REASON)
    assert kept.review_comment == "缺" * service.MAX_REASON


def test_a_report_with_a_file_that_is_not_a_picture_or_pdf_is_refused(api, letters, zhang):
    notice = letters["mine"]
    api(zhang).post(f"/api/v1/notices/{notice.pk}/acknowledge")
    fake = io.BytesIO(b"MZ\x90\x00 not a photo")
    fake.name = "照片.png"
    reply = api(zhang).post(f"/api/v1/notices/{notice.pk}/responses", {"text": "已整改", "files": [fake]})
    assert reply.status_code == 415
    assert not NoticeResponse.objects.exists()
    assert Notice.objects.get(pk=notice.pk).state == "acknowledged"


def test_issue_and_void_over_the_api_are_the_commissions_alone(api, letters, wang, zhang):
    draft = letters["draft"]
    assert api(zhang).post(f"/api/v1/notices/{draft.pk}/issue").status_code == 404
    issued = api(wang).post(f"/api/v1/notices/{draft.pk}/issue")
    assert issued.status_code == 200
    assert issued.json()["number"].startswith("黔西未保办约〔") and issued.json()["verify_code"]
    assert api(wang).post(f"/api/v1/notices/{draft.pk}/issue").status_code == 409
    assert api(wang).post_json(f"/api/v1/notices/{draft.pk}/void", {"reason": ""}).status_code == 422
    voided = api(wang).post_json(f"/api/v1/notices/{draft.pk}/void", {"reason": "约谈时间调整，重新印发"})
    assert voided.status_code == 200
    assert voided.json()["state"] == "void" and voided.json()["number"] == issued.json()["number"]


# -- verification ----------------------------------------------------------------

def test_verify_shows_the_public_facts_of_an_issued_notice(client, letters):
    notice = letters["mine"]
    reply = client.get(f"/api/v1/verify/{notice.verify_code.lower()}")
    assert reply.status_code == 200
    facts = reply.json()
    assert facts["number"] == notice.number_text
    assert facts["kind"] == "rectification" and facts["kind_label"] == "整改通知书"
    assert facts["issuer"] == "黔西市未成年人保护工作委员会办公室"
    assert facts["township"] == {"code": "520581100", "name": "金碧镇"}
    assert facts["sha256"] == notice.pdf_sha256
    assert facts["status"] == "valid"
    assert "snapshot" not in facts and "official" not in facts


@pytest.mark.parametrize("code", ["AAAA-BBBB-CCCC", "0000-0000-0000", "xyz", "%27%20OR%201=1"])
def test_verify_of_a_made_up_code_says_so_and_reveals_nothing(client, letters, code):
    reply = client.get(f"/api/v1/verify/{code}")
    assert reply.status_code == 404
    assert set(reply.json()) == {"detail"}
    assert "未找到" in reply.json()["detail"]


def test_a_drafts_notice_cannot_be_verified(client, letters):
    assert letters["draft"].verify_code is None
    assert Notice.objects.filter(verify_code__isnull=False, state="draft").count() == 0


def test_the_verify_page_compares_an_uploaded_pdf_byte_for_byte(client, letters):
    notice = letters["mine"]
    page = client.get(f"/verify/{display_verify_code(notice.verify_code)}")
    html = page.content.decode()
    assert page.status_code == 200
    for fact in (notice.number_text, "整改通知书", "黔西市未成年人保护工作委员会办公室", "金碧镇", notice.pdf_sha256):
        assert fact in html
    original = default_pdf(notice)
    same = client.post(f"/verify/{notice.verify_code}", {"file": named(original)})
    assert same.status_code == 200 and "逐字节相同" in same.content.decode()
    changed = original[:1000] + bytes([original[1000] ^ 1]) + original[1001:]  # one bit flipped
    different = client.post(f"/verify/{notice.verify_code}", {"file": named(changed)})
    assert "不一致" in different.content.decode()


def test_the_verify_page_for_a_made_up_code_reveals_nothing(client, letters):
    page = client.get("/verify/AAAA-BBBB-CCCC")
    assert page.status_code == 404
    html = page.content.decode()
    assert "未找到与该验证码对应的文书" in html
    assert "黔西未保办" not in html and "金碧镇" not in html


def named(data: bytes):
    f = io.BytesIO(data)
    f.name = "notice.pdf"
    return f


def test_a_voided_notice_verifies_as_void(client, letters, wang):
    from inspection.services.notices import void_notice

    void_notice(notice=letters["theirs"], actor=wang, reason="重复印发")
    facts = client.get(f"/api/v1/verify/{letters['theirs'].verify_code}").json()
    assert facts["status"] == "void"
    assert "重复印发" not in str(facts)
