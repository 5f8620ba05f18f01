"""The sign-in throttle: growing delays per account and address, per account, and per address.

Failed sign-ins are rows (`SignInAttempt`), so every app server and worker sees the same counts.
Each rule allows some failures in the window (ANCHA_SIGNIN_WINDOW_MINUTES), then refuses for
2^(n - free) seconds after the rule's last failure, up to ANCHA_SIGNIN_MAX_DELAY_SECONDS:

- account and address: failures at one username from one address (free: ANCHA_SIGNIN_MAX_FAILURES);
- account: the number of addresses that failed at one username (free: ANCHA_SIGNIN_ACCOUNT_ADDRESSES),
  so guesses spread over many addresses slow the account for every browser without its device
  cookie; one address's failures, however many, count once here and so never lock the owner out;
- address: the number of usernames that failed from one address (free: ANCHA_SIGNIN_SPRAY_ACCOUNTS),
  against password spraying; the address is then slowed for every account.

A browser presenting a valid device cookie for the account (inspection/security/devices.py) is
judged only on the failures made with that cookie, with the first rule's allowance.

Refused tries are not counted: they checked no password, so they cannot grow the delay of someone
who waits it out, and a flood of them writes nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from inspection.models import SignInAttempt
from inspection.security.log import keyed_hash


def window() -> timedelta:
    return timedelta(minutes=settings.ANCHA_SIGNIN_WINDOW_MINUTES)


def throttle_key(username: str, ip: str) -> str:
    """The keyed hash of one username at one address."""
    return salted_hmac("ancha.signin.pair", f"{username.strip().casefold()}|{ip}", algorithm="sha256").hexdigest()


def delay_seconds(count: int, free: int, cap: int) -> int:
    """How long a rule refuses after its last failure, once `count` has reached `free`."""
    if count < free:
        return 0
    return min(2 ** min(count - free, 32), cap)


def _wait(times: list, count: int, free: int, now) -> float:
    delay = delay_seconds(count, free, settings.ANCHA_SIGNIN_MAX_DELAY_SECONDS)
    if not delay or not times:
        return 0.0
    return max(0.0, (max(times) + timedelta(seconds=delay) - now).total_seconds())


def wait_seconds(username: str, ip: str, device: str = "") -> float:
    """Seconds this try must still wait (0: the password may be checked)."""
    now = timezone.now()
    account, pair = keyed_hash(username), throttle_key(username, ip)
    # One query for the three rules: the rows are few (refused tries are never written, so every
    # rule bounds its own rows) and the counting is simpler read here than in three aggregates.
    rows = list(
        SignInAttempt.objects.filter(at__gte=now - window())
        .filter(Q(key=pair) | Q(account=account) | Q(ip=ip))
        .values_list("key", "account", "ip", "device", "at")
    )
    free = settings.ANCHA_SIGNIN_MAX_FAILURES
    if device:
        mine = [at for _, acc, _, dev, at in rows if acc == account and dev == device]
        return _wait(mine, len(mine), free, now)
    same_pair = [at for key, _, _, _, at in rows if key == pair]
    at_account = [(addr, at) for _, acc, addr, _, at in rows if acc == account]
    from_ip = [(acc, at) for _, acc, addr, _, at in rows if addr == ip]
    return max(
        _wait(same_pair, len(same_pair), free, now),
        _wait([at for _, at in at_account], len({addr for addr, _ in at_account}),
              settings.ANCHA_SIGNIN_ACCOUNT_ADDRESSES, now),
        _wait([at for _, at in from_ip], len({acc for acc, _ in from_ip}), settings.ANCHA_SIGNIN_SPRAY_ACCOUNTS, now),
    )


def count_failure(username: str, ip: str, device: str = "") -> None:
    now = timezone.now()
    SignInAttempt.objects.filter(at__lt=now - window()).delete()  # the ones that no longer count
    SignInAttempt.objects.create(
        key=throttle_key(username, ip), account=keyed_hash(username), ip=ip[:64], device=device[:64], at=now
    )


def clear_failures(username: str, ip: str, device: str = "") -> None:
    """A success at this account starts its count afresh from this address and this device."""
    SignInAttempt.objects.filter(key=throttle_key(username, ip)).delete()
    if device:
        SignInAttempt.objects.filter(account=keyed_hash(username), device=device).delete()


def wait_text(seconds: float) -> str:
    whole = max(1, int(-(-seconds // 1)))
    return f"{whole} 秒" if whole < 60 else f"{-(-whole // 60)} 分钟"


# The same table and delays serve a public form that anyone may try (the visit-code check at the
# door): failures counted per address only, under a keyed hash of scope and address, with `account`
# and `ip` left empty so that the sign-in rules above never count them.


def address_key(scope: str, ip: str) -> str:
    return salted_hmac(f"ancha.{scope}.address", ip, algorithm="sha256").hexdigest()


def address_wait_seconds(scope: str, ip: str, *, free: int) -> float:
    """Seconds the address must still wait before its next try of `scope` (0: go ahead)."""
    now = timezone.now()
    times = list(
        SignInAttempt.objects.filter(key=address_key(scope, ip), at__gte=now - window()).values_list("at", flat=True)
    )
    return _wait(times, len(times), free, now)


def count_address_failure(scope: str, ip: str) -> None:
    now = timezone.now()
    SignInAttempt.objects.filter(at__lt=now - window()).delete()
    SignInAttempt.objects.create(key=address_key(scope, ip), at=now)
