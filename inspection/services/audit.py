"""The audit log: one append-only hash chain per county, plus the deployment's chain.

Each event belongs to the chain of its county (`chain` = the county code; events without a
county go to the deployment chain, `chain` = ''). In its chain it has a `chain_seq` and
hash = SHA-256(prev_hash ‖ payload). The deployment chain begins with every event recorded
before the chains were split (migration 0007), unchanged.

Every state change calls `record_event` inside the transaction that makes the change, so the
event and the change commit or roll back together.

Appends to one chain are serialised so it never forks; appends to two chains do not wait for
each other:
- PostgreSQL: an append locks its own chain's AuditHead row (SELECT ... FOR UPDATE) until its
  transaction ends, so a second writer to that county waits and then reads the head the first
  one left;
- SQLite: every transaction is BEGIN IMMEDIATE (ancha/env.py), so writers already queue on
  the database write lock before they read the head.
The unique (chain, chain_seq) and `hash`, and a trigger that makes every insert follow its
head, are a second line: a forked append cannot commit.

Because the head lock is held to the end of the caller's transaction, call `record_event` as
late as possible, after taking the locks your own service needs (a counter, a row): two writers
that take the same locks in different orders deadlock on PostgreSQL, and the later the lock,
the shorter others of the county wait.

The root is SHA-256 of the canonical JSON of `[[chain, seq, hash], ...]` over every head,
sorted by chain: one value that vouches for every chain at once. Checkpoints of the heads and
the root (`audit_checkpoint`, and every morning's `escalate`) are kept outside the database, so
a chain cut short or rewritten after a checkpoint is caught (`verify_audit`).

The database refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL) on the event table, inserts
that do not follow the head, and head moves to anything but the chain's newest event
(inspection/audit_sql.py). Someone with full control of the database can still drop those
guards and rewrite a chain; that is caught by comparing with a checkpoint kept off the machine.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

import privacy

from inspection.chain import (  # noqa: F401 - the chain arithmetic, importable from here as before
    DEPLOYMENT,
    GENESIS,
    Head,
    canonical_json,
    chain_hash,
    chain_label,
    root_hash,
)
from inspection.models import AuditEvent, AuditHead


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    if isinstance(actor, str):
        return actor[:150]
    return actor.get_username() if getattr(actor, "is_authenticated", False) else ""


def lock_head(chain: str) -> AuditHead:
    """Lock the head row of `chain` (made at the genesis if the chain is new) until the transaction ends."""
    head = _locked_head(chain)
    if head is None:  # the county's first event: start its chain (a racing writer's row wins)
        AuditHead.objects.get_or_create(chain=chain, defaults={"seq": 0, "hash": GENESIS})
        head = AuditHead.objects.select_for_update().get(chain=chain)
    return head


def _locked_head(chain: str) -> AuditHead | None:
    # Written out: every audited write passes here, and compiling the ORM's query cost more than
    # running it (issue 14). The same statement select_for_update() sends; SQLite has no row locks
    # (its writers are serialised by BEGIN IMMEDIATE).
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, seq, hash FROM {AuditHead._meta.db_table} WHERE chain = %s{lock}", [chain])
        row = cursor.fetchone()
    return None if row is None else AuditHead.from_db(connection.alias, ["id", "seq", "hash"], row)


# No savepoint of its own: an event that cannot be appended must undo the change it records, so
# it fails its caller's whole transaction (and a filing spends no SAVEPOINT/RELEASE round trips).
@transaction.atomic(savepoint=False)
def record_event(
    action: str,
    *,
    actor=None,
    obj=None,
    county=None,
    data: dict | None = None,
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    """Append one event to its county's chain. `obj` names the object changed; `object_type`/
    `object_id` name something that is not a model row (e.g. a sign-in key) and are used only
    when `obj` is None. Every string in `data` is masked (`privacy.mask`): a reason or comment
    may quote a finding, and the permanent log must not keep a child's name or a family's phone."""
    county_code = county.code if county is not None and hasattr(county, "code") else (county or "")
    body = {
        "actor": _actor_name(actor),
        "action": action,
        "object_type": obj._meta.label_lower if obj is not None else object_type[:64],
        "object_id": str(obj.pk) if obj is not None else str(object_id)[:64],
        "county": county_code,
        "chain": county_code,
        "data": privacy.mask_value(data or {}),
    }
    at = timezone.now()
    body["at"] = at.isoformat()
    if connection.vendor == "postgresql":
        event = _append_at_head(body, at)
        if event is not None:
            return event
    head = lock_head(county_code)
    body["seq"] = head.seq + 1
    event = _event(body, at, canonical_json(body), head.hash)
    if connection.vendor == "postgresql":
        _append_and_move_head(event, head)
    else:
        _append(event)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {AuditHead._meta.db_table} SET seq = %s, hash = %s WHERE id = %s",
                           [event.chain_seq, event.hash, head.pk])
    return event


def _event(body: dict, at: datetime, payload: str, prev_hash: str) -> AuditEvent:
    return AuditEvent(
        chain=body["chain"],
        chain_seq=body["seq"],
        at=at,
        actor=body["actor"],
        action=body["action"],
        object_type=body["object_type"],
        object_id=body["object_id"],
        county_code=body["county"],
        payload=payload,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, payload),
    )


_EVENT_COLUMNS = ("chain", "chain_seq", "at", "actor", "action", "object_type", "object_id", "county_code",
                  "payload", "prev_hash", "hash")


def _insert_sql(event: AuditEvent) -> tuple[str, list]:
    """The event's INSERT (as the ORM would write it, without compiling a query each time)."""
    fields = [AuditEvent._meta.get_field(name) for name in _EVENT_COLUMNS]
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {AuditEvent._meta.db_table} ({columns}) VALUES ({marks})", values


