"""Exactly-once writes for the field app: a request remembered by (user, Idempotency-Key).

The key, the write it guards and the reply are committed in ONE transaction, so a request either
left nothing behind (and may be sent again) or left its effect and its reply together. Replays
return the stored reply byte for byte; the same key with another request is refused (422).
A domain error rolls the whole transaction back, the key included: nothing was written, so the
client may correct the request and send it again under the same key.

"In flight" is a concurrent request with the same key that has not committed yet:
- SQLite runs immediate transactions, so the second request's BEGIN waits for the first writer
  to commit and then finds the stored reply.
- PostgreSQL: the second request does not see the first's uncommitted record; its INSERT of the
  same (user, key) blocks on the unique index until the first commits, then fails with
  IntegrityError, and the next statement (READ COMMITTED) reads the committed reply. If the first
  rolls back instead, the INSERT goes through and the second request does the work itself.
Either way the wait is bounded (IDEMPOTENCY_WAIT_SECONDS, default 20); a request still waiting
after that answers 409 with Retry-After, and the client sends it again later with the same key.
On SQLite the wait is for the database's single writer, so a 409 there may also mean "busy".

Keys never expire: a team may be offline for days.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction

from inspection.errors import Conflict, InspectionError, Unprocessable
from inspection.models import IdempotencyRecord
from inspection.services.locks import bounded_transaction, is_lock_timeout

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class MissingKey(InspectionError):
    status = 400


class KeyReused(Unprocessable):
    """The key was used before for a different request."""


class InFlight(Conflict):
    """The first request with this key is still being handled."""

    retry_after = 2


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    replayed: bool


def check_key(key: str | None) -> str:
    if key is None or key.strip() == "":
        raise MissingKey(f"缺少 {HEADER} 请求头：每次登记须带一个唯一的幂等键（如 UUID），重发时使用同一个键")
    key = key.strip()
    if not KEY_PATTERN.match(key):
        raise MissingKey(f"{HEADER} 格式无效：须为 1–128 个字母、数字或 . _ : - 字符")
    return key


def fingerprint(operation: str, payload: dict) -> str:
    """SHA-256 of what the request asks for, independent of whitespace and key order."""
    text = json.dumps({"op": operation, "payload": payload}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def wait_seconds() -> float:
    return settings.IDEMPOTENCY_WAIT_SECONDS


def _replay(record: IdempotencyRecord, request_hash: str) -> Reply:
    if record.request_hash != request_hash:
        raise KeyReused(f"此 {HEADER} 已用于另一个请求；新的登记请使用新的键")
    if record.state != IdempotencyRecord.State.DONE:
        # Only reachable if a record was committed unfinished, which this module never does.
        raise InFlight("同一请求仍在处理中，请稍后使用同一幂等键重试")
    return Reply(record.status_code, bytes(record.response_body), replayed=True)


def run_once(*, user, key: str | None, request_hash: str, action: Callable[[], tuple[int, bytes]]) -> Reply:
    """Run `action` (which writes and renders the reply) once per (user, key); replay afterwards."""
    key = check_key(key)
    try:
        with bounded_transaction(wait_seconds()):
            existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if existing is not None:
                return _replay(existing, request_hash)
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(user=user, key=key, request_hash=request_hash)
            except IntegrityError:
                # PostgreSQL: a concurrent request with this key committed while we waited.
                return _replay(IdempotencyRecord.objects.get(user=user, key=key), request_hash)
            status, body = action()
            record.state = IdempotencyRecord.State.DONE
            record.status_code = status
            record.response_body = body
            record.save(update_fields=["state", "status_code", "response_body"])
            return Reply(status, body, replayed=False)
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise InFlight("同一请求仍在处理中（或服务器繁忙），请稍后使用同一幂等键重试") from None
        raise
