"""The escalation step of load_demo: a realistic spread, through the real services, once."""

from datetime import date

import pytest

from inspection.models import Decision, Notice, Rectification, Township
from inspection.services.demo_escalation import load_demo_escalation
from inspection.services.ledger import ledger_entries
from inspection.services.setup import load_demo_people
from scoring import RULES

pytestmark = pytest.mark.django_db


def test_the_demo_has_open_rectifications_key_management_and_a_referral_and_loads_once(county, checklist):
    load_demo_people(county=county, password="demo-pw")
    report = load_demo_escalation(county=county, today=date(2026, 11, 27))
    assert not report.skipped

    open_rects = Rectification.objects.filter(township__county=county, state="open")
    assert open_rects.values("township").distinct().count() >= 3
    assert Township.objects.filter(county=county, key_managed=True).count() >= 2
    assert Township.objects.filter(county=county, level="accountability").count() == 1
    assert Notice.objects.filter(kind="referral").count() >= 1
    assert Rectification.objects.filter(state="open", light="red", reminded_on__isnull=False).exists()
    assert Decision.objects.filter(rule="key_management.exit").exists(), "one township has gone through the cycle"
    assert set(Decision.objects.values_list("rule", flat=True)) <= set(RULES)

    referral = next(e for e in ledger_entries(county=county) if e.kind == "referral")
    assert referral.official_name and referral.township_name == report.townships["问责建议"]

    before = Decision.objects.count()
    assert load_demo_escalation(county=county, today=date(2026, 11, 27)).skipped
    assert Decision.objects.count() == before
