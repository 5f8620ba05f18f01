"""One draft circular per county and week: a constraint in the database, and the service that
redrafts the winner's row when two first drafts race."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from inspection.models import NOTICE_SERIES, AuditEvent, Notice
from inspection.services import notices as service
from inspection.services.notices import draft_circular, issue_notice, void_notice
from tests.notices.workflow import media  # noqa: F401

WEEK = "2026-W47"


def circulars(county):
    return Notice.objects.filter(county=county, kind="circular", snapshot__week__iso=WEEK)


@pytest.mark.django_db
def test_drafting_a_weeks_circular_twice_redrafts_the_one_draft(api, county, wang):
    first = api(wang).post_json("/api/v1/notices/circulars", {"week": WEEK})
    second = api(wang).post_json("/api/v1/notices/circulars", {"week": WEEK})
    assert first.status_code == 201, first.content
    assert second.json()["id"] == first.json()["id"]
    assert circulars(county).count() == 1
    assert AuditEvent.objects.filter(action="notice.drafted").count() == 2


@pytest.mark.django_db
def test_the_database_refuses_a_second_draft_of_the_same_week(county, wang):
    draft = draft_circular(county=county, week=WEEK, actor=wang)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(county=county, kind="circular", series=NOTICE_SERIES["circular"], snapshot=draft.snapshot)
    other_week = dict(draft.snapshot, week=dict(draft.snapshot["week"], iso="2026-W48"))
    Notice.objects.create(county=county, kind="circular", series=NOTICE_SERIES["circular"], snapshot=other_week)


@pytest.mark.django_db
def test_a_voided_circular_makes_room_for_a_new_draft_and_an_issued_one_is_not_redrafted(county, wang, chen, media):
    from inspection.errors import Conflict

    issued = issue_notice(notice=draft_circular(county=county, week=WEEK, actor=wang), actor=chen)
    with pytest.raises(Conflict):
        draft_circular(county=county, week=WEEK, actor=wang)
    void_notice(notice=issued, actor=wang, reason="统计有误，重新通报")
    again = draft_circular(county=county, week=WEEK, actor=wang)
    assert again.pk != issued.pk and again.state == Notice.State.DRAFT
    assert circulars(county).exclude(state="void").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite takes the write lock at BEGIN (transaction_mode IMMEDIATE): two drafts cannot race there")
@pytest.mark.django_db(transaction=True)
def test_two_first_drafts_at_once_on_postgresql_make_one(county, wang, monkeypatch):
    """Both requests look, find no draft, and only then insert: the loser meets the constraint
    and redrafts the winner's row instead of failing or doubling."""
    both_looked = threading.Barrier(2)
    real = service._week_circular
    looked = threading.local()

    def look_then_wait(*args):
        found = real(*args)
        if not getattr(looked, "once", False):
            looked.once = True
            both_looked.wait(timeout=20)
        return found

    monkeypatch.setattr(service, "_week_circular", look_then_wait)
    results, errors = [], []

    def draft():
        try:
            results.append(draft_circular(county=county, week=WEEK, actor=wang).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=draft) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert circulars(county).count() == 1
    assert AuditEvent.objects.filter(action="notice.drafted").count() == 2
