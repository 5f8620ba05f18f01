"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

A successful sign-in leaves a signed cookie naming the account and a per-device nonce. A browser
that presents a valid one for the account it signs in to is judged by the throttle only on its
own failures (inspection/security/throttle.py), so guesses at the account from elsewhere do not
slow its owner. The cookie proves nothing but an earlier sign-in on this browser: it signs no one
in and replaces no password.
"""

import secrets
from datetime import timedelta

from django.conf import settings

COOKIE = "ancha_device"
SALT = "ancha.security.device"
MAX_AGE = timedelta(days=365)


def device_nonce(request, username: str) -> str:
    """The nonce of this browser's device cookie if it is valid for `username`, else ""."""
    if request is None or not hasattr(request, "get_signed_cookie"):
        return ""
    value = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=MAX_AGE)
    if not value:
        return ""
    name, _, nonce = value.rpartition(":")
    return nonce if nonce and name.casefold() == str(username).strip().casefold() else ""


def remember_device(request, username: str) -> None:
    """Ask DeviceCookieMiddleware to (re)set the cookie on this reply; a browser keeps its nonce."""
    if request is None:
        return
    nonce = device_nonce(request, username) or secrets.token_urlsafe(16)
    request._ancha_device_cookie = f"{username}:{nonce}"


class DeviceCookieMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = getattr(request, "_ancha_device_cookie", None)
        if value:
            response.set_signed_cookie(
                COOKIE, value, salt=SALT, max_age=int(MAX_AGE.total_seconds()), httponly=True,
                secure=settings.SESSION_COOKIE_SECURE, samesite="Lax",
            )
        return response
