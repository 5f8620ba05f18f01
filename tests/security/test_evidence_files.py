"""Inspection photos and rectification-report attachments open for those who may read them, and
for nobody else (issue 15): the commission and the observer of the county; the team for their own
inspection's photos; the township's official for their own township's visits and their own
letter's reports. Every file is checked against its recorded SHA-256 first (a changed file is
refused, noted and logged), and goes out with headers that keep the browser from running it."""

import json
import logging

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from inspection.models import DamagedFile, Evidence, ResponseAttachment
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

PHOTO_READERS = {"wang", "qian", "zhang", "li", "sun"}
REPORT_READERS = {"wang", "qian", "zhang"}
EVERYONE = ["wang", "qian", "zhang", "wu", "li", "sun", "ma", "chen", "zhao", "ding"]


def _urls(world, bundle="jinbi"):
    b = world.bundles[bundle]
    return {
        "photo_web": f"/inspections/{b.inspection_id}/evidence/{b.evidence_id}/",
        "photo_api": f"/api/v1/inspections/{b.inspection_id}/findings/{b.finding_id}/evidence/{b.evidence_id}",
        "report_web": f"/notices/{b.notice_id}/responses/{b.response_id}/attachments/{b.attachment_id}/",
        "report_api": f"/api/v1/notices/{b.notice_id}/responses/{b.response_id}/attachments/{b.attachment_id}",
    }


def _browser(world, who):
    client = Client()
    client.force_login(world.users[who])
    return client


def _body(reply) -> bytes:
    return b"".join(reply.streaming_content) if reply.streaming else reply.content


@pytest.mark.parametrize("who", EVERYONE)
def test_each_role_opens_exactly_the_files_it_may_read_on_the_web_and_in_the_api(world, who):
    urls = _urls(world)
    browser, api = _browser(world, who), ApiClient(world.users[who])
    photo = Evidence.objects.get(pk=world.bundles["jinbi"].evidence_id)
    attachment = ResponseAttachment.objects.get(pk=world.bundles["jinbi"].attachment_id)
    expected = {"photo": (who in PHOTO_READERS, photo), "report": (who in REPORT_READERS, attachment)}
    for kind, (allowed, row) in expected.items():
        stored = default_storage.open(row.file.name, "rb").read()
        for reply in (browser.get(urls[f"{kind}_web"]), api.get(urls[f"{kind}_api"])):
            if allowed:
                assert reply.status_code == 200, (who, kind)
                assert _body(reply) == stored
            else:
                assert reply.status_code == 404, (who, kind, reply.status_code)
                assert stored not in _body(reply)


def test_another_townships_official_and_another_county_meet_their_own_files_only(world):
    mine, theirs, foreign = (_urls(world, name) for name in ("jinbi", "other_township", "other_county"))
    zhang = _browser(world, "zhang")
    assert zhang.get(mine["report_web"]).status_code == 200
    assert zhang.get(theirs["report_web"]).status_code == 404
    assert zhang.get(theirs["photo_web"]).status_code == 404
    chen = ApiClient(world.users["chen"])
    assert chen.get(foreign["report_api"]).status_code == 200
    assert chen.get(mine["report_api"]).status_code == 404
    assert chen.get(mine["photo_api"]).json() == {"detail": "未找到"}


def test_a_file_is_found_only_under_its_own_notice_report_and_inspection(world):
    b, other = world.bundles["jinbi"], world.bundles["other_township"]
    wang = _browser(world, "wang")
    assert wang.get(f"/notices/{other.notice_id}/responses/{b.response_id}/attachments/{b.attachment_id}/").status_code == 404
    assert wang.get(f"/notices/{b.notice_id}/responses/{other.response_id}/attachments/{b.attachment_id}/").status_code == 404
    assert wang.get(f"/inspections/{other.inspection_id}/evidence/{b.evidence_id}/").status_code == 404


def test_a_stranger_is_sent_to_sign_in_and_the_api_wants_credentials(world):
    urls = _urls(world)
    for url in (urls["photo_web"], urls["report_web"]):
        reply = Client().get(url)
        assert reply.status_code == 302 and "login" in reply["Location"] and b"PNG" not in reply.content
    reply = Client().get(urls["report_api"])
    assert reply.status_code == 401 and reply.json() == {"detail": "未登录或令牌无效"}


