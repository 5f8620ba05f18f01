"""Notices (文书): issue, void, deliver, acknowledge, rectification reports, the weekly circular.

Drafts are made elsewhere (the escalation service drafts the letters a submitted inspection
calls for; `draft_circular` here drafts the week's circular). From then on:

    issue_notice(notice=, actor=)            number + PDF + SHA-256, all in one transaction
    issue_notices(notices=, actor=)          the same for many at once (one transaction)
    void_notice(notice=, actor=, reason=)    keeps its number, says why
    record_delivery(notice=, user=)          the addressed official's first download
    notice_pdf(notice=, user=)               the bytes to send: stored PDF, or a draft preview

The official's 签收 and 整改报告 and the office's review of them are `services.responses`.

Numbers (GB/T 9704: 黔西未保办约〔2026〕3号) are gap-free per county, series and year. The
counter row is locked (SELECT … FOR UPDATE; on SQLite every transaction already holds the write
lock) and advanced in the transaction that renders and stores the PDF, so a failed render or an
unwritable media folder rolls the counter back with everything else: no gap, nothing half
stored. The unique constraint on (county, series, year, number) is the backstop. The year is
the issuing day's year in Asia/Shanghai.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import secrets
import threading

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

import rotation
from inspection import statistics
from inspection.access import official_of, profile_of
from inspection.errors import Conflict, Forbidden, InspectionError, NotFound, Unprocessable
from inspection.models import (
    NOTICE_SERIES,
    County,
    Inspection,
    Notice,
    NoticeCounter,
    NoticeKind,
    Role,
)
from inspection.notices import compose
from inspection.notices.numbering import format_number
from inspection.notices.snapshot import KIND_LABELS, SnapshotError, validate_snapshot
from inspection.services import outbox
from inspection.services.audit import record_event
from inspection.services.ladder_history import effective_findings
from inspection.services.ladder_writer import letterhead
from inspection.services.stored_files import DamagedArchiveCopy, notice_file

logger = logging.getLogger("ancha.notices")

# Crockford base32: no I, L, O, U, so a code read aloud or typed from paper survives.
VERIFY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VERIFY_LENGTH = 12  # 60 random bits
MAX_REASON = 500


class RenderFailed(InspectionError):
    """The PDF could not be made or stored; nothing was issued and no number was used."""

    status = 503


# --------------------------------------------------------------------------- verification codes


def new_verify_code() -> str:
    return "".join(secrets.choice(VERIFY_ALPHABET) for _ in range(VERIFY_LENGTH))


def normalize_verify_code(raw: str | None) -> str | None:
    """A code as typed or scanned (any case, dashes, spaces, O for 0, I/L for 1) in its stored
    form, or None if it cannot be one."""
    if not raw or len(raw) > 40:
        return None
    code = raw.upper().replace("-", "").replace(" ", "")
    code = code.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(code) != VERIFY_LENGTH or any(c not in VERIFY_ALPHABET for c in code):
        return None
    return code


def display_verify_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def verify_url(code: str) -> str:
    base = settings.PUBLIC_URL
    return f"{base.rstrip('/')}/verify/{code}"


# --------------------------------------------------------------------------- who may act


def is_system(actor) -> bool:
    return actor is None or isinstance(actor, str)


def require_commission(actor, county: County) -> None:
    """Commands and the sweep act as the system (actor None); people must be the county's office."""
    if is_system(actor):
        return
    profile = profile_of(actor)
    if profile is None or profile.role != Role.COMMISSION or profile.county_id != county.pk:
        raise NotFound("未找到")


def require_second_person(notice: Notice, actor) -> None:
    """拟稿 → 审核签发: the person who last worded a draft (or drafted it) may not sign it off.
    A letter the system drafted and no one touched has no drafter; the system itself (the
    ladder's commands, the demo) is never refused."""
    if is_system(actor) or notice.drafted_by_id is None:
        return
    if notice.drafted_by_id == actor.pk:
        raise Forbidden("您是本文书的拟稿人，须由另一位未保办人员审核签发")


