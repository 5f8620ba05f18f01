"""Sign-in: throttle guessing, log failures, audit sign-ins and sign-outs.

The throttle (inspection/security/throttle.py) sits in the authentication backend, so the web
form and the API token endpoint are throttled alike, by the same rows.

A stranger must not be able to write to the permanent record: failed and throttled sign-ins go
only to the security log, where the attempted username appears as a keyed hash (people type their
password into the username box). Successful sign-ins and sign-outs, which need the password, stay
in the audit chain.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.dispatch import receiver

from inspection.models import Profile
from inspection.security.devices import device_nonce, remember_device
from inspection.security.request_user import user_with_profile
from inspection.security.log import client_ip, keyed_hash, security_event
from inspection.security.throttle import (
    clear_failures,
    count_failure,
    throttle_key,
    wait_seconds,
    wait_text,
    window,
)
from inspection.services.audit import record_event

__all__ = ["THROTTLED_MESSAGE", "SignInForm", "ThrottledModelBackend", "password_accepted", "throttle_key",
           "throttled_message", "window"]

SIGNIN = "signin"
SUCCEEDED = "auth.login"
THROTTLED_MESSAGE = "登录失败次数过多，请 {wait}后再试。"


def throttled_message(request) -> str:
    return THROTTLED_MESSAGE.format(wait=wait_text(getattr(request, "_ancha_signin_throttled", 1)))


def _via(request) -> str:
    return "api" if request is not None and request.path.startswith("/api/") else "web"


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing to check a password while the throttle says wait."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is not None:
            wait = wait_seconds(str(username), client_ip(request), device_nonce(request, str(username)))
            if wait > 0:
                if request is not None:
                    request._ancha_signin_throttled = wait
                raise PermissionDenied  # authenticate() stops here and sends user_login_failed
            if "\x00" in str(username):
                # No account has one, and PostgreSQL cannot be asked; hash anyway, as for any
                # unknown name, so the answer takes as long as a real refusal.
                get_user_model()().set_password(password)
                return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """The signed-in user of each request with the profile and county every page asks for next,
        in the one query Django makes anyway (issue 14: three round trips were two too many)."""
        user = user_with_profile(user_id)  # one fixed statement: the ORM's compiling cost more than the read
        return user if user is not None and self.user_can_authenticate(user) else None


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
                raise ValidationError(throttled_message(self.request), code="throttled") from None
            raise


def _county_of(user):
    profile = Profile.objects.filter(user=user).select_related("county").first()
    return profile.county if profile else None


@receiver(user_login_failed, dispatch_uid="ancha-signin-failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", credentials.get(get_user_model().USERNAME_FIELD, "")))[:150]
    fields = {"account": keyed_hash(username), "via": _via(request)}
    wait = getattr(request, "_ancha_signin_throttled", False)
    if wait:
        security_event("signin.throttled", request=request, wait=int(wait) + 1, **fields)
        return
    device = device_nonce(request, username)
    try:
        count_failure(username, client_ip(request), device)
    except DatabaseError:  # the log line below still records it
        pass
    # PostgreSQL cannot hold a NUL: such a name is no account, and asking would be a 500.
    known = "\x00" not in username and get_user_model()._default_manager.filter(
        **{get_user_model().USERNAME_FIELD: username}).exists()
    security_event("signin.failed", request=request, known=known, device=bool(device), **fields)


def password_accepted(request, user) -> None:
    """After a right password (web session or API token): this address's and this device's count
    starts afresh, and the browser gets (or keeps) its device cookie."""
    clear_failures(user.get_username(), client_ip(request), device_nonce(request, user.get_username()))
    remember_device(request, user.get_username())


@receiver(user_logged_in, dispatch_uid="ancha-signin-succeeded")
def _on_logged_in(sender, request, user, **kwargs):
    ip = client_ip(request)
    password_accepted(request, user)
    record_event(
        SUCCEEDED,
        actor=user,
        object_type=SIGNIN,
        object_id=throttle_key(user.get_username(), ip),
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
