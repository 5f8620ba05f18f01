"""The audit log: an append-only hash chain (seq, prev_hash, hash = SHA-256(prev_hash ‖ payload)).

Every state change calls `record_event` inside the transaction that makes the change, so the
event and the change commit or roll back together. Appends lock the single AuditHead row, so
concurrent writers queue and the chain never forks (on SQLite the immediate transaction already
serialises writers).
"""

import hashlib
import json
from dataclasses import dataclass

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
        return actor
    return actor.get_username() if getattr(actor, "is_authenticated", False) else ""


@transaction.atomic
def record_event(action: str, *, actor=None, obj=None, county=None, data: dict | None = None) -> AuditEvent:
    head = AuditHead.objects.select_for_update().get(id=1)
    seq = head.seq + 1
    at = timezone.now()
    county_code = county.code if county is not None and hasattr(county, "code") else (county or "")
    body = {
        "seq": seq,
        "at": at.isoformat(),
        "actor": _actor_name(actor),
        "action": action,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
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


def verify_chain(*, checkpoint: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain from the start; name the first seq that does not follow."""
    expected_seq, prev = 1, GENESIS
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainReport(False, expected_seq - 1, prev, expected_seq, "missing or reordered event")
        try:
            body = json.loads(event.payload)
        except ValueError:
            return ChainReport(False, expected_seq - 1, prev, event.seq, "payload is not JSON")
        if (
            body.get("seq") != event.seq
            or body.get("action") != event.action
            or body.get("actor") != event.actor
            or body.get("object_id") != event.object_id
            or body.get("object_type") != event.object_type
        ):
            return ChainReport(False, expected_seq - 1, prev, event.seq, "columns differ from the payload")
        if event.prev_hash != prev or chain_hash(prev, event.payload) != event.hash:
            return ChainReport(False, expected_seq - 1, prev, event.seq, "hash does not follow")
        if checkpoint and event.seq == checkpoint[0] and event.hash != checkpoint[1]:
            return ChainReport(False, expected_seq - 1, prev, event.seq, "differs from the saved checkpoint")
        prev, expected_seq = event.hash, expected_seq + 1
    head_seq = expected_seq - 1
    if checkpoint and checkpoint[0] > head_seq:
        return ChainReport(False, head_seq, prev, head_seq + 1, "chain is shorter than the saved checkpoint")
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq != head_seq or head.hash != prev):
        return ChainReport(False, head_seq, prev, head_seq + 1, "tail cut: head records a later event")
    return ChainReport(True, head_seq, prev)
