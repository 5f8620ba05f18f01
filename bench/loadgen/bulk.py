"""Bulk paths of the load generator: keys taken up front, COPY or bulk_create, set-based
updates, historic timestamps, and the audit events of one county chained in one go."""

from __future__ import annotations

import contextlib

from django.db import connection
from django.utils import timezone

from inspection.models import (
    AuditEvent,
    AuditHead,
    Decision,
    Draw,
    EscalationCase,
    Finding,
    Inspection,
    Notice,
    NoticeResponse,
    SeedPeriod,
)
from inspection.services.audit import canonical_json, chain_hash, lock_head

SYSTEM = ""  # the actor of the scheduled jobs in the audit log
BATCH = 2000


class Ids:
    """Primary keys taken before the rows are written, so the ladder can name them (its
    decisions carry inspection and finding ids). PostgreSQL: from the table's sequence;
    SQLite: past the largest id, safe because the immediate transaction holds the write lock."""

    def __init__(self, model):
        self.model = model
        self.table = model._meta.db_table
        self.free: list[int] = []
        self.next_sqlite: int | None = None

    def take(self) -> int:
        if not self.free:
            self._reserve(1000)
        return self.free.pop()

    def _reserve(self, n: int) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [self.table, n]
                )
                ids = [row[0] for row in cursor.fetchall()]
            else:
                if self.next_sqlite is None:
                    cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{self.table}"')
                    top = cursor.fetchone()[0]
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                    row = cursor.fetchone()
                    self.next_sqlite = max(top, row[0] if row else 0) + 1
                ids = list(range(self.next_sqlite, self.next_sqlite + n))
                self.next_sqlite += n
        self.free = sorted(ids, reverse=True)


def insert(model, objs: list) -> None:
    """Write rows whose keys are already known. PostgreSQL: COPY (bulk_create's array parameters
    cost more than the rest of the load); SQLite: bulk_create, which is fast there."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    with_pk = objs[0].pk is not None
    fields = [f for f in model._meta.local_concrete_fields if with_pk or not f.primary_key]
    for obj in objs:  # the same checks bulk_create makes: related rows saved, their keys copied
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def submit_all(inspections: list[Inspection]) -> None:
    """Mark filed inspections submitted, with score and stamp, in one statement."""
    if not inspections:
        return
    if connection.vendor != "postgresql":
        Inspection.objects.bulk_update(inspections, ["status", "score", "submitted_at", "submitted_by"], batch_size=500)
        return
    table = Inspection._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} AS i SET status = 'submitted', score = v.score, submitted_at = v.at,
                       submitted_by_id = v.by
                FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[], %s::bigint[]) AS v(id, score, at, by)
                WHERE i.id = v.id""",
            [[i.pk for i in inspections], [i.score for i in inspections], [i.submitted_at for i in inspections],
             [i.submitted_by_id for i in inspections]],
        )


_HISTORIC = [
    (Inspection, "created_at"),
    (Finding, "created_at"),
    (Notice, "created_at"),
    (Decision, "created_at"),
    (EscalationCase, "opened_at"),
    (NoticeResponse, "submitted_at"),
    (Draw, "created_at"),
    (SeedPeriod, "created_at"),
]


@contextlib.contextmanager
def historic_timestamps():
    """Let the generated rows carry the day they stand for instead of the day they were written."""
    fields = [model._meta.get_field(name) for model, name in _HISTORIC]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved):
            f.auto_now_add = value


class AuditBatch:
    """Events of one county, chained in bulk exactly as `record_event` chains them one by one."""

    def __init__(self):
        self.events: list[tuple] = []

    def add(self, action: str, *, actor: str = SYSTEM, obj=None, county: str = "", data=None) -> None:
        self.events.append((action, actor, obj, county, data))

    def flush(self) -> int:
        if not self.events:
            return 0
        at = timezone.now()
        stamp = at.isoformat()
        by_chain: dict[str, list[tuple]] = {}
        for event in self.events:
            by_chain.setdefault(event[3], []).append(event)
        rows, heads = [], []
        for chain in sorted(by_chain):  # heads locked in one order, so two batches cannot deadlock
            head = lock_head(chain)
            seq, prev = head.seq, head.hash
            for action, actor, obj, county, data in by_chain[chain]:
                seq += 1
                body = {
                    "seq": seq,
                    "at": stamp,
                    "actor": actor[:150],
                    "action": action,
                    "object_type": obj._meta.label_lower if obj is not None else "",
                    "object_id": str(obj.pk) if obj is not None else "",
                    "county": county,
                    "chain": chain,
                    "data": (data() if callable(data) else data) or {},
                }
                payload = canonical_json(body)
                digest = chain_hash(prev, payload)
                rows.append(AuditEvent(
                    chain=chain, chain_seq=seq, at=at, actor=body["actor"], action=action,
                    object_type=body["object_type"], object_id=body["object_id"], county_code=county,
                    payload=payload, prev_hash=prev, hash=digest,
                ))
                prev = digest
            heads.append((head.pk, seq, prev))
        insert(AuditEvent, rows)  # record numbers (seq) from the table's sequence
        for pk, seq, digest in heads:
            AuditHead.objects.filter(pk=pk).update(seq=seq, hash=digest)
        count = len(self.events)
        self.events = []
        return count

