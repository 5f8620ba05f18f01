"""Sign-in: audit and log every sign-in, failure and sign-out; throttle guessing.

Throttling counts failed sign-ins per username and client address over a window, in a table of
attempts (`SignInAttempt`), so it holds across app servers, worker processes and restarts. It
sits in the authentication backend, so the web form and the API token endpoint are throttled
alike. A success from the same address starts the count afresh.

Attempted usernames that are not accounts are not written to the permanent record: people
type their password into the username field.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.dispatch import receiver
from django.utils import timezone

from inspection.models import Profile, SignInAttempt
from inspection.security.log import client_ip, security_event
from inspection.services.audit import record_event

SIGNIN = "signin"
FAILED = "auth.login_failed"
SUCCEEDED = "auth.login"
THROTTLED_MESSAGE = "登录失败次数过多，请 {minutes} 分钟后再试。"


def max_failures() -> int:
    return settings.ANCHA_SIGNIN_MAX_FAILURES


def window() -> timedelta:
    return timedelta(minutes=settings.ANCHA_SIGNIN_WINDOW_MINUTES)


def throttle_key(username: str, ip: str) -> str:
    return hashlib.sha256(f"{username.strip().casefold()}|{ip}".encode("utf-8")).hexdigest()


def recent_failures(username: str, ip: str) -> int:
    """Failed sign-ins for this username from this address within the window, since the last success."""
    return SignInAttempt.objects.filter(key=throttle_key(username, ip), at__gte=timezone.now() - window()).count()


def _count_failure(key: str) -> None:
    now = timezone.now()
    SignInAttempt.objects.filter(key=key, at__lt=now - window()).delete()  # the ones that no longer count
    SignInAttempt.objects.create(key=key, at=now)


def is_throttled(username: str, ip: str) -> bool:
    return recent_failures(username, ip) >= max_failures()


def _via(request) -> str:
    return "api" if request is not None and request.path.startswith("/api/") else "web"


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing to check a password once its username+address is throttled."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is not None and is_throttled(str(username), client_ip(request)):
            if request is not None:
                request._ancha_signin_throttled = True
            raise PermissionDenied  # authenticate() stops here and sends user_login_failed
        return super().authenticate(request, username=username, password=password, **kwargs)


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码错误，请重试。",
        "inactive": "用户名或密码错误，请重试。",
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "_ancha_signin_throttled", False):
                minutes = int(window().total_seconds() // 60)
                raise ValidationError(THROTTLED_MESSAGE.format(minutes=minutes), code="throttled") from None
            raise


def _county_of(user):
    profile = Profile.objects.filter(user=user).select_related("county").first()
    return profile.county if profile else None


@receiver(user_login_failed, dispatch_uid="ancha-signin-failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", credentials.get(get_user_model().USERNAME_FIELD, "")))[:150]
    ip = client_ip(request)
    if getattr(request, "_ancha_signin_throttled", False):
        security_event("signin.throttled", request=request, username=username, via=_via(request))
        return
    account = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    known = account is not None
    key = throttle_key(username, ip)
    try:
        _count_failure(key)
        record_event(
            FAILED,
            object_type=SIGNIN,
            object_id=key,
            county=_county_of(account) if known else None,
            data={"username": username if known else "", "ip": ip, "via": _via(request)},
        )
    except DatabaseError:  # the log line below still records it
        pass
    security_event("signin.failed", request=request, username=username if known else "", known=known, via=_via(request))


@receiver(user_logged_in, dispatch_uid="ancha-signin-succeeded")
def _on_logged_in(sender, request, user, **kwargs):
    ip = client_ip(request)
    key = throttle_key(user.get_username(), ip)
    SignInAttempt.objects.filter(key=key).delete()
    record_event(
        SUCCEEDED,
        actor=user,
        object_type=SIGNIN,
        object_id=key,
        county=_county_of(user),
        data={"ip": ip, "via": _via(request)},
    )
    security_event("signin.succeeded", request=request, level=20, user=user.get_username())


@receiver(user_logged_out, dispatch_uid="ancha-signout")
def _on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    record_event("auth.logout", actor=user, obj=user, county=_county_of(user), data={"ip": client_ip(request)})
    security_event("signout", request=request, level=20, user=user.get_username())
