"""API tokens: issued at sign-in, checked on every call, revoked by their holder, the commission, or a
change to the account (password, role, deactivation).

    issue_token(user=, label=)            → (row, secret): only the secret's SHA-256 is kept
    check_token(secret=)                  → the row, or TokenRefused saying why (401)
    revoke_token(token=, actor=, reason=) → one token, audited
    revoke_tokens_of(user=, reason=, actor=) → every live token of an account, audited if any
    record_password_change(user=, actor=) → the account's tokens revoked, the change audited

A token lives ANCHA_TOKEN_DAYS after its last use. `last_used_at` is written at most once a minute
per token (so a busy field app does not write a row per call); expiry slides with it, to the minute.
The note is best effort: every API call passes through it before its own work, so when the database
is busy (SQLite's single writer held by a long write, the token's row locked) it waits at most
USE_NOTE_WAIT_SECONDS and is left to a later call, rather than holding the call, and any bounded wait
of its own (an Idempotency-Key in flight answers 409), behind the connection's 30 s.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from inspection.errors import InspectionError
from inspection.models import ApiToken, Profile
from inspection.services.audit import record_event
from inspection.services.locks import bounded_transaction, is_lock_timeout

MAX_LABEL = 100
USE_RESOLUTION = timedelta(minutes=1)
USE_NOTE_WAIT_SECONDS = 0.2
EXPIRED = "令牌已过期，请重新登录获取新令牌"
REVOKED = "令牌已被撤销，请重新登录获取新令牌"
INVALID = "未登录或令牌无效"


class TokenRefused(InspectionError):
    status = 401


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _county(user):
    profile = Profile.objects.filter(user=user).select_related("county").first()
    return profile.county if profile else None


@transaction.atomic
def issue_token(*, user, label: str = "") -> tuple[ApiToken, str]:
    secret = secrets.token_urlsafe(32)
    # A label is the holder's own note ("手机"); characters no database or page can hold are dropped.
    label = "".join(ch for ch in label if ch.isprintable()).strip()[:MAX_LABEL]
    row = ApiToken.objects.create(user=user, token_hash=token_hash(secret), label=label)
    record_event("auth.token_issued", actor=user, obj=row, county=_county(user), data={"label": row.label})
    return row, secret


def check_token(*, secret: str) -> ApiToken:
    """The live token for `secret`, its use noted; TokenRefused otherwise (nothing is written then)."""
    if not secret or len(secret) > 200:
        raise TokenRefused(INVALID)
    # The profile (role, county) comes in the same query: every endpoint's access rule reads it.
    row = (
        ApiToken.objects.select_related("user__profile__county").filter(token_hash=token_hash(secret)).first()
    )
    if row is None or not row.user.is_active:
        raise TokenRefused(INVALID)
    if row.revoked_at is not None:
        raise TokenRefused(REVOKED)
    now = timezone.now()
    if row.expires_at <= now:
        raise TokenRefused(EXPIRED)
    if row.last_used_at is None or now - row.last_used_at >= USE_RESOLUTION:
        _note_use(row, now)
    return row


def _note_use(row: ApiToken, now) -> None:
    # Conditional, so that of two calls in the same minute on two servers only one writes.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - USE_RESOLUTION)
    try:
        with bounded_transaction(USE_NOTE_WAIT_SECONDS):
            ApiToken.objects.filter(stale, pk=row.pk).update(last_used_at=now)
    except OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        return  # busy: a later call notes the use
    row.last_used_at = now


@transaction.atomic
def revoke_token(*, token: ApiToken, actor, reason: str) -> ApiToken:
    """Revoking a token already dead changes nothing."""
    row = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if row.revoked_at is not None:
        return row
    row.revoked_at = timezone.now()
    row.revoked_reason = reason
    row.save(update_fields=["revoked_at", "revoked_reason"])
    record_event(
        "auth.token_revoked", actor=actor, obj=row, county=_county(row.user),
        data={"user": row.user.get_username(), "reason": reason},
    )
    return row


@transaction.atomic
def revoke_tokens_of(*, user, reason: str, actor=None) -> int:
    now = timezone.now()
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    ids = list(live.values_list("pk", flat=True))
    if not ids:
        return 0
    ApiToken.objects.filter(pk__in=ids).update(revoked_at=now, revoked_reason=reason)
    record_event(
        "auth.tokens_revoked", actor=actor, obj=user, county=_county(user),
        data={"user": user.get_username(), "reason": reason, "tokens": ids},
    )
    return len(ids)


@transaction.atomic
def record_password_change(*, user, actor=None) -> int:
    """The change itself is audited without any secret in it; every token of the account dies."""
    revoked = revoke_tokens_of(user=user, reason=ApiToken.Revoked.PASSWORD, actor=actor)
    record_event(
        "auth.password_changed", actor=actor, obj=user, county=_county(user),
        data={"user": user.get_username(), "tokens_revoked": revoked},
    )
    return revoked


def live_tokens():
    """Tokens neither revoked nor expired now."""
    cutoff = timezone.now() - timedelta(days=settings.ANCHA_TOKEN_DAYS)
    return ApiToken.objects.filter(revoked_at__isnull=True).filter(
        Q(last_used_at__gt=cutoff) | Q(last_used_at__isnull=True, created_at__gt=cutoff)
    )
