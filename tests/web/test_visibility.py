"""One rule per role (inspection/access.py): the web pages and the API show each role the same records."""

import pytest

from inspection.access import visible_audit_events, visible_decisions, visible_evidence
from inspection.models import Decision, Evidence, Notice, Official
from inspection.services.setup import ensure_default_checklist, import_divisions
from tests.conftest import make_li, make_qian, make_wang, make_zhang, make_zhao
from tests.inspection.draw_fixtures import make_roster, make_sealed
from tests.inspection.escalation_fixtures import build_referred
from tests.shared_data import committed, shared
from tests.web.builders import make_jinbi_visit, make_team

pytestmark = pytest.mark.django_db

JINBI = "520581100"


def web_decisions(client, user):
    """The decisions the township page lists (every page of them), or None without the section."""
    client.force_login(user)
    response = client.get(f"/townships/{JINBI}/")
    assert response.status_code == 200
    page = response.context.get("decisions")
    return None if page is None else {d.pk for d in page.page.paginator.object_list}


def api_decisions(api, user):
    reply = api(user).get(f"/api/v1/townships/{JINBI}")
    assert reply.status_code == 200
    return {d["id"] for d in reply.json()["decisions"]}


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


# Each class reads one set of data, built once for the class and committed (tests/shared_data.py);
# every test runs in its own transaction, rolled back after it (the official's test below issues a
# letter by hand: gone for the next). Built per test before, the 24-day sweep alone cost ~1 s a test.


def _county_and_people(names):
    county, _, _ = import_divisions(county_code="520581")
    other_county, _, _ = import_divisions(county_code="520521")
    makers = {"wang": make_wang, "qian": make_qian, "zhang": make_zhang, "li": make_li}
    people = {name: makers[name](county) for name in names if name in makers}
    if "zhao" in names:
        people["zhao"] = make_zhao(other_county)
    return county, ensure_default_checklist(county=county), people


@pytest.fixture(scope="class")
def _referred_once(django_db_setup, django_db_blocker, tmp_path_factory):
    with committed(django_db_blocker, tmp_path_factory):
        yield build_referred()


@pytest.fixture(scope="class")
def _jinbi_visit_once(django_db_setup, django_db_blocker, tmp_path_factory):
    with committed(django_db_blocker, tmp_path_factory):
        county, checklist, people = _county_and_people(["wang", "qian", "zhang", "zhao"])
        visit = make_jinbi_visit(county.townships.get(code=JINBI), checklist, make_team(county))
        yield {**people, "jinbi_visit": visit}


@pytest.fixture(scope="class")
def _sealed_once(django_db_setup, django_db_blocker, tmp_path_factory):
    with committed(django_db_blocker, tmp_path_factory):
        county, _, people = _county_and_people(["wang", "qian", "zhang", "li"])
        yield {**people, "sealed": make_sealed(make_roster(county), people["wang"])}


@pytest.mark.usefixtures("_referred_once")
class TestDecisionsAndTheRecord:
    """金碧镇 referred after a critical finding left unrectified for 24 days."""

    wang, qian, zhang, li, zhao = (shared("_referred_once", name) for name in ("wang", "qian", "zhang", "li", "zhao"))
    referred = shared("_referred_once", "referred")

    @pytest.mark.parametrize("who", ["wang", "qian"])
    def test_the_township_page_and_the_api_list_the_same_decisions(self, client, api, request, who, referred):
        user = request.getfixturevalue(who)
        expected = ids(visible_decisions(user))
        assert expected
        assert web_decisions(client, user) == api_decisions(api, user) == expected

    def test_only_the_commission_sees_the_follow_up_planning_on_the_web_and_in_the_api(self, client, api, wang, qian, referred):
        follow_up = ids(Decision.objects.filter(kind="follow_up_wanted"))
        assert follow_up
        assert follow_up <= web_decisions(client, wang)
        assert follow_up <= api_decisions(api, wang)
        assert not follow_up & web_decisions(client, qian)
        assert not follow_up & api_decisions(api, qian)

    def test_an_official_reads_the_decisions_behind_a_letter_only_once_it_is_issued(self, client, api, zhang, referred):
        summons = Notice.objects.get(kind="summons")
        behind = ids(summons.decisions.all())
        assert behind and not behind & api_decisions(api, zhang)
        summons.state, summons.year, summons.number = Notice.State.ISSUED, 2026, 3
        summons.number_text, summons.verify_code = "黔西未保办约〔2026〕3号", "TESTCODE3"
        summons.save()
        assert behind <= api_decisions(api, zhang)
        assert api_decisions(api, zhang) == ids(visible_decisions(zhang))
        assert web_decisions(client, zhang) is None, "the official's township page has no escalation history"

    def test_an_inspector_reads_no_decision(self, li, referred):
        assert not visible_decisions(li).exists()

    @pytest.mark.parametrize("who, reads", [("wang", True), ("qian", True), ("zhang", False), ("li", False), ("zhao", False)])
    def test_the_audit_log_is_read_by_the_commission_and_the_observer_of_its_county(self, client, request, who, reads, referred):
        user = request.getfixturevalue(who)
        assert visible_audit_events(user).exists() is reads
        client.force_login(user)
        assert client.get("/audit/").status_code == (200 if reads else 404)

    @pytest.mark.parametrize("who", ["wang", "qian"])
    def test_the_ledger_names_the_countys_officials_alone_on_the_web_and_in_the_api(self, client, api, request, who, zhao, referred):
        user = request.getfixturevalue(who)
        client.force_login(user)
        mine, other = Official.objects.get(name="张永燊").pk, zhao.official.pk
        assert client.get(f"/ledger/?official={mine}").status_code == 200
        assert api(user).get(f"/api/v1/ledger?official={mine}").status_code == 200
        assert client.get(f"/ledger/?official={other}").status_code == 404
        assert api(user).get(f"/api/v1/ledger?official={other}").status_code == 404


