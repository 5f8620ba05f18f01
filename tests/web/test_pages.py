"""The web pages, role by role, through the real request stack (Django test client)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspection.models import AuditEvent, Level, Notice, NoticeKind, Township
from inspection.services.setup import ensure_default_checklist, import_divisions
from tests.conftest import make_wang
from tests.shared_data import committed, shared
from tests.web.builders import fill_county, make_team, submit_visit


def page(client, path, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


class TestCommissionDashboard:
    def test_planned_visits_never_appear_on_the_dashboard(self, client, wang, planned_visit):
        client.force_login(wang)
        html = page(client, "/")
        assert f"/inspections/{planned_visit.id}/" not in html
        row = re.search(r'<tr class="st-\w+">\s*<th scope="row" class="sticky">[^\n]*?>水西街道</a>.*?</tr>', html, re.S)
        assert row and "class=\"v " not in row.group(0)

    def test_charts_carry_their_numbers_for_screen_readers(self, client, wang, history):
        client.force_login(wang)
        html = page(client, "/")
        svgs = re.findall(r'<svg class="chart[^"]*"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', html)
        assert len(svgs) >= 2
        for ids in svgs:
            title_id, desc_id = ids.split()
            assert f'<title id="{title_id}">' in html and f'<desc id="{desc_id}">' in html
        table = re.search(r'<table class="sr-only"><caption>各问责等级乡镇数</caption>.*?</table>', html, re.S)
        normal = Township.objects.filter(county=wang.profile.county, level=Level.NORMAL).count()
        assert table and f"<th scope=\"row\">正常</th><td>{normal}</td>" in table.group(0)


    def test_the_capacity_card_shows_the_planners_floor_and_what_other_capacities_buy(self, client, wang, county):
        from inspection.services.draws import county_plan

        plan = county_plan(county=county)
        client.force_login(wang)
        html = page(client, "/")
        card = html[html.index('id="capacity-h"'):]
        assert f'<span class="big">{plan.floor * 100:.1f}%</span>' in card
        assert f"每周暗查 {county.inspections_per_week} 次时" in card
        bars = re.findall(r'<rect class="bar (cur|opt)"', card)
        assert bars.count("cur") == 1 and len(bars) >= 3


class TestQueryCount:
    def test_dashboard_query_count_does_not_grow_with_the_data(self, client, wang, county, checklist, other_county,
                                                               django_assert_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from django.core.cache import cache

        from inspection.services.notices import draft_circular
        from inspection.services.setup import ensure_default_checklist, import_divisions
        from inspection.models import Inspection
        from inspection.web import board
        from tests.inspection.field_fixtures import make_inspection

        # The page's caches are keyed by content; an earlier test of this process may have left an
        # entry for the same county id and content, which would make the first read cheaper than the
        # second. Both reads here start cold.
        cache.clear()
        team = make_team(county)
        fill_county(county, checklist, townships=2, weeks=1, team=team)
        # A draft and a follow-up short of people from the start: the page reads those lists only
        # when there is something in them, and the larger data below has both; both reads must make
        # the same statements.
        draft_circular(county=county, week=board.circular_week(timezone.localdate()), actor=wang)
        make_inspection(township=county.townships.order_by("code").last(), checklist=checklist, team=team[:1],
                        kind=Inspection.Kind.FOLLOW_UP, status=Inspection.Status.PLANNED)
        client.force_login(wang)
        with CaptureQueriesContext(connection) as small:
            page(client, "/")
        # Nine more counties of work, and much more in this one: every section has more rows.
        fill_county(county, checklist, townships=12, weeks=4, team=team)
        for code in ["520521", "520102", "520103", "520111", "520112", "520113", "520115", "520121", "520122"]:
            other, _, _ = import_divisions(county_code=code)
            fill_county(other, ensure_default_checklist(county=other), townships=3, weeks=2)
        assert County_count() == 10
        with django_assert_num_queries(len(small.captured_queries)):
            page(client, "/")

    def test_township_page_query_count_does_not_grow_with_the_data(self, client, wang, county, checklist,
                                                                   django_assert_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        team = make_team(county)
        jinbi = county.townships.get(code="520581100")
        today = timezone.localdate()
        submit_visit(township=jinbi, checklist=checklist, team=team, day=today - timedelta(days=40),
                     findings=[(2, None, "记录缺失")])
        client.force_login(wang)
        with CaptureQueriesContext(connection) as small:
            page(client, "/townships/520581100/")
        for weeks_ago in range(1, 5):
            submit_visit(township=jinbi, checklist=checklist, team=team, day=today - timedelta(days=7 * weeks_ago),
                         findings=[(6, None, "生活费未发放"), (2, None, "记录缺失"), (None, "minor", "其他")])
        with django_assert_num_queries(len(small.captured_queries)):
            page(client, "/townships/520581100/")


def County_count():
    from inspection.models import County

    return County.objects.count()


class TestNotFoundIsOnePage:
    def test_an_official_gets_the_same_not_found_page_for_a_draw_another_township_and_another_officials_notice(
        self, client, zhang, wang, county, checklist, jinbi_visit, sealed
    ):
        team = make_team(county, prefix="t2")
        shuixi = county.townships.get(code="520581001")
        other_visit = submit_visit(township=shuixi, checklist=checklist, team=team,
                                   day=timezone.localdate() - timedelta(days=3), findings=[(6, None, "生活费未发放")])
        other_notice = Notice.objects.filter(inspection=other_visit).first()
        client.force_login(wang)
        client.post(f"/notices/{other_notice.id}/issue/")
        other_notice.refresh_from_db()
        assert other_notice.state == Notice.State.ISSUED
        client.force_login(zhang)
        bodies = []
        for path in [
            "/draws/", f"/draws/{sealed.week}/", "/townships/520581001/",
            f"/notices/{other_notice.id}/", f"/inspections/{other_visit.id}/", "/ledger/", "/no-such-page/",
        ]:
            response = client.get(path)
            assert response.status_code == 404, path
            bodies.append(response.content)
        assert len(set(bodies)) == 1
        assert "未找到".encode() in bodies[0]

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, db):
        for path in ["/townships/", "/notices/", "/draws/", "/ledger/"]:
            response = client.get(path)
            assert response.status_code == 302 and response["Location"].startswith("/login/")


class TestTownshipPage:
    def test_my_township_link_leads_the_official_to_their_township(self, client, zhang, jinbi):
        client.force_login(zhang)
        response = client.get("/my-township/")
        assert response.status_code == 302 and response["Location"] == "/townships/520581100/"

    def test_a_planned_inspection_is_not_found_even_for_the_commission(self, client, wang, planned_visit):
        client.force_login(wang)
        assert client.get(f"/inspections/{planned_visit.id}/").status_code == 404
        assert f"/inspections/{planned_visit.id}/" not in page(client, "/townships/520581001/")


def make_many_notices(county, checklist):
    """22 submitted visits with a minor finding each: 22 rectification drafts, more than a page."""
    team = make_team(county)
    today = timezone.localdate()
    for i, township in enumerate(county.townships.order_by("code")[:22]):
        submit_visit(township=township, checklist=checklist, team=team, day=today - timedelta(days=1 + i % 5),
                     findings=[(2, None, "记录缺失")])
    assert Notice.objects.filter(county=county).count() > 20


@pytest.fixture(scope="class")
def _many_notices_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The three list tests only read: the 22 visits are submitted once for the class and committed
    (tests/shared_data.py), each test in its own rolled-back transaction."""
    with committed(django_db_blocker, tmp_path_factory):
        county, _, _ = import_divisions(county_code="520581")
        wang = make_wang(county)
        make_many_notices(county, ensure_default_checklist(county=county))
        yield {"wang": wang}


