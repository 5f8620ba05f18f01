"""The field app's hot path: a new finding filed exactly once, in a handful of statements.

A team on a phone waits for this reply, so the ordinary case is written as few round trips, in
ONE transaction (issue 14):

1. the finding is inserted only if the inspection is one the caller may file on: visible to them
   (inspection.access), theirs by team, open, and the checklist item its own: one conditional
   `INSERT ... SELECT`, which on PostgreSQL takes a share lock on the inspection row, so a
   concurrent submission (FOR UPDATE) either waits for this filing to commit or is waited for,
   and then the re-checked status refuses the filing: never a finding beside a submitted score;
2. its idempotency record with the rendered reply: `INSERT ... ON CONFLICT DO NOTHING`. A
   concurrent request with the same key waits on the unique index (bounded: 409 after
   IDEMPOTENCY_WAIT_SECONDS) and then finds the key taken;
3. the audit event, last, so the county's chain head is locked for the shortest time.

Whatever does not fit the ordinary case (a replay, a refusal of any kind, a correction) rolls
back and returns None: the caller then takes the full path (services.idempotency.run_once around
services.inspections.file_finding), which answers every such case as before with its own
checks and messages. Nothing is moved to on_commit hooks, triggers or background jobs.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from inspection.access import profile_of, visible_inspections
from inspection.errors import Unprocessable
from inspection.models import ChecklistItem, Finding, IdempotencyRecord, Inspection, Role, Severity
from inspection.services.audit import record_event
from inspection.services.idempotency import InFlight, Reply
from inspection.services.inspections import (
    LOCATION_MAX,
    TEXT_MAX,
    FindingData,
    _audit_data,
    _clean_observed_at,
    _clean_text,
)
from inspection.services.locks import bounded_transaction, is_lock_timeout

OPEN = (Inspection.Status.DISPATCHED, Inspection.Status.MISSED)


class _NotOrdinary(Exception):
    """Roll the attempt back and let the full path answer."""


def _clean(data: FindingData) -> tuple[str, str, object] | None:
    try:
        text = _clean_text(data.text, field="问题描述", max_length=TEXT_MAX, required=True)
        location = _clean_text(data.location, field="地点", max_length=LOCATION_MAX, required=False)
        observed_at = _clean_observed_at(data.observed_at)
    except Unprocessable:
        return None  # the full path says so, after it has checked who may file here
    return text, location, observed_at


# For these roles access.visible_inspections(user) is a function of the user's id, role and county
# alone (an official's also reads their current post, so theirs is compiled every time).
_ONE_SHAPE = (Role.COMMISSION, Role.INSPECTOR, Role.OBSERVER)
_ALLOWED_MAX = 4096
# An id no row has (ids are positive), compiled into the cached sub-query where the inspection's
# id goes: its one place among the parameters is where each filing puts its own.
_SLOT = -2147483647
_allowed_sql: dict[tuple, tuple[str, tuple, int]] = {}


def _compile(user, county_id: int, inspection_id: int) -> tuple[str, list]:
    allowed = (  # unordered: a set for IN (the model's ordering would join the township to sort it)
        visible_inspections(user).filter(pk=inspection_id, county_id=county_id, members__inspector__user=user)
        .order_by().values("pk")
    )
    sql, params = allowed.query.sql_with_params()
    return sql, list(params)


def _allowed(user, county_id: int, inspection_id: int) -> tuple[str, list]:
    """The inspection `inspection_id` if `user` may file on it, as a sub-query compiled from
    access.py (the county twice over: the caller's, whatever a rule in access.py allows).
    Compiling it cost more than running the whole insert (issue 14), so it is kept per
    (database, user, role, county): exactly what it depends on, so a changed role or county
    compiles anew."""
    profile = profile_of(user)
    if profile is None or profile.role not in _ONE_SHAPE:
        return _compile(user, county_id, inspection_id)
    key = (connection.alias, user.pk, profile.role, profile.county_id, county_id)
    found = _allowed_sql.get(key)
    if found is None:
        sql, params = _compile(user, county_id, _SLOT)
        slots = [i for i, value in enumerate(params) if type(value) is int and value == _SLOT]
        if len(slots) != 1:  # not where it can be told apart: compile for this filing alone
            return _compile(user, county_id, inspection_id)
        if len(_allowed_sql) >= _ALLOWED_MAX:
            _allowed_sql.clear()
        found = _allowed_sql[key] = (sql, tuple(params), slots[0])
    sql, params, slot = found
    params = list(params)
    params[slot] = inspection_id
    return sql, params


def _insert_finding(*, inspection_id: int, user, data: FindingData, cleaned, county_id: int):
    """The conditional insert; (id, severity, created_at) or None when nothing was filed."""
    text, location, observed_at = cleaned
    allowed_sql, allowed_params = _allowed(user, county_id, inspection_id)
    q = connection.ops.quote_name
    finding, inspection, item = (Finding._meta.db_table, Inspection._meta.db_table, ChecklistItem._meta.db_table)
    created_at = timezone.now()
    dt = connection.ops.adapt_datetimefield_value
    if data.item_id is None:
        item_join, item_value, severity_sql, join_params = "", "NULL", "%s", []
    else:
        item_join = f" JOIN {item} ci ON ci.id = %s AND ci.checklist_id = i.checklist_id"
        item_value, severity_sql, join_params = "ci.id", "COALESCE(%s, ci.severity)", [data.item_id]
    lock = " FOR SHARE OF i" if connection.vendor == "postgresql" else ""  # SQLite: BEGIN IMMEDIATE
    sql = (
        f"INSERT INTO {finding} ({q('inspection_id')}, {q('item_id')}, {q('severity')}, {q('text')},"
        f" {q('location')}, {q('observed_at')}, {q('recorded_by_id')}, {q('created_at')}, {q('corrects_id')},"
        f" {q('correction_reason')})"
        f" SELECT i.id, {item_value}, {severity_sql}, %s, %s, %s, %s, %s, NULL, ''"
        f" FROM {inspection} i{item_join}"
        f" WHERE i.id = %s AND i.status IN (%s, %s) AND i.id IN ({allowed_sql}){lock}"
        f" RETURNING id, severity"
    )
    params = [
        data.severity, text, location, dt(observed_at), user.pk, dt(created_at), *join_params,
        inspection_id, *OPEN, *allowed_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0], row[1], created_at, text, location, observed_at


def _store_reply(*, user, key: str, request_hash: str, status: int, body: bytes) -> bool:
    """The key and its reply in one insert; False if the key is taken (a replay or a race)."""
    table = IdempotencyRecord._meta.db_table
    sql = (
        f"INSERT INTO {table} (user_id, {connection.ops.quote_name('key')}, request_hash, state, status_code,"
        f" response_body, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        f" ON CONFLICT (user_id, {connection.ops.quote_name('key')}) DO NOTHING RETURNING id"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, key, request_hash, IdempotencyRecord.State.DONE, status, body, now])
        return cursor.fetchone() is not None


def file_new_finding(
    *, inspection_id: int, user, county, data: FindingData, key: str, request_hash: str,
    render: Callable[[Finding], tuple[int, bytes]],
) -> Reply | None:
    """File a new (not correcting) finding and store its reply under `key`, or return None when
    this is not the ordinary case and nothing was written. `county` is the caller's (their
    profile's): an inspection of another county is never theirs to file on."""
    if county is None or (data.severity is None and data.item_id is None):
        return None
    if data.severity is not None and data.severity not in Severity.values:
        return None
    cleaned = _clean(data)
    if cleaned is None:
        return None
    try:
        with bounded_transaction(settings.IDEMPOTENCY_WAIT_SECONDS):
            inserted = _insert_finding(
                inspection_id=inspection_id, user=user, data=data, cleaned=cleaned, county_id=county.pk
            )
            if inserted is None:
                raise _NotOrdinary
            finding_id, severity, created_at, text, location, observed_at = inserted
            finding = Finding(
                id=finding_id, inspection_id=inspection_id, item_id=data.item_id, severity=severity, text=text,
                location=location, observed_at=observed_at, recorded_by=user, created_at=created_at,
            )
            finding._state.adding, finding._state.db = False, connection.alias
            status, body = render(finding)
            if not _store_reply(user=user, key=key, request_hash=request_hash, status=status, body=body):
                raise _NotOrdinary
            record_event("finding.added", actor=user, obj=finding, county=county, data=_audit_data(finding))
            return Reply(status, body, replayed=False)
    except _NotOrdinary:
        return None
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise InFlight("同一请求仍在处理中（或服务器繁忙），请稍后使用同一幂等键重试") from None
        raise
