"""A 回头看 team that recusal leaves short is flagged for the commission, not quietly shrunk:
audited when planned, listed on the commission's home page until the team is complete."""

import json

import pytest

from inspection.models import AuditEvent, Inspection, Inspector, TeamMember
from tests.inspection.escalation_fixtures import CRITICAL, day, squad, visit  # noqa: F401

pytestmark = pytest.mark.django_db


def follow_up_of(township):
    return Inspection.objects.get(township=township, kind=Inspection.Kind.FOLLOW_UP, status="planned")


def only_free(*usernames):
    """Everyone else but the visiting team (li, hu) and 金碧镇's own inspector (jin) is away."""
    Inspector.objects.exclude(user__username__in={"li", "hu", "jin", *usernames}).update(active=False)


def flagged():
    return [json.loads(e.payload)["data"] for e in AuditEvent.objects.filter(action="follow_up.understaffed")]


def home(client, wang):
    client.force_login(wang)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("free", [("ma",), ()], ids=["one-left", "none-left"])
def test_a_follow_up_recusal_leaves_short_is_audited_and_shown_to_the_commission(
    client, county, jinbi, checklist, squad, wang, free
):
    only_free(*free)
    visit(jinbi, day(0), CRITICAL, team=[squad["li"], squad["hu"]], checklist=checklist)
    follow_up = follow_up_of(jinbi)
    team = {m.inspector.user.username for m in follow_up.members.all()}
    assert team == set(free)  # recusal still holds: not li or hu, not jin
    assert flagged() == [{"township": "520581100", "needed": 2, "available": len(free)}]
    page = home(client, wang)
    assert "回头看人员不足" in page
    card = page[page.index('id="understaffed"'):]
    card = card[:card.index("</section>")]
    assert "金碧镇" in card and f"需 2 人，现有 {len(free)} 人" in card
    assert follow_up.date.strftime("%-m月%-d日") not in card  # the day stays sealed


def test_a_full_team_raises_no_flag_and_adding_an_inspector_clears_it(client, county, jinbi, checklist, squad, wang):
    only_free("ma")
    visit(jinbi, day(0), CRITICAL, team=[squad["li"], squad["hu"]], checklist=checklist)
    follow_up = follow_up_of(jinbi)
    assert "回头看人员不足" in home(client, wang)
    tang = Inspector.objects.get(user__username="tang")
    TeamMember.objects.create(inspection=follow_up, inspector=tang)  # the office adds someone
    assert "回头看人员不足" not in home(client, wang)


def test_a_follow_up_with_enough_free_inspectors_is_not_flagged(client, county, jinbi, checklist, squad, wang):
    visit(jinbi, day(0), CRITICAL, team=[squad["li"], squad["hu"]], checklist=checklist)
    assert follow_up_of(jinbi).members.count() == 2
    assert flagged() == []
    assert "回头看人员不足" not in home(client, wang)


def test_the_countys_larger_team_size_is_what_a_follow_up_needs(client, county, jinbi, checklist, squad, wang):
    county.team_size = 3
    county.save(update_fields=["team_size"])
    only_free("ma", "tang")
    visit(jinbi, day(0), CRITICAL, team=[squad["li"], squad["hu"]], checklist=checklist)
    assert [(f["needed"], f["available"]) for f in flagged()] == [(3, 2)]
    assert "需 3 人，现有 2 人" in home(client, wang)
