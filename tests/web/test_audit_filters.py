"""The audit page's filters match what the services log: each option selects events of a county at
work (the demo's weeks through the real services, then a day at the office), and every action code
logged there falls under an option."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def county_at_work(django_db_setup, django_db_blocker):
    """A demo county after four weeks of work through the real services: played once for the
    module, wiped after it."""
    from datetime import date

    from django.core.management import call_command

    from inspection.services.demo import load_demo_history
    from inspection.services.setup import ensure_default_checklist, import_divisions, load_demo_people

    with django_db_blocker.unblock():
        county, _, _ = import_divisions(county_code="520581")
        ensure_default_checklist(county=county)
        load_demo_people(county=county, password="demo-pw")
        load_demo_history(county=county, weeks=4, today=date(2026, 11, 29))
        yield county
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def office(county_at_work):
    """A day at the office on top: the commission signs in on the web and the field app, and
    exports the ledger."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    office = Client()
    assert office.post("/login/", {"username": "commission", "password": "demo-pw"}).status_code == 302
    assert office.get("/api/v1/ledger", {"format": "xlsx"}).status_code == 200
    token = Client().post("/api/v1/auth/token", {"username": "commission", "password": "demo-pw"},
                          content_type="application/json")
    assert token.status_code == 200
    return get_user_model().objects.get(username="commission")


def test_every_filter_option_matches_events_of_a_county_at_work_and_only_its_own(client, office):
    from inspection.web.audit import FILTERS

    client.force_login(office)
    for key, (label, prefixes) in FILTERS.items():
        page = client.get("/audit/", {"action": key}).context["page"]
        assert page.count >= 1, f"the filter {label} ({key}) matches nothing"
        assert all(e.action.startswith(prefixes) for e in page), key
    html = client.get("/audit/").content.decode()
    assert all(f'<option value="{key}"' in html for key in FILTERS)


def test_every_action_logged_in_a_county_at_work_falls_under_a_filter(office):
    from inspection.models import AuditEvent
    from inspection.web.audit import FILTERS

    prefixes = tuple(p for _label, group in FILTERS.values() for p in group)
    logged = set(AuditEvent.objects.values_list("action", flat=True))
    assert not {a for a in logged if not a.startswith(prefixes)}
