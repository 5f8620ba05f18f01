"""Public authenticity check of a notice: GET /api/v1/verify/{code} (no sign-in).

A code that belongs to no issued notice answers 404 with the same words whatever the reason
(malformed, made up, a draft's), so the endpoint tells nothing but "not ours".
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Router, Schema, Status

from inspection.api.common import ClientRateThrottle, ErrorOut
from inspection.services.notices import find_by_verify_code, public_facts

router = Router(tags=["verify"])

NOT_FOUND = "未找到与该验证码对应的文书，请核对验证码；如仍无法核验，该文书可能是伪造的"


class TownshipRef(Schema):
    code: str
    name: str


class VerifyOut(Schema):
    code: str
    number: str
    kind: str
    kind_label: str
    issuer: str
    issued_on: date | None
    township: TownshipRef | None
    sha256: str
    status: Literal["valid", "void"]


@router.get("/{code}", auth=None, response={200: VerifyOut, 404: ErrorOut},
            throttle=[ClientRateThrottle("60/m")], url_name="verify")
def verify(request, code: str):
    notice = find_by_verify_code(code)
    if notice is None:
        return Status(404, {"detail": NOT_FOUND})
    return Status(200, public_facts(notice))