@pytest.mark.parametrize("kind", ["photo", "report"])
def test_the_headers_name_the_stored_type_show_it_inline_and_let_nothing_run(world, kind):
    urls = _urls(world)
    row_id = world.bundles["jinbi"].evidence_id if kind == "photo" else world.bundles["jinbi"].attachment_id
    stem = "evidence" if kind == "photo" else "attachment"
    for reply in (_browser(world, "wang").get(urls[f"{kind}_web"]), ApiClient(world.users["wang"]).get(urls[f"{kind}_api"])):
        assert reply["Content-Type"] == "image/png"
        assert reply["Content-Disposition"] == f'inline; filename="{stem}-{row_id}.png"'
        assert reply["X-Content-Type-Options"] == "nosniff"
        assert reply["Content-Security-Policy"].startswith("sandbox;")
        assert "default-src 'none'" in reply["Content-Security-Policy"]
        assert reply["Cache-Control"] == "no-store"


def test_a_type_outside_the_allowed_three_goes_out_as_an_opaque_download(world):
    attachment = ResponseAttachment.objects.get(pk=world.bundles["jinbi"].attachment_id)
    ResponseAttachment.objects.filter(pk=attachment.pk).update(content_type="text/html")  # a row written around the upload
    reply = _browser(world, "wang").get(_urls(world)["report_web"])
    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/octet-stream"
    assert reply["Content-Disposition"].startswith("attachment;") and ".bin" in reply["Content-Disposition"]
    assert reply["Content-Security-Policy"].startswith("sandbox;")


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.WARNING, "ancha.security")
    return caplog


@pytest.mark.parametrize("kind", ["photo", "report"])
def test_a_changed_file_is_refused_in_chinese_noted_and_logged_then_served_again_once_restored(
        world, kind, security_log):
    bundle = world.bundles["jinbi"]
    row = (Evidence.objects.get(pk=bundle.evidence_id) if kind == "photo"
           else ResponseAttachment.objects.get(pk=bundle.attachment_id))
    path = default_storage.path(row.file.name)
    original = open(path, "rb").read()
    urls = _urls(world)
    try:
        with open(path, "wb") as handle:  # someone with the file system swaps the picture
            handle.write(original[:-12] + b"\x00" * 12)
        page = _browser(world, "wang").get(urls[f"{kind}_web"])
        assert page.status_code == 409
        html = page.content.decode()
        assert "文件已损坏" in html and "已拒绝提供" in html and original not in page.content
        api = ApiClient(world.users["qian"]).get(urls[f"{kind}_api"])
        assert api.status_code == 409 and "存档的文件已损坏" in api.json()["detail"]
        damage = DamagedFile.objects.get(object_id=row.pk, kind="evidence" if kind == "photo" else "attachment")
        assert damage.times == 2 and damage.expected_sha256 == row.sha256 and damage.county.code == "520581"
        lines = [json.loads(r.getMessage()) for r in security_log.records if '"archive.damaged"' in r.getMessage()]
        assert [(line["kind"], line["user"]) for line in lines] == [(damage.kind, "wang"), (damage.kind, "qian")]
    finally:
        with open(path, "wb") as handle:
            handle.write(original)
    assert _browser(world, "wang").get(urls[f"{kind}_web"]).status_code == 200
    assert not DamagedFile.objects.filter(object_id=row.pk, kind=damage.kind).exists()


def test_the_review_page_sets_the_inspection_photos_beside_the_reports(world):
    b = world.bundles["jinbi"]
    urls = _urls(world)
    for who in ("wang", "qian", "zhang"):
        html = _browser(world, who).get(f"/notices/{b.notice_id}/").content.decode()
        assert "整改前（暗查照片）" in html and "整改后（整改报告附件）" in html, who
        before, after = html.index("整改前（暗查照片）"), html.index("整改后（整改报告附件）")
        assert before < html.index(f'src="{urls["photo_web"]}"') < after < html.index(f'src="{urls["report_web"]}"')
    assert _browser(world, "wu").get(f"/notices/{b.notice_id}/").status_code == 404
