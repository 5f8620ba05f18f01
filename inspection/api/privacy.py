"""The personal-data check the inspector's page calls before a finding is filed:
POST /api/v1/privacy/check (inspectors and the commission, throttled per account).

It only reads the text it is sent and answers what `privacy` finds; nothing is stored or logged,
so a text typed and then withdrawn leaves no trace. Filing is never blocked: the warning asks the
inspector to think, the letters mask what is found whatever the inspector decides.
"""

from ninja import Field, Router, Schema, Status
from ninja.throttling import AuthRateThrottle
from pydantic import ConfigDict

import privacy
from inspection.access import role_of
from inspection.api.common import ErrorOut
from inspection.models import Role
from inspection.services.inspections import LOCATION_MAX, TEXT_MAX

router = Router(tags=["privacy"])

CHECK_RATE = "60/m"
MAY_CHECK = (Role.INSPECTOR, Role.COMMISSION)


class AccountThrottle(AuthRateThrottle):
    """Per signed-in account (its id, whichever way it signed in), so a shared office address
    does not throttle a whole team."""

    scope = "privacy"

    def get_cache_key(self, request) -> str:
        return self.cache_format % {"scope": self.scope, "ident": getattr(request.auth, "pk", "")}


class CheckIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., max_length=TEXT_MAX)
    location: str = Field("", max_length=LOCATION_MAX)


class HitOut(Schema):
    field: str = Field(description="text 或 location")
    kind: str
    label: str
    start: int
    end: int
    masked: str


class CheckOut(Schema):
    warnings: list[str] = Field(description="给督查组成员看的中文提示；为空表示未发现个人信息")
    hits: list[HitOut]
    masked_text: str
    masked_location: str


def warnings_for(text: str, location: str = "") -> list[str]:
    """The Chinese warnings for a finding's text and place together (one per kind)."""
    return privacy.warnings(f"{text}\n{location}" if location else text)


@router.post("/check", response={200: CheckOut, 403: ErrorOut, 422: ErrorOut},
             throttle=[AccountThrottle(CHECK_RATE)], url_name="privacy_check")
def check(request, payload: CheckIn):
    if role_of(request.auth) not in MAY_CHECK:
        return Status(403, {"detail": "只有督查组成员和未保办工作人员可以使用个人信息检查"})
    hits = [
        {"field": name, "kind": h.kind, "label": privacy.KIND_LABELS[h.kind], "start": h.start, "end": h.end,
         "masked": h.masked}
        for name, value in (("text", payload.text), ("location", payload.location))
        for h in privacy.find(value)
    ]
    return Status(200, {
        "warnings": warnings_for(payload.text, payload.location),
        "hits": hits,
        "masked_text": privacy.mask(payload.text),
        "masked_location": privacy.mask(payload.location),
    })