def _inserted(event: AuditEvent, pk: int) -> None:
    event.pk = pk
    event._state.adding = False
    event._state.db = connection.alias


def _append(event: AuditEvent) -> None:
    insert, values = _insert_sql(event)
    with connection.cursor() as cursor:
        cursor.execute(f"{insert} RETURNING {AuditEvent._meta.pk.column}", values)
        _inserted(event, cursor.fetchone()[0])


def _append_and_move_head(event: AuditEvent, head: AuditHead) -> None:
    """PostgreSQL: the event and its head's move in one statement (the guards' triggers see the
    new event from the head's update, tests/security/test_audit_chain.py), one round trip less
    while the county's head is locked."""
    insert, values = _insert_sql(event)
    sql = (
        f"WITH e AS ({insert} RETURNING {AuditEvent._meta.pk.column} AS record, chain_seq, hash)"
        f" UPDATE {AuditHead._meta.db_table} h SET seq = e.chain_seq, hash = e.hash FROM e WHERE h.id = %s"
        f" RETURNING e.record"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, head.pk])
        _inserted(event, cursor.fetchone()[0])


# The payload's last key is "seq" (canonical JSON sorts the keys), so the payload is this
# prefix, the number and "}", and PostgreSQL can finish it once it has locked the head.
_LAST_KEY = ',"seq":'


@transaction.atomic(savepoint=False)
def _append_at_head(body: dict, at: datetime) -> AuditEvent | None:
    """PostgreSQL: lock the chain's head, insert the event after it and move the head, in ONE
    statement, the link hash computed by the server (sha256 of prev_hash and the payload, as
    chain_hash does). Everything else queues on that lock until the commit, so it is held for
    this statement and the commit only: no round trip to Python in between (issue 14). The hash
    is checked here against chain_hash before the event is returned, so a server that computed it
    differently fails the change instead of writing a link that does not verify. None when the
    chain has no head yet (its first event): the caller starts it."""
    prefix = canonical_json(body)[:-1] + _LAST_KEY
    fields = [AuditEvent._meta.get_field(name) for name in _EVENT_COLUMNS]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    event, head = AuditEvent._meta.db_table, AuditHead._meta.db_table
    sql = (
        f"WITH h AS (SELECT id, seq + 1 AS next, hash FROM {head} WHERE chain = %s FOR UPDATE),"
        f" e AS (INSERT INTO {event} ({columns})"
        f" SELECT %s, h.next, %s, %s, %s, %s, %s, %s, %s || h.next || '}}', h.hash,"
        f" encode(sha256(convert_to(h.hash || %s || h.next || '}}', 'UTF8')), 'hex') FROM h"
        f" RETURNING {AuditEvent._meta.pk.column} AS record, chain_seq, prev_hash, hash)"
        f" UPDATE {head} SET seq = e.chain_seq, hash = e.hash FROM e, h WHERE {head}.id = h.id"
        f" RETURNING e.record, e.chain_seq, e.prev_hash, e.hash"
    )
    at_db = connection.ops.adapt_datetimefield_value(at)
    chain = body["chain"]
    params = [chain, chain, at_db, body["actor"], body["action"], body["object_type"], body["object_id"],
              body["county"], prefix, prefix]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    record, seq, prev_hash, digest = row
    body["seq"] = seq
    appended = _event(body, at, f"{prefix}{seq}}}", prev_hash)
    # Byte for byte what the Python path writes (a key sorting after "seq" would break the
    # prefix; a server computing another hash would write a link that does not verify).
    if appended.hash != digest or canonical_json(body) != appended.payload:
        raise RuntimeError("the audit event appended by the database differs from its canonical payload")
    _inserted(appended, record)
    return appended


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    heads: tuple[Head, ...]
    problem: str = ""
    first_bad: tuple[str, int] | None = None  # (chain, chain_seq)
    record: int | None = None  # the bad event's record number (AuditEvent.seq), when it exists

    @property
    def root(self) -> str:
        return root_hash(self.heads)

    @property
    def first_bad_seq(self) -> int | None:
        return self.first_bad[1] if self.first_bad else None

    @property
    def where(self) -> str:
        return f"{chain_label(self.first_bad[0])} {self.first_bad[1]}" if self.first_bad else ""

    @property
    def head_line(self) -> str:
        return f"root {self.root}"

    @property
    def lines(self) -> list[str]:
        return [h.line for h in self.heads] + [self.head_line]

    def describe(self) -> str:
        number = f"（记录号 {self.record}）" if self.record is not None else ""
        return f"{chain_label(self.first_bad[0])} 链第 {self.first_bad[1]} 号记录{number}，{self.problem}"


