"""The audit log: an append-only hash chain (seq, prev_hash, hash = SHA-256(prev_hash ‖ payload)).

Every state change calls `record_event` inside the transaction that makes the change, so the
event and the change commit or roll back together.

Appends are serialised so the chain never forks:
- PostgreSQL: every append locks the single AuditHead row (SELECT ... FOR UPDATE) until its
  transaction ends, so a second writer waits and then reads the head the first one left;
- SQLite: every transaction is BEGIN IMMEDIATE (ancha/env.py), so writers already queue on
  the database write lock before they read the head.
The primary key on `seq` and the unique `hash` are a second line: a forked append cannot commit.

Because the head lock is held to the end of the caller's transaction, call `record_event` after
taking the locks your own service needs (a counter, a row), never before: two writers that take
the same locks in different orders deadlock on PostgreSQL.

The database refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL) on the event table. Someone with
full control of the database can still drop those guards and rewrite the whole chain; that is
caught by comparing with a checkpoint (`audit_checkpoint`) kept off the machine.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from inspection.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def canonical_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def chain_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + payload.encode("utf-8")).hexdigest()


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    if isinstance(actor, str):
        return actor[:150]
    return actor.get_username() if getattr(actor, "is_authenticated", False) else ""


@transaction.atomic
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
    """Append one event. `obj` names the object changed; `object_type`/`object_id` name something
    that is not a model row (e.g. a sign-in key) and are used only when `obj` is None."""
    head = AuditHead.objects.select_for_update().get(id=1)
    seq = head.seq + 1
    at = timezone.now()
    county_code = county.code if county is not None and hasattr(county, "code") else (county or "")
    body = {
        "seq": seq,
        "at": at.isoformat(),
        "actor": _actor_name(actor),
        "action": action,
        "object_type": obj._meta.label_lower if obj is not None else object_type[:64],
        "object_id": str(obj.pk) if obj is not None else str(object_id)[:64],
        "county": county_code,
        "data": data or {},
    }
    payload = canonical_json(body)
    digest = chain_hash(head.hash, payload)
    event = AuditEvent.objects.create(
        seq=seq,
        at=at,
        actor=body["actor"],
        action=action,
        object_type=body["object_type"],
        object_id=body["object_id"],
        county_code=county_code,
        payload=payload,
        prev_hash=head.hash,
        hash=digest,
    )
    AuditHead.objects.filter(id=1).update(seq=seq, hash=digest)
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def head_line(self) -> str:
        return f"{self.head_seq} {self.head_hash}"


def _columns_match(event: AuditEvent, body: dict) -> bool:
    try:
        at = datetime.fromisoformat(body.get("at", ""))
    except (TypeError, ValueError):
        return False
    return (
        body.get("seq") == event.seq
        and body.get("action") == event.action
        and body.get("actor") == event.actor
        and body.get("object_type") == event.object_type
        and body.get("object_id") == event.object_id
        and body.get("county") == event.county_code
        and at == event.at
    )


def parse_checkpoints(text: str) -> list[tuple[int, str]]:
    """Lines of `SEQ HASH` (a `#` starts a comment). Raises ValueError naming the bad line."""
    points = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if (
            len(parts) != 2
            or not parts[0].isdigit()
            or len(parts[1]) != 64
            or any(c not in "0123456789abcdef" for c in parts[1].lower())
        ):
            raise ValueError(f"第 {number} 行不是“序号 哈希”格式：{raw.strip()[:80]}")
        points.append((int(parts[0]), parts[1].lower()))
    if not points:
        raise ValueError("检查点为空")
    return points


def verify_chain(
    *, checkpoint: tuple[int, str] | None = None, checkpoints: Iterable[tuple[int, str]] = ()
) -> ChainReport:
    """Walk the chain from the start; name the first seq that does not follow.

    Checkpoints are `(seq, hash)` pairs saved earlier, off the machine: a chain rewritten and
    re-hashed from some event on still differs from them at or before the first checkpoint
    after that event, and a chain cut shorter than a checkpoint is caught too.
    """
    saved = dict(checkpoints)
    if checkpoint:
        saved[checkpoint[0]] = checkpoint[1]
    if 0 in saved and saved.pop(0) != GENESIS:
        return ChainReport(False, 0, GENESIS, 0, "检查点的第 0 号哈希不是起始值")

    # Read the head before the events: events appended while we walk are then simply later
    # than the head we compare with, never a false alarm.
    head = AuditHead.objects.filter(id=1).first()
    expected_seq, prev = 1, GENESIS

    def bad(seq, problem):
        return ChainReport(False, expected_seq - 1, prev, seq, problem)

    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return bad(expected_seq, "记录缺失或顺序被改动（missing or reordered event）")
        try:
            body = json.loads(event.payload)
        except ValueError:
            return bad(event.seq, "内容不是 JSON（payload is not JSON）")
        if not isinstance(body, dict) or not _columns_match(event, body):
            return bad(event.seq, "列与内容不一致（columns differ from the payload）")
        if event.prev_hash != prev or chain_hash(prev, event.payload) != event.hash:
            return bad(event.seq, "哈希不连续（hash does not follow）")
        if event.seq in saved and saved[event.seq] != event.hash:
            return bad(event.seq, "与保存的检查点不符，此序号或之前的记录被改写（differs from the saved checkpoint）")
        if head is not None and event.seq == head.seq and head.hash != event.hash:
            return bad(event.seq, "与链头记录不符（differs from the chain head）")
        prev, expected_seq = event.hash, expected_seq + 1
    last = expected_seq - 1
    beyond = [seq for seq in saved if seq > last]
    if beyond:
        return ChainReport(False, last, prev, last + 1, f"链比保存的检查点（第 {min(beyond)} 号）短，尾部被截断（tail cut）")
    if head is None:
        return ChainReport(False, last, prev, last + 1 if last else 1, "链头记录缺失（chain head missing）")
    if head.seq > last:
        return ChainReport(False, last, prev, last + 1, "链头记录了更晚的事件，尾部被截断（tail cut）")
    return ChainReport(True, last, prev)
