"""Issuing: gap-free numbers per county, series and year, the PDF frozen with its SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection

from inspection.errors import Conflict, NotFound
from inspection.models import AuditEvent, Notice, NoticeCounter
from inspection.services import notices as service
from inspection.services.notices import RenderFailed, issue_notice, issue_notices, void_notice
from tests.notices import pdftools as P
from tests.notices.workflow import make_draft, make_short_draft, media, wu  # noqa: F401

SHANGHAI = ZoneInfo("Asia/Shanghai")


def issued_numbers(county, series):
    return sorted(Notice.objects.filter(county=county, series=series, number__isnull=False)
                  .values_list("number", flat=True))


@time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_issuing_numbers_the_letter_and_freezes_its_pdf_with_the_sha256(county, jinbi, zhang, wang, media):
    draft = make_draft(county, jinbi, zhang, "summons")
    notice = issue_notice(notice=draft, actor=wang)
    notice.refresh_from_db()
    assert notice.state == Notice.State.ISSUED
    assert notice.number_text == "黔西未保办约〔2026〕1号"
    assert (notice.year, notice.number) == (2026, 1)
    with default_storage.open(notice.pdf.name, "rb") as f:
        pdf = f.read()
    assert hashlib.sha256(pdf).hexdigest() == notice.pdf_sha256
    text = P.text(pdf)
    assert "黔西未保办约〔2026〕1号" in text
    assert service.display_verify_code(notice.verify_code) in text
    assert "2026年12月1日" in text  # dated the day it was signed
    assert "草稿" not in text
    event = AuditEvent.objects.get(action="notice.issued", object_id=str(notice.pk))
    assert notice.pdf_sha256 in event.payload and "黔西未保办约〔2026〕1号" in event.payload


def test_each_series_counts_on_its_own(county, jinbi, zhang, media):
    kinds = ["rectification", "summons", "rectification", "referral", "rectification"]
    issued = [issue_notice(notice=make_draft(county, jinbi, zhang, k), actor=None) for k in kinds]
    year = issued[0].year
    assert [n.number_text for n in issued] == [
        f"黔西未保办改〔{year}〕1号", f"黔西未保办约〔{year}〕1号", f"黔西未保办改〔{year}〕2号",
        f"黔西未保办问〔{year}〕1号", f"黔西未保办改〔{year}〕3号"]


def test_a_failed_render_uses_no_number(county, jinbi, zhang, media, monkeypatch):
    import inspection.notices.renderer as renderer

    def broken(specs, **kw):
        raise RuntimeError("font exploded")

    first = make_draft(county, jinbi, zhang)
    monkeypatch.setattr(renderer, "render_many", broken)
    with pytest.raises(RenderFailed):
        issue_notice(notice=first, actor=None)
    monkeypatch.undo()
    first.refresh_from_db()
    assert first.state == Notice.State.DRAFT and first.number is None
    assert not NoticeCounter.objects.filter(last_number__gt=0).exists()
    assert issue_notice(notice=first, actor=None).number == 1


def test_an_unwritable_media_folder_uses_no_number_and_leaves_no_file(county, jinbi, zhang, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = str(blocker / "media")  # cannot be created: its parent is a file
    draft = make_draft(county, jinbi, zhang)
    with pytest.raises(RenderFailed, match="无法保存"):
        issue_notice(notice=draft, actor=None)
    draft.refresh_from_db()
    assert draft.number is None and not draft.pdf
    assert not NoticeCounter.objects.filter(last_number__gt=0).exists()
    assert not AuditEvent.objects.filter(action="notice.issued").exists()


def test_a_voided_notice_keeps_its_number_and_the_next_one_follows(county, jinbi, zhang, wang, media):
    first = issue_notice(notice=make_draft(county, jinbi, zhang), actor=wang)
    void_notice(notice=first, actor=wang, reason="主送单位有误，重新印发")
    first.refresh_from_db()
    assert first.state == Notice.State.VOID and first.number == 1 and first.void_reason
    second = issue_notice(notice=make_draft(county, jinbi, zhang), actor=wang)
    assert second.number == 2
    with pytest.raises(Conflict):
        void_notice(notice=first, actor=wang, reason="再次作废")


def test_an_issued_notice_cannot_be_issued_again(county, jinbi, zhang, media):
    notice = issue_notice(notice=make_draft(county, jinbi, zhang), actor=None)
    with pytest.raises(Conflict):
        issue_notice(notice=notice, actor=None)
    assert issued_numbers(county, "改") == [1]


def test_only_the_countys_commission_may_issue(county, other_county, jinbi, zhang, zhao, qian, media):
    draft = make_draft(county, jinbi, zhang)
    for outsider in (zhang, zhao, qian):
        with pytest.raises(NotFound):
            issue_notice(notice=draft, actor=outsider)
    assert Notice.objects.get(pk=draft.pk).number is None


def test_the_number_restarts_at_one_on_new_years_day_in_shanghai_time(county, jinbi, zhang, media):
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 50, tzinfo=SHANGHAI), tick=False):
        a = issue_notice(notice=make_draft(county, jinbi, zhang), actor=None)
        b = issue_notice(notice=make_draft(county, jinbi, zhang), actor=None)
    # 00:10 in Shanghai is still 31 December in UTC
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 10, tzinfo=SHANGHAI), tick=False):
        c = issue_notice(notice=make_draft(county, jinbi, zhang), actor=None)
    assert [a.number_text, b.number_text, c.number_text] == [
        "黔西未保办改〔2026〕1号", "黔西未保办改〔2026〕2号", "黔西未保办改〔2027〕1号"]
    assert c.snapshot["date"] == "2027-01-01"


def test_a_batch_issue_numbers_in_order_and_is_all_or_nothing(county, jinbi, zhang, media):
    drafts = [make_draft(county, jinbi, zhang) for _ in range(3)]
    already = issue_notice(notice=make_draft(county, jinbi, zhang), actor=None)
    with pytest.raises(Conflict):
        issue_notices(notices=drafts + [already], actor=None)
    assert issued_numbers(county, "改") == [1]
    issued = issue_notices(notices=drafts, actor=None)
    assert [n.number for n in issued] == [2, 3, 4]
    assert len({n.verify_code for n in issued}) == 3


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_issues_in_one_series_get_one_to_fifty(county, jinbi, zhang, wang, media):
    # The shortest letter of the 改 series: fifty of them are about numbering, not about laying out pages.
    drafts = [make_short_draft(county, jinbi, zhang) for _ in range(50)]
    start = threading.Barrier(len(drafts))
    numbers, errors = [], []

    def issue(draft):
        try:
            start.wait(timeout=30)
            numbers.append(issue_notice(notice=draft, actor=wang).number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert sorted(numbers) == list(range(1, 51))
    assert issued_numbers(county, "改") == list(range(1, 51))
    assert NoticeCounter.objects.get(county=county, series="改").last_number == 50
