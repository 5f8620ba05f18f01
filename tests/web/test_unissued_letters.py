"""What a letter not yet issued will say stays the commission's (inspection/access.py): the township's
official reads none of its decisions, deadlines, level or id, on the web or in the API, until it is
issued; the observer reads the same decisions on the township page and in the API, never a draft's id.

The world: 金碧镇 (referred) had a critical finding on day 0, whose one letter (a summons carrying the
rectification notice's demands, issue 15) is a draft, and was referred on day 24 (a draft 问责建议函).
"""

import json

import pytest

from inspection.access import visible_decisions, visible_rectifications
from inspection.models import Decision, Notice, Rectification, Township
from tests.inspection.escalation_fixtures import referred, squad  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

JINBI = "520581100"


def issue(notice: Notice, number: int) -> None:
    """Issued, as far as reading goes (the issuing itself, with its PDF, is tested with the notices)."""
    notice.state, notice.year, notice.number = Notice.State.ISSUED, 2026, number
    notice.number_text, notice.verify_code = f"黔西未保办〔2026〕{number}号", f"TESTCODE{number}"
    notice.save()


def walk(value, key=""):
    """Every (key, value) of a JSON reply, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)
    else:
        yield key, value


def official_json(api, zhang, referred) -> list:
    client = api(zhang)
    urls = ["/api/v1/me", "/api/v1/townships", f"/api/v1/townships/{JINBI}", "/api/v1/notices",
            "/api/v1/inspections", f"/api/v1/inspections/{referred.pk}"]
    replies = []
    for url in urls:
        reply = client.get(url)
        assert reply.status_code == 200, url
        replies.append(reply.json())
    return replies


def event_of(notice: Notice) -> set[int]:
    """The decisions written on the day the letter was drafted, for its inspection."""
    letter = Decision.objects.filter(notice=notice).order_by("id").first()
    return set(Decision.objects.filter(township=letter.township, inspection=letter.inspection,
                                       effective_on=letter.effective_on).values_list("pk", flat=True))


def test_while_every_letter_is_a_draft_the_official_reads_no_decision_deadline_level_or_draft_id(
        client, api, zhang, referred):
    drafts = set(Notice.objects.filter(state=Notice.State.DRAFT).values_list("pk", flat=True))
    assert len(drafts) == 2
    township = api(zhang).get(f"/api/v1/townships/{JINBI}").json()
    assert township["decisions"] == [] and township["rectifications"] == []
    assert (township["level"], township["key_managed"]) == ("normal", False)
    assert Township.objects.get(code=JINBI).level == "accountability", "the row itself holds the real level"
    for key, value in (kv for reply in official_json(api, zhang, referred) for kv in walk(reply)):
        assert not (key in ("notice", "notice_id") and value in drafts), (key, value)
        assert value != "2026-03-09", f"the draft's deadline under {key!r}"
    client.force_login(zhang)
    for url in (f"/townships/{JINBI}/", "/"):
        html = client.get(url).content.decode()
        assert "lvl-normal" in html and "lvl-accountability" not in html and "重点管理" not in html, url


def test_issuing_the_first_events_letters_shows_that_event_and_no_more(client, api, zhang, referred):
    day0 = Notice.objects.filter(kind__in=["rectification", "summons"])
    expected = set().union(*(event_of(n) for n in day0)) - set(
        Decision.objects.filter(kind="follow_up_wanted").values_list("pk", flat=True))
    for number, notice in enumerate(day0, start=1):
        issue(notice, number)
    township = api(zhang).get(f"/api/v1/townships/{JINBI}").json()
    seen = {d["id"] for d in township["decisions"]}
    referral = event_of(Notice.objects.get(kind="referral"))
    assert expected <= seen and not seen & referral
    assert (township["level"], township["key_managed"]) == ("summons", True), "the referral's level is its own"
    assert [r["due_on"] for r in township["rectifications"]] == ["2026-03-09"]
    assert seen == set(visible_decisions(zhang).values_list("pk", flat=True))
    client.force_login(zhang)
    assert "lvl-summons" in client.get(f"/townships/{JINBI}/").content.decode()


def test_once_the_referral_is_issued_the_official_reads_the_whole_history_but_the_follow_up(api, zhang, referred):
    for number, notice in enumerate(Notice.objects.order_by("pk"), start=1):
        issue(notice, number)
    township = api(zhang).get(f"/api/v1/townships/{JINBI}").json()
    everything = set(Decision.objects.exclude(kind="follow_up_wanted").values_list("pk", flat=True))
    assert {d["id"] for d in township["decisions"]} == everything
    assert township["level"] == "accountability" and township["key_managed"] is True
    assert {d["notice"] for d in township["decisions"]} - {None} == set(Notice.objects.values_list("pk", flat=True))


def test_a_voided_letters_own_decision_stays_hidden_but_its_event_is_shown(api, zhang, wang, referred):
    # Day 0 has one letter (issue 15), so the voided one is the referral of day 24.
    summons = Notice.objects.get(kind="summons")
    referral = Notice.objects.get(kind="referral")
    issue(summons, 1)
    referral.state, referral.void_reason = Notice.State.VOID, "经研究暂不提出问责建议"
    referral.save()
    seen = {d["id"] for d in api(zhang).get(f"/api/v1/townships/{JINBI}").json()["decisions"]}
    assert set(Decision.objects.filter(notice=summons).values_list("pk", flat=True)) <= seen
    assert Decision.objects.get(notice=referral).pk not in seen
    escalated = Decision.objects.get(kind="rectification_escalated", effective_on=Decision.objects.get(notice=referral).effective_on)
    assert escalated.pk in seen, "the event of a voided letter is shown, only the letter's own decision is not"


def test_the_rectification_rule_is_the_one_the_api_uses(api, zhang, wang, referred):
    assert not visible_rectifications(zhang).exists()
    assert set(visible_rectifications(wang)) == set(Rectification.objects.all())
    issue(Notice.objects.get(kind="summons"), 1)  # the summons carries the demands of its inspection
    assert set(visible_rectifications(zhang)) == set(Rectification.objects.all())


@pytest.mark.parametrize("who, sees_draft_ids", [("wang", True), ("qian", False)])
def test_the_observer_reads_the_same_decisions_on_both_views_without_a_drafts_id(
        client, api, request, referred, who, sees_draft_ids):
    user = request.getfixturevalue(who)
    reply = api(user).get(f"/api/v1/townships/{JINBI}").json()
    client.force_login(user)
    page = client.get(f"/townships/{JINBI}/")
    on_the_web = {d.pk for d in page.context["decisions"].page.paginator.object_list}
    assert {d["id"] for d in reply["decisions"]} == on_the_web == set(visible_decisions(user).values_list("pk", flat=True))
    named = {d["notice"] for d in reply["decisions"]} | {r["notice"] for r in reply["rectifications"]}
    drafts = set(Notice.objects.values_list("pk", flat=True))
    assert (named - {None} == drafts) is sees_draft_ids
    if not sees_draft_ids:
        assert named == {None}
        body = json.dumps(reply, ensure_ascii=False)
        assert "草稿" not in body
