"""The audit page's filters match what the services log: each option selects events of a county at
work (the demo's weeks through the real services, then a day at the office), and every action code
logged there falls under an option."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def county_at_work(django_db_setup, django_db_blocker, tmp_path_factory):
    """A demo county after twelve weeks of work through the real services, the history
    inspection/test_demo.py reads (tests/demo_history.py: played once per worker); wiped after
    the module."""
    from tests.demo_history import SUNDAY, WEEKS, played

    for county, _ in played(django_db_blocker, tmp_path_factory, weeks=WEEKS, today=SUNDAY):
        yield county


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
    commission = get_user_model().objects.get(username="commission")
    # The office's other business, so that the 工作日历 and 强制报告 filters have events to find.
    from datetime import date

    from django.utils import timezone

    from inspection.services.calendar import add_calendar_day
    from inspection.services.reports import file_report

    add_calendar_day(county=county_at_work, day=date(2027, 3, 10), kind="off", source="county", name="县庆放假",
                     actor=commission)
    file_report(actor=commission, what="群众来电反映线索", location="某村", discovered_at=timezone.now(),
                child_description="一名学生", agency="police")
    return commission


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


def test_every_payload_key_logged_in_a_county_at_work_has_a_chinese_label(office):
    import json

    from inspection.models import AuditEvent
    from inspection.web.audit_labels import ACTIONS, KEYS

    keys = set()
    for payload in AuditEvent.objects.values_list("payload", flat=True):
        keys |= set(json.loads(payload).get("data") or {})
    assert keys, "a county at work logs payloads"
    assert not keys - set(KEYS), f"label these payload keys in audit_labels.KEYS: {keys - set(KEYS)}"
    logged = set(AuditEvent.objects.values_list("action", flat=True))
    assert not logged - set(ACTIONS)


def test_the_page_reads_as_words_not_codes(client, office):
    """What a reader sees of each page of the log: no action code, no English payload key, no raw
    ISO date or week label (the codes stay in attributes only)."""
    import re

    from django.utils.html import strip_tags

    client.force_login(office)
    for action in ["", "escalation", "inspection", "notice", "draw", "report", "calendar"]:
        html = client.get("/audit/", {"action": action}).content.decode()
        main = html[html.index("<main"):html.index("</main>")]
        text = strip_tags(re.sub(r"<(script|style)\b.*?</\1>", "", main, flags=re.DOTALL))
        assert not re.search(r"\b[a-z_]+\.[a-z_]+\b", text), (action, re.findall(r"\b[a-z_]+\.[a-z_]+\b", text)[:5])
        assert not re.search(r"\d{4}-W\d{2}|\d{4}-\d{2}-\d{2}", text), (action, text[:2000])
        assert not re.search(r"\b(township|inspection|severity|policy_version|reason_sha256)\b", text), action
