"""Sign-in for the field app (bearer tokens) and the web (session + CSRF); `me`; the caller's tokens.

The token endpoint is throttled by the shared sign-in throttle (inspection/security/throttle.py),
per account, address and device, in the database: no per-process counter that a forged
X-Forwarded-For or a second worker would get round.
"""

from datetime import datetime

from django.contrib.auth import authenticate
from django.utils import timezone
from ninja import Router, Schema, Status

from ninja.security import APIKeyCookie, HttpBearer

from inspection.access import get_visible, official_township, own_tokens, profile_of
from inspection.api.common import Id
from inspection.errors import Forbidden, InspectionError
from inspection.models import ApiToken
from inspection.security.signin import password_accepted, throttled_message
from inspection.services import tokens
from inspection.services.tokens import token_hash as _token_hash  # noqa: F401  tests build tokens with it


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        # An expired or revoked token is told so (401 with the reason), not merely "invalid".
        row = tokens.check_token(secret=token)
        request.user = row.user
        request.api_token = row
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
    label: str = ""


class TokenOut(Schema):
    token: str
    expires_at: datetime | None = None


class TokenInfoOut(Schema):
    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str
    current: bool = False


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


@router.post("/auth/token", auth=None, response=TokenOut, url_name="token")
def issue_token(request, body: TokenIn):
    # A refusal is logged by the sign-in receivers (inspection.security.signin), in the security
    # log only: a stranger's guesses write nothing to the permanent record.
    user = authenticate(request, username=body.username[:150], password=body.password[:256])
    if getattr(request, "_ancha_signin_throttled", False):
        raise _Throttled(throttled_message(request))
    if user is None or profile_of(user) is None:
        raise _Unauthorized("用户名或密码错误")
    password_accepted(request, user)
    if profile_of(user).must_change_password:
        raise Forbidden("您的密码是未保办发放的临时密码，请先在网页上登录并修改密码，再登录现场应用")
    row, secret = tokens.issue_token(user=user, label=body.label)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return {"token": secret, "expires_at": row.expires_at}


def _token_info(request, row: ApiToken) -> dict:
    current = getattr(request, "api_token", None)
    return {
        "id": row.pk, "label": row.label, "created_at": row.created_at, "last_used_at": row.last_used_at,
        "expires_at": row.expires_at, "revoked_at": row.revoked_at, "revoked_reason": row.revoked_reason,
        "current": current is not None and current.pk == row.pk,
    }


@router.get("/auth/tokens", response=list[TokenInfoOut], url_name="tokens")
def list_tokens(request):
    """The caller's own tokens, newest first, live or dead."""
    return [_token_info(request, row) for row in own_tokens(request.auth)[:100]]


@router.delete("/auth/token", response={204: None}, url_name="token_revoke_current")
def revoke_current_token(request):
    """Signs this device out of the API: the bearer token of this request dies."""
    current = getattr(request, "api_token", None)
    if current is None:
        raise _BadRequest("本请求未使用 API 令牌")
    tokens.revoke_token(token=current, actor=request.auth, reason=ApiToken.Revoked.USER)
    return Status(204, None)


@router.delete("/auth/tokens/{token_id}", response={204: None}, url_name="token_revoke")
def revoke_own_token(request, token_id: Id):
    row = get_visible(own_tokens(request.auth), pk=token_id)
    tokens.revoke_token(token=row, actor=request.auth, reason=ApiToken.Revoked.USER)
    return Status(204, None)


class _Unauthorized(InspectionError):
    status = 401


class _Throttled(InspectionError):
    status = 429


class _BadRequest(InspectionError):
    status = 400


@router.get("/me", response=MeOut, url_name="me")
def me(request):
    return request.auth