@pytest.mark.usefixtures("_many_notices_once")
class TestLists:
    wang = shared("_many_notices_once", "wang")

    @pytest.fixture
    def many_notices(self):
        """Built with the class (_many_notices_once)."""

    def test_every_list_paginates(self, client, wang, many_notices):
        client.force_login(wang)
        first = page(client, "/notices/")
        assert re.search(r"第 1 / 2 页", first)
        second = page(client, "/notices/?page=2")
        ids_first = set(re.findall(r'href="/notices/(\d+)/"', first))
        ids_second = set(re.findall(r'href="/notices/(\d+)/"', second))
        assert len(ids_first) == 20 and ids_second and not ids_first & ids_second

    def test_page_links_keep_the_other_filters(self, client, wang, many_notices):
        client.force_login(wang)
        html = page(client, "/notices/?kind=rectification")
        assert 'href="?kind=rectification&amp;page=2"' in html

    def test_a_page_number_past_the_end_shows_the_last_page(self, client, wang, many_notices):
        client.force_login(wang)
        assert "第 2 / 2 页" in page(client, "/notices/?page=99")


class TestNoticeWorkflowOnTheWeb:
    def test_the_commission_drafts_last_weeks_circular_from_the_dashboard(self, client, wang, history):
        client.force_login(wang)
        html = page(client, "/")
        week = re.search(r'name="week" value="(\d{4}-W\d{2})"', html).group(1)
        response = client.post("/notices/circular/", {"week": week})
        circular = Notice.objects.get(kind=NoticeKind.CIRCULAR)
        assert response["Location"] == f"/notices/{circular.id}/"
        assert circular.snapshot["week"]["iso"] == week
        assert f'href="/notices/{circular.id}/"' in page(client, "/")


class TestLedgerPage:
    def test_an_unknown_filter_value_is_not_found(self, client, wang, db):
        client.force_login(wang)
        assert client.get("/ledger/?township=999999999").status_code == 404



