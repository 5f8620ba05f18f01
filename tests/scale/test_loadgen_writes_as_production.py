"""The load generator records the ladder's decisions exactly as the escalation service does: for
one township and the same decisions, the same audit payloads, and never a decision's reason in
the clear (a reason may quote a finding, and a finding may describe a child)."""

import itertools
import json
import random

import pytest
from django.utils import timezone

import scoring
from bench.loadgen.bulk import AuditBatch
from bench.loadgen.county import CountyPlay, Town
from inspection.models import (
    AuditEvent,
    Decision,
    Finding,
    Inspection,
    Inspector,
    Notice,
    Post,
    Township,
)
from tests.inspection.escalation_fixtures import (
    CRITICAL,
    day,
    squad,  # noqa: F401 (fixture)
    sweep_through,
    visit,
)

pytestmark = pytest.mark.django_db
DECISION = "escalation.decision"


@pytest.fixture
def production(county, jinbi, checklist, squad, zhang):
    """A critical finding in 金碧镇 and 24 daily sweeps: summons, key management, lights, reminder,
    the referral; each decision written by the escalation service."""
    visit(jinbi, day(0), CRITICAL, team=[squad["li"], squad["hu"]], checklist=checklist)
    sweep_through(county, day(1), day(24))
    rows = list(Decision.objects.filter(township=jinbi).order_by("id"))
    assert {r.kind for r in rows} >= {"rectification_opened", "notice", "level_change", "reminder", "light"}
    return rows


def production_payloads(county) -> list[dict]:
    events = AuditEvent.objects.filter(action=DECISION, county_code=county.code).order_by("seq")
    return [json.loads(e.payload)["data"] for e in events]


def loadgen_payloads(county, township, checklist, commission, decisions) -> tuple[list[dict], dict[int, str]]:
    """The load generator's writes for the same decisions, on its own in-memory copy of the township
    as it stood before them. Returns the decision payloads and its notices' kinds by key."""
    row = Township.objects.get(pk=township.pk)
    row.level, row.key_managed, row.key_managed_since = "normal", False, None
    post = Post.objects.select_related("official__user").get(township=row, ended_on__isnull=True)
    town = Town(row=row, official=post.official, post=post, diligence=1.0,
                history=scoring.TownshipHistory(township=row.code))
    inspectors = list(Inspector.objects.filter(county=county).select_related("user", "home_township").order_by("pk"))
    play = CountyPlay(county=county, checklist=checklist, inspectors=inspectors, commission=commission, towns=[town],
                      rng=random.Random(1), seed=b"same-decisions", weeks=1, now=timezone.now(), audit=AuditBatch())
    play.inspections = {i.pk: i for i in Inspection.objects.filter(township=row).select_related("township", "checklist")}
    play.finding_rows = {f.pk: f for f in Finding.objects.filter(inspection__township=row).select_related("item")}
    # One event's decisions share their day and inspection; the writer plans each event's one letter.
    for _, event in itertools.groupby(decisions, key=lambda d: (d.on, d.inspection)):
        event = list(event)
        play.plan_letters(town, event)
        for d in event:
            play.write(town, d, d.on, actor="")
    payloads = [data() if callable(data) else data for action, _, _, _, data in play.audit.events if action == DECISION]
    return payloads, {n.pk: n.kind for n in play.notices}


def test_the_load_generator_writes_the_decision_payloads_production_writes(county, jinbi, checklist, wang, production):
    decisions = [scoring.Decision.from_dict(r.details) for r in production]
    ours, our_notices = loadgen_payloads(county, jinbi, checklist, wang, decisions)
    theirs = production_payloads(county)
    # The two writers key their notice drafts apart; the draft each payload names is of the same kind.
    kinds = dict(Notice.objects.values_list("pk", "kind"))
    assert [p | {"notice": our_notices.get(p["notice"])} for p in ours] == [
        p | {"notice": kinds.get(p["notice"])} for p in theirs
    ]
    assert len(ours) == len(production)


def test_no_decision_reason_appears_in_the_load_generators_audit_data(loaded):
    reasons = {r for r in Decision.objects.values_list("reason", flat=True) if r}
    assert reasons
    for payload in AuditEvent.objects.filter(county_code__in=["460105", "460321"]).values_list("payload", flat=True):
        data = json.dumps(json.loads(payload)["data"], ensure_ascii=False)
        assert not [r for r in reasons if r in data]