def is_recipient(notice: Notice, user) -> bool:
    if notice.official_id is None or notice.kind == NoticeKind.CIRCULAR:
        return False
    official = official_of(user)
    return official is not None and official.pk == notice.official_id


def require_recipient(notice: Notice, user) -> None:
    profile = profile_of(user)
    if profile is None or profile.role != Role.OFFICIAL or not is_recipient(notice, user):
        raise NotFound("未找到")
    if notice.state == Notice.State.DRAFT:
        raise NotFound("未找到")


def locked_notice(notice: Notice) -> Notice:
    return Notice.objects.select_for_update(of=("self",)).select_related("county", "township", "official").get(pk=notice.pk)


# --------------------------------------------------------------------------- numbering


def _locked_counter(county: County, series: str, year: int) -> NoticeCounter:
    counters = NoticeCounter.objects.select_for_update()
    try:
        return counters.get(county=county, series=series, year=year)
    except NoticeCounter.DoesNotExist:
        pass
    try:
        # A savepoint: losing the race to create the year's row must not end our transaction.
        with transaction.atomic():
            NoticeCounter.objects.create(county=county, series=series, year=year, last_number=0)
    except IntegrityError:
        pass
    return counters.get(county=county, series=series, year=year)


def _take_number(county: County, series: str, year: int) -> int:
    counter = _locked_counter(county, series, year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


# --------------------------------------------------------------------------- issuing


def _issue_snapshot(notice: Notice, today: dt.date) -> dict:
    """The draft's snapshot, dated the day it is signed (成文日期 and 印发日期)."""
    snapshot = dict(notice.snapshot)
    snapshot["date"] = today.isoformat()
    snapshot["printed_date"] = today.isoformat()
    try:
        return validate_snapshot(snapshot)
    except SnapshotError as exc:
        raise Unprocessable(f"文书内容不完整，无法印发：{exc}") from None


def _require_meeting_ahead(snapshot: dict, now: dt.datetime) -> None:
    """A summons a person has worded is not signed once its meeting has passed. (A letter only the
    ladder drafted keeps its computed meeting as before: the draft page warns when it has passed.)"""
    meeting = snapshot.get("meeting") if snapshot.get("kind") == NoticeKind.SUMMONS else None
    if not meeting:
        return
    start = dt.datetime.fromisoformat(meeting["start"])
    if start <= timezone.localtime(now).replace(tzinfo=None):
        raise Unprocessable(f"约谈时间{start.month}月{start.day}日{start:%H:%M}已过，请先修改约谈时间再印发")


def _store_pdf(pdf: bytes, year: int, code: str) -> str:
    try:
        return default_storage.save(f"notices/{year}/{code}.pdf", ContentFile(pdf))
    except OSError as exc:
        logger.error("cannot store notice PDF: %s", exc)
        raise RenderFailed("文书文件无法保存（存储目录不可写），未印发，文号未占用") from None


def _render(specs) -> list[bytes]:
    from inspection.notices.renderer import render_many

    try:
        return render_many(specs)
    except InspectionError:
        raise
    except Exception as exc:  # noqa: BLE001 - any render failure must roll the number back
        logger.exception("notice render failed")
        raise RenderFailed(f"文书生成失败，未印发，文号未占用（{type(exc).__name__}）") from None


def _issue_locked(notices: list[Notice], actor) -> list[Notice]:
    from inspection.notices.renderer import NoticeDocumentSpec
    from inspection.services.objections import require_not_held  # builds on this module (issue 15: 申辩)

    now = timezone.now()
    today = timezone.localdate(now)  # Asia/Shanghai
    prepared = []
    for notice in notices:
        if notice.state != Notice.State.DRAFT:
            raise Conflict(f"{notice}已{notice.get_state_display()}，不能再次印发")
        require_commission(actor, notice.county)
        require_second_person(notice, actor)
        require_not_held(notice)
        snapshot = _issue_snapshot(notice, today)
        if not is_system(actor) and notice.drafted_by_id is not None:
            _require_meeting_ahead(snapshot, now)
        series = notice.series or NOTICE_SERIES[notice.kind]
        n = _take_number(notice.county, series, today.year)
        number_text = format_number(prefix=notice.county.doc_prefix, series=series, year=today.year, n=n)
        code = new_verify_code()
        prepared.append((notice, snapshot, series, n, number_text, code))
    pdfs = _render([
        NoticeDocumentSpec(snapshot, draft=False, number=number_text, verify_code=display_verify_code(code),
                           verify_url=verify_url(code))
        for _, snapshot, _, _, number_text, code in prepared
    ])
    stored: list[str] = []
    try:
        for (notice, snapshot, series, n, number_text, code), pdf in zip(prepared, pdfs):
            name = _store_pdf(pdf, today.year, code)
            stored.append(name)
            digest = hashlib.sha256(pdf).hexdigest()
            notice.snapshot = snapshot
            notice.series, notice.year, notice.number, notice.number_text = series, today.year, n, number_text
            notice.verify_code = code
            notice.pdf = name
            notice.pdf_sha256 = digest
            notice.state = Notice.State.ISSUED
            notice.issued_at = now
            notice.issued_by = None if is_system(actor) else actor
            notice.save(update_fields=[
                "snapshot", "series", "year", "number", "number_text", "verify_code", "pdf", "pdf_sha256",
                "state", "issued_at", "issued_by",
            ])
            record_event(
                "notice.issued", actor=actor, obj=notice, county=notice.county,
                data={"kind": notice.kind, "number": number_text, "sha256": digest,
                      "township": notice.township.code if notice.township_id else None,
                      "official": notice.official_id},
            )
    except BaseException:
        for name in stored:  # the rows roll back; do not leave their files behind
            default_storage.delete(name)
        raise
    outbox.notify_letters_issued(notices=[p[0] for p in prepared])
    return [p[0] for p in prepared]


_issue_turn = threading.Lock()


@contextlib.contextmanager
def _one_issue_at_a_time():
    """Issues in one process take turns before their transaction begins. Renders take turns
    anyway (WeasyPrint is not thread-safe), and on SQLite a transaction holds the database's
    write lock from BEGIN: fifty threads polling SQLite's busy handler for it, each for the
    length of a render, starve one another past the busy timeout. Inside a caller's own
    transaction the lock is skipped (taking it there could wait on a thread that waits on us)."""
    if transaction.get_connection().in_atomic_block:
        yield
        return
    with _issue_turn:
        yield


def issue_notice(*, notice: Notice, actor) -> Notice:
    """Assign the next number, render the PDF from the snapshot, store it with its SHA-256."""
    with _one_issue_at_a_time(), transaction.atomic():
        return _issue_locked([locked_notice(notice)], actor)[0]


def issue_notices(*, notices, actor) -> list[Notice]:
    """Issue many drafts at once: numbers in id order, PDFs rendered in a process pool."""
    ids = sorted({n.pk for n in notices})
    with _one_issue_at_a_time(), transaction.atomic():
        locked = list(
            Notice.objects.select_for_update(of=("self",)).select_related("county", "township", "official")
            .filter(pk__in=ids).order_by("pk")
        )
        if len(locked) != len(ids):
            raise NotFound("未找到")
        return _issue_locked(locked, actor)


@transaction.atomic
def void_notice(*, notice: Notice, actor, reason: str) -> Notice:
    notice = locked_notice(notice)
    require_commission(actor, notice.county)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Unprocessable("请填写作废原因")
    if len(reason) > MAX_REASON:
        raise Unprocessable(f"作废原因不超过{MAX_REASON}字")
    if notice.state == Notice.State.VOID:
        raise Conflict("该文书已作废")
    previous = notice.state
    notice.state = Notice.State.VOID
    notice.void_reason = reason
    notice.save(update_fields=["state", "void_reason"])
    record_event("notice.voided", actor=actor, obj=notice, county=notice.county,
                 data={"number": notice.number_text or None, "from": previous, "reason": reason})
    return notice


# --------------------------------------------------------------------------- the recipient


@transaction.atomic
def record_delivery(*, notice: Notice, user) -> bool:
    """The first download by the addressed official is the delivery time. True if it was this one."""
    if not is_recipient(notice, user) or notice.state == Notice.State.DRAFT:
        return False
    now = timezone.now()
    if not Notice.objects.filter(pk=notice.pk, delivered_at__isnull=True).update(delivered_at=now):
        return False
    notice.delivered_at = now
    record_event("notice.delivered", actor=user, obj=notice, county=notice.county,
                 data={"number": notice.number_text})
    return True


# --------------------------------------------------------------------------- the PDF


def notice_pdf(*, notice: Notice, user=None) -> bytes:
    """What a download sends: the stored PDF of an issued notice (and the addressed
    official's first download is its delivery), or a fresh 草稿 preview of a draft."""
    if notice.state == Notice.State.DRAFT or not notice.pdf:
        if notice.state != Notice.State.DRAFT:
            raise NotFound("文书文件不存在")
        from inspection.notices.renderer import render_notice

        return render_notice(notice.snapshot, draft=True)
    data = notice_file(notice)  # the recorded bytes, or DamagedArchiveCopy (409)
    if user is not None:
        record_delivery(notice=notice, user=user)
    return data


def pdf_filename(notice: Notice) -> str:
    label = notice.number_text or f"{KIND_LABELS.get(notice.kind, '文书')}（草稿）"
    return f"{label}.pdf"


# --------------------------------------------------------------------------- the weekly circular


def _week_bounds(week: str) -> tuple[dt.date, dt.date]:
    try:
        return rotation.week_bounds(week)
    except rotation.RotationInputError:
        raise Unprocessable("周次格式应为 YYYY-Www，如 2026-W49") from None


def circular_snapshot(*, county: County, week: str, today: dt.date | None = None) -> dict:
    """The week's submitted inspections, ranked by score, with the problems found. Townships
    are named; findings carry no person (the schema has no place for a child)."""
    start, end = _week_bounds(week)
    today = today or timezone.localdate()
    inspections = list(
        Inspection.objects.filter(county=county, status=Inspection.Status.SUBMITTED, date__range=(start, end))
        .select_related("township").prefetch_related("team").order_by("-score", "date", "township__code")
    )
    return build_circular_snapshot(county=county, start=start, end=end, today=today,
                                   inspections=inspections, findings_of=effective_findings,
                                   compliance=_compliance(county, start, end, today),
                                   team_of=lambda i: tuple(sorted(m.pk for m in i.team.all())))


def _compliance(county: County, start: dt.date, end: dt.date, today: dt.date) -> dict | None:
    """The estimate of the period the week belongs to (by its Thursday), up to the week's end."""
    first, last = rotation.period_bounds(rotation.period_index(start + dt.timedelta(days=3)))
    span = statistics.estimate_span(county=county, first=first, last=end, today=today)
    return statistics.circular_block(span, statistics.span_label(first, last))


def build_circular_snapshot(*, county: County, start: dt.date, end: dt.date, today: dt.date,
                            inspections, findings_of, compliance: dict | None = None, team_of=None) -> dict:
    """The circular's snapshot from the week's submitted inspections, already ranked by score
    (then date and township code); `findings_of(inspection)` gives the findings that count,
    `team_of(inspection)` who went (the circular numbers the teams; without it: 督查组).
    Shared by the notices service and the load generator, which has its rows in memory."""
    visits = [
        compose.CircularVisit(
            code=inspection.township.code, name=inspection.township.name, on=inspection.date,
            follow_up=inspection.kind == Inspection.Kind.FOLLOW_UP, score=inspection.score,
            findings=[{"area": f.item.area if f.item_id else compose.OTHER_AREA, "severity": f.severity, "text": f.text}
                      for f in sorted(findings_of(inspection), key=lambda f: f.pk)],
            team=team_of(inspection) if team_of else (),
        )
        for inspection in inspections
    ]
    rows, problems, summary = compose.circular_tables(visits)
    return validate_snapshot(compose.circular(letterhead=letterhead(county), on=today, week_start=start,
                                              rows=rows, problems=problems, summary=summary,
                                              compliance=compliance))


@transaction.atomic
def draft_circular(*, county: County, week: str, actor) -> Notice:
    """Draft (or redraft, while still a draft) the week's circular.

    Two first drafts at once make one: the database holds one draft per county and week
    (`notice_one_circular_draft_per_week`), and the request that loses the race redrafts the
    winner's row instead."""
    require_commission(actor, county)
    snapshot = circular_snapshot(county=county, week=week)
    iso = snapshot["week"]["iso"]
    notice = _week_circular(county, iso, snapshot)
    if notice is None:
        try:
            with transaction.atomic():
                notice = Notice.objects.create(county=county, kind=NoticeKind.CIRCULAR,
                                               series=NOTICE_SERIES[NoticeKind.CIRCULAR], snapshot=snapshot,
                                               drafted_by=None if is_system(actor) else actor)
        except IntegrityError:
            notice = _week_circular(county, iso, snapshot)
            if notice is None:
                raise
    if notice.snapshot != snapshot or (not is_system(actor) and notice.drafted_by_id != actor.pk):
        notice.snapshot = snapshot
        if not is_system(actor):  # whoever drafts a circular is its drafter, and another signs it
            notice.drafted_by = actor
        notice.save(update_fields=["snapshot", "drafted_by"])
    record_event("notice.drafted", actor=actor, obj=notice, county=county,
                 data={"kind": "circular", "week": iso, "inspections": snapshot["summary"]["inspections"]})
    return notice


def _week_circular(county: County, iso: str, snapshot: dict) -> Notice | None:
    """The week's live circular, locked; Conflict once it is issued (it is then redrafted only
    after being voided)."""
    existing = (
        Notice.objects.select_for_update()
        .filter(county=county, kind=NoticeKind.CIRCULAR, snapshot__week__iso=iso)
        .exclude(state=Notice.State.VOID).order_by("id").first()
    )
    if existing is not None and existing.state != Notice.State.DRAFT:
        raise Conflict(f"{snapshot['week']['label']}的通报已印发（{existing.number_text}）")
    return existing


# --------------------------------------------------------------------------- public verification


def find_by_verify_code(raw: str | None) -> Notice | None:
    """The issued notice a code belongs to; None for anything else (drafts have no code)."""
    code = normalize_verify_code(raw)
    if code is None:
        return None
    return (
        Notice.objects.select_related("county", "township")
        .filter(verify_code=code).exclude(state=Notice.State.DRAFT).first()
    )


def public_facts(notice: Notice) -> dict:
    """All that the public may learn of a notice: number, kind, issuer, date, recipient
    township, the PDF's SHA-256, and whether it has been voided. Nothing else."""
    return {
        "code": display_verify_code(notice.verify_code),
        "number": notice.number_text,
        "kind": notice.kind,
        "kind_label": KIND_LABELS.get(notice.kind, notice.get_kind_display()),
        "issuer": notice.county.authority_name,
        "issued_on": timezone.localdate(notice.issued_at) if notice.issued_at else None,
        "township": ({"code": notice.township.code, "name": notice.township.name}
                     if notice.township_id else None),
        "sha256": notice.pdf_sha256,
        "status": "void" if notice.state == Notice.State.VOID else "valid",
    }


def stored_pdf_damage(notice: Notice) -> DamagedArchiveCopy | None:
    """None if the issued PDF on file is the one whose SHA-256 was recorded at issue; else the
    damage (noted for the dashboard), so that /verify blames the archive copy, not the paper."""
    try:
        notice_file(notice)
    except DamagedArchiveCopy as exc:
        return exc
    return None


def matches_stored_pdf(notice: Notice, data: bytes) -> bool:
    """Byte for byte, not only by hash: the stored file is the record. Raises DamagedArchiveCopy
    when the stored file itself is not the one recorded."""
    return notice_file(notice) == data