class TestLanguage:
    def test_pages_are_chinese_even_for_an_english_browser(self, client, wang, db):
        client.force_login(wang)
        html = page(client, "/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        assert '<html lang="zh-hans">' in html and "工作台" in html

    def test_the_switch_turns_the_pages_english_and_back(self, client, wang, db):
        client.force_login(wang)
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        html = page(client, "/")
        assert '<html lang="en">' in html and "Dashboard" in html and "工作台" not in html
        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
        assert "工作台" in page(client, "/")


class TestPasswordChange:
    def test_a_user_changes_their_password_and_signs_in_with_it(self, client, zhang):
        client.force_login(zhang)
        form = page(client, "/password/")
        assert "old_password" in form
        response = client.post("/password/", {
            "old_password": "pw-zhang", "new_password1": "Qx7-lantern-harbor", "new_password2": "Qx7-lantern-harbor",
        }, follow=True)
        assert "密码已修改" in response.content.decode()
        client.logout()
        assert client.login(username="zhang", password="Qx7-lantern-harbor")


class TestDrawPages:
    def looks(self):
        return AuditEvent.objects.filter(action="draw.viewed")

    def test_the_list_shows_each_week_without_a_township(self, client, wang, sealed):
        client.force_login(wang)
        html = page(client, "/draws/")
        assert "2026-W49" in html and "已封存" in html
        for code, name in Township.objects.filter(inspections__draw=sealed).values_list("code", "name"):
            assert name not in html
        assert not self.looks().exists()

    def test_opening_a_sealed_week_is_on_the_record_and_the_page_says_so(self, client, wang, sealed):
        client.force_login(wang)
        html = page(client, "/draws/2026-W49/")
        look = self.looks().get()
        assert look.actor == "wang" and look.object_id == str(sealed.pk)
        assert "已记入审计日志" in html and f"记录号 {look.seq}" in html
        for visit in sealed.result["visits"]:
            assert Township.objects.get(code=visit["township"]).name in html
        page(client, "/draws/2026-W49/")
        assert self.looks().count() == 2

    def test_a_revealed_week_shows_its_verification(self, client, wang, revealed):
        from tests.inspection.draw_fixtures import AFTER_PERIOD, at

        with at(AFTER_PERIOD):
            client.force_login(wang)
            html = page(client, "/draws/2026-W49/")
        assert "card verify ok" in html and "一致：用公开的种子" in html
        assert "种子的 SHA-256 与承诺一致" in html
        assert revealed.period.seed in html
        assert not self.looks().exists()

    def test_a_tampered_week_fails_its_verification_on_the_page(self, client, wang, revealed):
        from inspection.models import Draw
        from tests.inspection.draw_fixtures import AFTER_PERIOD, at

        result = dict(revealed.result)
        result["visits"] = list(reversed(result["visits"]))[:-1]
        Draw.objects.filter(pk=revealed.pk).update(result=result)
        with at(AFTER_PERIOD):
            client.force_login(wang)
            html = page(client, "/draws/2026-W49/")
        assert "card verify bad" in html and "未通过验证" in html

    def test_a_revealed_week_waits_for_its_seed(self, client, wang, sealed):
        from inspection.services.draws import reveal_draw
        from tests.inspection.draw_fixtures import AFTER_WEEK, at

        with at(AFTER_WEEK):
            reveal_draw(county=sealed.county, week="2026-W49")
            client.force_login(wang)
            html = page(client, "/draws/2026-W49/")
        assert "本期种子在 2027-01-03 之后公开" in html

    def test_only_the_commission_sees_draws(self, client, qian, zhang, sealed):
        for user in (qian, zhang):
            client.force_login(user)
            assert client.get("/draws/").status_code == 404
            assert client.get("/draws/2026-W49/").status_code == 404
        assert not self.looks().exists()


class TestRoleHomes:
    def test_an_inspector_lands_on_todays_work(self, client, li):
        client.force_login(li)
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == "/inspector/"

    def test_each_role_sees_only_its_own_menu(self, client, wang, zhang, qian):
        menus = {}
        for user in (wang, zhang, qian):
            client.force_login(user)
            html = page(client, "/")
            nav = re.search(r'<nav class="tabs".*?</nav>', html, re.S).group(0)
            menus[user.username] = re.findall(r'href="([^"]+)"', nav)
        assert "/draws/" in menus["wang"]
        assert menus["zhang"] == ["/", "/my-township/"]
        assert "/draws/" not in menus["qian"] and "/ledger/" in menus["qian"]



def test_an_account_without_a_role_is_told_to_ask_for_one(client, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="nobody")
    client.force_login(user)
    html = page(client, "/")
    assert "账号未分配角色" in html and 'class="tabs"' not in html
    assert client.get("/townships/").status_code == 404