@pytest.mark.usefixtures("_jinbi_visit_once")
class TestAVisitAndItsEvidence:
    """A submitted visit to 金碧镇 with photos; its files are in the class's media folder."""

    wang, qian, zhang, zhao = (shared("_jinbi_visit_once", name) for name in ("wang", "qian", "zhang", "zhao"))
    jinbi_visit = shared("_jinbi_visit_once", "jinbi_visit")

    @pytest.fixture
    def media_in_a_temporary_folder(self):
        """The photos the class's visit filed stay where the class's data put them."""


    @pytest.mark.parametrize("who, named", [("wang", True), ("qian", False), ("zhang", False)])
    def test_the_inspection_page_and_the_api_name_the_team_to_the_same_roles(self, client, api, request, who, named, jinbi_visit):
        user = request.getfixturevalue(who)
        client.force_login(user)
        page = client.get(f"/inspections/{jinbi_visit.pk}/")
        body = api(user).get(f"/api/v1/inspections/{jinbi_visit.pk}").json()
        assert (body["team"] is not None) is named
        assert bool(page.context["team"]) is named
        assert ("督查员" in page.content.decode()) is named

    @pytest.mark.parametrize("who, sees", [("wang", True), ("qian", True), ("zhang", True), ("zhao", False)])
    def test_evidence_goes_with_the_inspection_it_documents(self, api, request, who, sees, jinbi_visit):
        user = request.getfixturevalue(who)
        evidence = Evidence.objects.filter(finding__inspection=jinbi_visit).first()
        assert visible_evidence(user).filter(pk=evidence.pk).exists() is sees
        url = f"/api/v1/inspections/{jinbi_visit.pk}/findings/{evidence.finding_id}/evidence/{evidence.pk}"
        assert (api(user).get(url).status_code == 200) is sees


@pytest.mark.usefixtures("_sealed_once")
class TestDraws:
    """Week 2026-W49 sealed by wang; `revealed` (tests/web/conftest.py) reveals it in the test's own transaction."""

    wang, qian, zhang, li = (shared("_sealed_once", name) for name in ("wang", "qian", "zhang", "li"))
    sealed = shared("_sealed_once", "sealed")

    def test_the_commission_sees_the_same_weeks_on_the_draw_page_and_in_the_api(self, client, api, wang, sealed):
        client.force_login(wang)
        on_the_web = [d.week for d in client.get("/draws/").context["page"]]
        assert on_the_web == [d["week"] for d in api(wang).get("/api/v1/draws").json()] == [sealed.week]

    @pytest.mark.parametrize("who", ["qian", "zhang", "li"])
    def test_no_one_else_sees_a_sealed_week_anywhere(self, client, api, request, who, sealed):
        user = request.getfixturevalue(who)
        client.force_login(user)
        assert client.get("/draws/").status_code == 404
        assert client.get(f"/draws/{sealed.week}/").status_code == 404
        assert api(user).get("/api/v1/draws").json() == []
        assert api(user).get(f"/api/v1/draws/{sealed.week}").status_code == 404

    @pytest.mark.parametrize("who", ["qian", "zhang", "li"])
    def test_a_revealed_week_is_read_in_the_county_through_the_api(self, api, request, who, revealed):
        user = request.getfixturevalue(who)
        assert [d["week"] for d in api(user).get("/api/v1/draws").json()] == [revealed.week]
