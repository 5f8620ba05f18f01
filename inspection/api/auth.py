"""Sign-in for the field app (bearer tokens) and the web (session + CSRF); `me`."""

import hashlib
import secrets

from django.contrib.auth import authenticate
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import AnonRateThrottle

from inspection.access import official_township, profile_of
from inspection.errors import InspectionError
from inspection.models import ApiToken
from inspection.security.signin import THROTTLED_MESSAGE, window
from inspection.services.audit import record_event


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        row = ApiToken.objects.select_related("user").filter(token_hash=_token_hash(token)).first()
        if row is None or not row.user.is_active:
            return None
        request.user = row.user
        return row.user


class SessionAuth(APIKeyCookie):
    """Django's session cookie; CSRF is checked on unsafe methods (csrf=True)."""

    param_name = "sessionid"

    def __init__(self):
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    """Read from the signed-in user."""

    username: str
    name: str
    role: str | None
    county: str | None
    county_name: str | None
    township: str | None

    @staticmethod
    def resolve_username(user) -> str:
        return user.get_username()

    @staticmethod
    def resolve_name(user) -> str:
        return user.get_full_name() or user.get_username()

    @staticmethod
    def resolve_role(user) -> str | None:
        profile = profile_of(user)
        return profile.role if profile else None

    @staticmethod
    def resolve_county(user) -> str | None:
        profile = profile_of(user)
        return profile.county.code if profile else None

    @staticmethod
    def resolve_county_name(user) -> str | None:
        profile = profile_of(user)
        return profile.county.name if profile else None

    @staticmethod
    def resolve_township(user) -> str | None:
        township = official_township(user)
        if township is None and hasattr(user, "inspector"):
            township = user.inspector.home_township
        return township.code if township else None


@router.post(
    "/auth/token", auth=None, response=TokenOut, throttle=[AnonRateThrottle("20/m")], url_name="token"
)
def issue_token(request, body: TokenIn):
    # A refusal is recorded by the sign-in receivers (inspection.security.signin), which keep
    # unknown usernames (often a mistyped password) out of the permanent record.
    user = authenticate(request, username=body.username[:150], password=body.password[:256])
    if getattr(request, "_ancha_signin_throttled", False):
        raise _Throttled(THROTTLED_MESSAGE.format(minutes=int(window().total_seconds() // 60)))
    if user is None or profile_of(user) is None:
        raise _Unauthorized("用户名或密码错误")
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, token_hash=_token_hash(token))
    record_event("auth.token_issued", actor=user, county=user.profile.county)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return {"token": token}


class _Unauthorized(InspectionError):
    status = 401


class _Throttled(InspectionError):
    status = 429


@router.get("/me", response=MeOut, url_name="me")
def me(request):
    return request.auth