def _columns_match(event: AuditEvent, body: dict) -> bool:
    try:
        at = datetime.fromisoformat(body.get("at", ""))
    except (TypeError, ValueError):
        return False
    return (
        body.get("seq") == event.chain_seq
        and body.get("chain", DEPLOYMENT) == event.chain
        and body.get("action") == event.action
        and body.get("actor") == event.actor
        and body.get("object_type") == event.object_type
        and body.get("object_id") == event.object_id
        and body.get("county") == event.county_code
        and at == event.at
    )

def _is_hash(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _is_chain(label: str) -> bool:
    return label == "-" or (label.isascii() and label.isdigit() and len(label) <= 12)


def _checkpoint_line(number: int, line: str) -> list[tuple[str, int, str]]:
    if line.startswith("{"):
        try:
            point = json.loads(line)
            heads = [Head(str(h["chain"]), int(h["seq"]), str(h["hash"])) for h in point["heads"]]
        except (ValueError, TypeError, KeyError):
            raise ValueError(f"第 {number} 行不是检查点 JSON") from None
        if any(not _is_hash(h.hash) for h in heads) or point.get("root") != root_hash(heads):
            raise ValueError(f"第 {number} 行的根哈希与所列链头不符")
        return [(h.chain, h.seq, h.hash) for h in heads]
    parts = line.split()
    if len(parts) == 2:  # the single chain's `SEQ HASH`: now the deployment chain's
        parts = ["-", *parts]
    if len(parts) != 3 or not _is_chain(parts[0]) or not parts[1].isascii() or not parts[1].isdigit():
        raise ValueError(f"第 {number} 行不是“链 序号 哈希”格式：{line[:80]}")
    if not _is_hash(parts[2].lower()):
        raise ValueError(f"第 {number} 行的哈希不是 64 位十六进制：{line[:80]}")
    return [("" if parts[0] == "-" else parts[0], int(parts[1]), parts[2].lower())]


def parse_checkpoints(text: str) -> list[tuple[str, int, str]]:
    """`(chain, seq, hash)` from checkpoint lines: the JSON lines `audit_checkpoint` writes,
    `CHAIN SEQ HASH` (`-` for the deployment chain), or the single chain's `SEQ HASH` (now the
    deployment chain), each printout optionally closed by `root HASH`, which must then be the root
    of the heads listed since the last blank, comment or root line. A `#` starts a comment outside
    JSON. Raises ValueError naming the bad line."""
    points, listed = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip() if raw.strip().startswith("{") else raw.split("#", 1)[0].strip()
        if line.startswith("root "):  # a pasted printout ends so: the root of the heads above it
            if line.split(None, 1)[1].strip().lower() != root_hash(Head(*point) for point in listed):
                raise ValueError(f"第 {number} 行的根哈希与所列链头不符")
            listed = []
        elif line:
            found = _checkpoint_line(number, line)
            points.extend(found)
            listed.extend(found if not line.startswith("{") else [])
        else:  # a blank or comment line ends a printout
            listed = []
    if not points:
        raise ValueError("检查点为空")
    return points


@dataclass
class _Walk:
    """One pass over every chain; `saved` is {chain: {seq: hash}} from checkpoints."""

    heads: dict[str, AuditHead]
    saved: dict[str, dict[int, str]]
    at: dict[str, tuple[int, str]] = field(default_factory=dict)  # chain → (last seq, its hash)

    def event_problem(self, event: AuditEvent) -> str:
        last, prev = self.at.get(event.chain, (0, GENESIS))
        if event.chain_seq != last + 1:
            return "记录缺失或顺序被改动（missing or reordered event）"
        try:
            body = json.loads(event.payload)
        except ValueError:
            return "内容不是 JSON（payload is not JSON）"
        if not isinstance(body, dict) or not _columns_match(event, body):
            return "列与内容不一致（columns differ from the payload）"
        if event.prev_hash != prev or chain_hash(prev, event.payload) != event.hash:
            return "哈希不连续（hash does not follow）"
        if self.saved.get(event.chain, {}).get(event.chain_seq, event.hash) != event.hash:
            return "与保存的检查点不符，此序号或之前的记录被改写（differs from the saved checkpoint）"
        head = self.heads.get(event.chain)
        if head is not None and event.chain_seq == head.seq and head.hash != event.hash:
            return "与链头记录不符（differs from the chain head）"
        self.at[event.chain] = (event.chain_seq, event.hash)
        return ""

    def tail_problem(self, chain: str) -> str:
        last, _ = self.at.get(chain, (0, GENESIS))
        beyond = [seq for seq in self.saved.get(chain, {}) if seq > last]
        if beyond:
            return f"链比保存的检查点（第 {min(beyond)} 号）短，尾部被截断（tail cut）"
        head = self.heads.get(chain)
        if head is None:
            return "链头记录缺失（chain head missing）"
        if head.seq > last or (head.seq == 0 and head.hash != GENESIS):
            return "链头记录了更晚的事件，尾部被截断（tail cut）"
        return ""


def verify_chain(*, checkpoints: Iterable[tuple[str, int, str]] = ()) -> ChainReport:
    """Walk every chain from its start; name the first (chain, seq) that does not follow.

    Checkpoints are `(chain, seq, hash)` saved earlier, off the machine: a chain rewritten and
    re-hashed from some event on still differs from them at or before the first checkpoint
    after that event, and a chain cut shorter than a checkpoint (head reset or not) is caught.
    """
    saved: dict[str, dict[int, str]] = {}
    for chain, seq, digest in checkpoints:
        if seq == 0 and digest != GENESIS:
            return ChainReport(False, (), "检查点的第 0 号哈希不是起始值", (chain, 0))
        if seq:
            saved.setdefault(chain, {})[seq] = digest
    # Read the heads before the events: events appended while we walk are then simply later
    # than the heads we compare with, never a false alarm.
    walk = _Walk({h.chain: h for h in AuditHead.objects.all()}, saved)
    for event in AuditEvent.objects.order_by("chain", "chain_seq").iterator(chunk_size=2000):
        problem = walk.event_problem(event)
        if problem:
            last = walk.at.get(event.chain, (0, GENESIS))[0]
            bad_seq = last + 1 if event.chain_seq > last + 1 else event.chain_seq
            record = event.seq if bad_seq == event.chain_seq else None
            return ChainReport(False, _heads(walk), problem, (event.chain, bad_seq), record)
    for chain in sorted(set(walk.heads) | set(walk.at) | set(saved)):
        problem = walk.tail_problem(chain)
        if problem:
            return ChainReport(False, _heads(walk), problem, (chain, walk.at.get(chain, (0, ""))[0] + 1))
    return ChainReport(True, _heads(walk))


def _heads(walk: _Walk) -> tuple[Head, ...]:
    chains = sorted(set(walk.heads) | set(walk.at))
    return tuple(Head(c, *walk.at.get(c, (0, GENESIS))) for c in chains)


def checkpoint_record(report: ChainReport) -> str:
    """One JSON line vouching for every verified head and their root."""
    heads = [{"chain": h.chain, "seq": h.seq, "hash": h.hash} for h in report.heads]
    return canonical_json({"at": timezone.now().isoformat(timespec="seconds"), "heads": heads, "root": report.root})


def write_checkpoint(path: str | Path) -> ChainReport:
    """Verify every chain and, only if all hold, append a checkpoint line to `path` (a file
    outside the database, kept append-only: copy it off the machine). Raises OSError."""
    report = verify_chain()
    if report.ok:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(checkpoint_record(report) + "\n")
    return report
