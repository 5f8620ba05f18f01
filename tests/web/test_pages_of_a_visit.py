"""The web pages of one submitted visit to 金碧镇 (its summons and rectification drafts, two photos),
role by role, through the real request stack (Django test client). Moved from test_pages.py: the
visit is submitted once for the module and committed (tests/shared_data.py); every test runs in its
own transaction, rolled back after it, so what one test issues, acknowledges or files is gone for
the next. Submitting it for each test cost ~0.5 s of CPU a test."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from inspection.models import Level, Notice, NoticeKind, Township
from inspection.services.setup import ensure_default_checklist, import_divisions
from tests.conftest import JINBI, make_li, make_qian, make_wang, make_zhang, make_zhao
from tests.shared_data import committed, shared
from tests.web.builders import make_jinbi_visit, make_team
from tests.web.test_pages import page

pytestmark = pytest.mark.usefixtures("_visit_once")


@pytest.fixture(scope="module")
def _visit_once(django_db_setup, django_db_blocker, tmp_path_factory):
    with committed(django_db_blocker, tmp_path_factory):
        county, _, _ = import_divisions(county_code="520581")
        other_county, _, _ = import_divisions(county_code="520521")
        checklist = ensure_default_checklist(county=county)
        people = {"wang": make_wang(county), "qian": make_qian(county), "zhang": make_zhang(county),
                  "li": make_li(county), "zhao": make_zhao(other_county)}
        visit = make_jinbi_visit(county.townships.get(code=JINBI), checklist, make_team(county))
        yield {"county": county, "jinbi_visit": visit, **people}


@pytest.fixture
def media_in_a_temporary_folder():
    """The visit's photos stay in the module's media folder (tests/web/builders.py sets a folder per test)."""


county, jinbi_visit, wang, qian, zhang, li, zhao = (
    shared("_visit_once", name) for name in ("county", "jinbi_visit", "wang", "qian", "zhang", "li", "zhao"))


class TestCommissionDashboard:
    def test_coverage_grid_shows_each_visit_with_its_score_in_its_week(self, client, wang, jinbi_visit):
        client.force_login(wang)
        html = page(client, "/")
        row = re.search(r'<tr class="st-covered">.*?金碧镇.*?</tr>', html, re.S)
        assert row, "金碧镇 should be marked covered this period"
        assert f'href="/inspections/{jinbi_visit.id}/"' in row.group(0)
        assert f">{jinbi_visit.score}<" in row.group(0)

    def test_unvisited_townships_show_their_deadline(self, client, wang, county, jinbi_visit):
        client.force_login(wang)
        html = page(client, "/")
        row = re.search(r'<tr class="st-(open|near|overdue)">.*?水西街道.*?</tr>', html, re.S)
        assert row and re.search(r'<span class="date">\d+/\d+</span>', row.group(0))

    def test_escalation_board_lists_the_summoned_township_with_its_open_rectifications(self, client, wang, jinbi_visit):
        jinbi = Township.objects.get(pk=jinbi_visit.township_id)
        assert jinbi.level == Level.SUMMONS and jinbi.key_managed
        client.force_login(wang)
        html = page(client, "/")
        board = html[html.index('id="board"'):]
        row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/townships/520581100/\">金碧镇</a></th>.*?</tr>", board, re.S)
        assert row
        assert "lvl-summons" in row.group(0) and "重点管理" in row.group(0)
        assert 'class="light ' in row.group(0)

    def test_drafts_awaiting_issue_link_to_each_draft(self, client, wang, jinbi_visit):
        drafts = Notice.objects.filter(inspection=jinbi_visit, state=Notice.State.DRAFT)
        assert drafts.filter(kind=NoticeKind.SUMMONS).exists()
        client.force_login(wang)
        html = page(client, "/")
        for notice in drafts:
            assert f'href="/notices/{notice.id}/"' in html


class TestNotFoundIsOnePage:
    def test_an_official_cannot_read_a_draft_even_of_their_own_township(self, client, zhang, jinbi_visit):
        draft = Notice.objects.filter(inspection=jinbi_visit, state=Notice.State.DRAFT).first()
        client.force_login(zhang)
        assert client.get(f"/notices/{draft.id}/").status_code == 404
        assert f"/notices/{draft.id}/" not in page(client, "/")

    def test_an_official_of_another_county_sees_nothing_here(self, client, zhao, jinbi_visit):
        client.force_login(zhao)
        assert client.get("/townships/520581100/").status_code == 404
        assert client.get(f"/inspections/{jinbi_visit.id}/").status_code == 404


class TestTownshipPage:
    def test_commission_sees_score_history_inspections_findings_notices_and_ledger(self, client, wang, jinbi_visit):
        client.force_login(wang)
        html = page(client, "/townships/520581100/")
        assert "金碧镇 暗查得分变化" in html
        assert f"<th scope=\"row\">{jinbi_visit.date.isoformat()}</th><td>{jinbi_visit.score}分</td>" in html
        assert "孤儿基本生活费未按标准发放" in html
        assert "约谈通知书" in html
        assert 'id="ledger-h"' in html and "约谈、预警" in html

    def test_official_sees_their_township_without_the_ledger_or_the_team(self, client, zhang, jinbi_visit):
        client.force_login(zhang)
        html = page(client, "/townships/520581100/")
        assert "孤儿基本生活费未按标准发放" in html
        assert 'id="ledger-h"' not in html and 'id="dec-h"' not in html
        inspection = page(client, f"/inspections/{jinbi_visit.id}/")
        assert "督查员" not in inspection

    def test_township_list_filters_by_level(self, client, wang, jinbi_visit):
        client.force_login(wang)
        html = page(client, "/townships/?level=summons")
        assert "金碧镇" in html and "水西街道" not in html
        everything = page(client, "/townships/")
        assert "第 1 / 1 页" not in everything and "共 30 条" in everything


class TestNoticeWorkflowOnTheWeb:
    def test_issue_acknowledge_report_accept(self, client, wang, zhang, jinbi_visit):
        summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
        client.force_login(wang)
        response = client.post(f"/notices/{summons.id}/issue/", follow=True)
        summons.refresh_from_db()
        assert summons.state == Notice.State.ISSUED and summons.number_text
        assert "已印发" in response.content.decode()

        client.force_login(zhang)
        portal = page(client, "/")
        assert summons.number_text in portal and "待签收" in portal
        pdf = client.get(f"/api/v1/notices/{summons.id}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        client.post(f"/notices/{summons.id}/acknowledge/")
        summons.refresh_from_db()
        assert summons.state == Notice.State.ACKNOWLEDGED and summons.delivered_at

        client.post(f"/notices/{summons.id}/respond/", {"text": "已召开专题会议，补发生活费。"})
        summons.refresh_from_db()
        assert summons.state == Notice.State.RESPONDED
        response = summons.responses.get()

        client.force_login(wang)
        detail = page(client, f"/notices/{summons.id}/")
        assert "已召开专题会议" in detail and "验收通过" in detail
        client.post(f"/notices/{summons.id}/responses/{response.id}/review/", {"decision": "accept"})
        summons.refresh_from_db()
        assert summons.state == Notice.State.ACCEPTED

    def test_a_reports_attachments_show_and_the_page_costs_the_same_before_and_after(
        self, client, wang, zhang, jinbi_visit, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
        client.force_login(wang)
        client.post(f"/notices/{summons.id}/issue/")
        client.get(f"/notices/{summons.id}/")  # the session and caches settle before counting
        with CaptureQueriesContext(connection) as unanswered:
            page(client, f"/notices/{summons.id}/")

        client.force_login(zhang)
        client.post(f"/notices/{summons.id}/acknowledge/")
        photo = io.BytesIO()
        Image.new("RGB", (30, 20), "blue").save(photo, "JPEG")
        client.post(f"/notices/{summons.id}/respond/", {
            "text": "已召开专题会议，补发生活费。",
            "attachments": [SimpleUploadedFile("会议纪要.jpg", photo.getvalue(), "image/jpeg")],
        })
        assert summons.responses.get().attachments.count() == 1

        client.force_login(wang)
        client.get(f"/notices/{summons.id}/")
        with CaptureQueriesContext(connection) as answered:
            detail = page(client, f"/notices/{summons.id}/")
        assert "会议纪要.jpg" in detail
        # A prefetch skips its query when there is no report: the count would then grow with the answers.
        assert len(answered) == len(unanswered), [q["sql"][:120] for q in answered]

    def test_a_refused_action_is_explained_on_the_page(self, client, zhang, wang, jinbi_visit):
        summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
        client.force_login(wang)
        client.post(f"/notices/{summons.id}/issue/")
        client.force_login(zhang)
        response = client.post(f"/notices/{summons.id}/respond/", {"text": "报告"}, follow=True)
        assert "请先签收文书" in response.content.decode()
        summons.refresh_from_db()
        assert summons.state == Notice.State.ISSUED

    def test_a_refused_attachment_keeps_the_typed_report(self, client, zhang, wang, jinbi_visit):
        summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
        client.force_login(wang)
        client.post(f"/notices/{summons.id}/issue/")
        client.force_login(zhang)
        client.post(f"/notices/{summons.id}/acknowledge/")
        typed = "已召开专题会议，孤儿基本生活费已按标准补发到位，附发放花名册。"
        response = client.post(f"/notices/{summons.id}/respond/", {
            "text": typed,
            "attachments": [SimpleUploadedFile("花名册.png", b"MZ\x90\x00 not a picture", "image/png")],
        })
        body = response.content.decode()
        assert response.status_code == 422
        assert typed in body, "the official's text must come back in the form"
        assert "请重新选择附件" in body
        assert not summons.responses.exists()
        summons.refresh_from_db()
        assert summons.state == Notice.State.ACKNOWLEDGED

    def test_an_official_cannot_issue_and_the_commission_cannot_acknowledge(self, client, zhang, wang, jinbi_visit):
        summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
        client.force_login(zhang)
        assert client.post(f"/notices/{summons.id}/issue/").status_code == 404
        client.force_login(wang)
        client.post(f"/notices/{summons.id}/issue/")
        assert client.post(f"/notices/{summons.id}/acknowledge/").status_code == 404
        summons.refresh_from_db()
        assert summons.state == Notice.State.ISSUED

    def test_actions_need_a_post(self, client, wang, jinbi_visit):
        summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
        client.force_login(wang)
        assert client.get(f"/notices/{summons.id}/issue/").status_code == 405


class TestLedgerPage:
    def test_ledger_lists_the_summons_under_the_official_with_an_export_link(self, client, wang, zhang, jinbi_visit):
        client.force_login(wang)
        html = page(client, "/ledger/")
        assert "约谈、预警" in html and "张永燊" in html
        assert 'href="/api/v1/ledger?format=xlsx"' in html
        official = zhang.official
        filtered = page(client, f"/ledger/?official={official.id}&kind=summons")
        assert "张永燊" in filtered and "纳入重点管理" not in filtered.split("<tbody>")[1]
        assert f'href="/api/v1/ledger?format=xlsx&amp;official={official.id}"' in filtered
        export = client.get(f"/api/v1/ledger?format=xlsx&official={official.id}")
        assert export.status_code == 200 and export.content[:2] == b"PK"

    def test_observer_reads_the_ledger_and_official_does_not(self, client, qian, zhang, jinbi_visit):
        client.force_login(qian)
        assert "约谈、预警" in page(client, "/ledger/")
        client.force_login(zhang)
        assert client.get("/ledger/").status_code == 404


class TestObserver:
    def test_observer_home_shows_the_board_and_no_drafts(self, client, qian, jinbi_visit):
        client.force_login(qian)
        html = page(client, "/")
        assert "金碧镇" in html and "lvl-summons" in html
        for draft in Notice.objects.filter(state=Notice.State.DRAFT):
            assert f"/notices/{draft.id}/" not in html
        assert client.get("/draws/").status_code == 404


class TestRoleHomes:
    def test_an_inspector_sees_none_of_the_commissions_pages(self, client, li, jinbi_visit):
        client.force_login(li)
        for path in ["/townships/", "/townships/520581100/", "/notices/", "/draws/", "/ledger/",
                     f"/inspections/{jinbi_visit.id}/"]:
            assert client.get(path).status_code == 404, path


class TestEvidence:
    def test_the_inspection_page_shows_the_evidence_photos_served_by_role(self, client, wang, zhao, jinbi_visit):
        client.force_login(wang)
        html = page(client, f"/inspections/{jinbi_visit.id}/")
        sources = re.findall(r'<img src="(/api/v1/inspections/[^"]+)"', html)
        assert len(sources) == 2
        picture = client.get(sources[0])
        assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
        client.force_login(zhao)
        assert client.get(sources[0]).status_code == 404
