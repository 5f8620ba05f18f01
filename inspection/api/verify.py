"""Public authenticity check of a notice: GET /api/v1/verify/{code} (no sign-in).

A code that belongs to no issued notice answers 404 with the same words whatever the reason
(malformed, made up, a draft's), so the endpoint tells nothing but "not ours".
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field, Router, Schema, Status

from inspection.api.common import ClientRateThrottle, ErrorOut
from inspection.security.log import security_event
from inspection.services.verification import find_verifiable, public_facts, stored_pdf_damage

router = Router(tags=["verify"])

ARCHIVE_DAMAGED = "本系统存档的该文书 PDF 已损坏或缺失，与印发时记录的 SHA-256 不符；这不表示所持文书是伪造的，请以上列记录核对或向发文机关核实"
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
    archive: Literal["intact", "damaged"] = Field(
        description="damaged: the stored PDF is not the one whose SHA-256 was recorded at issue "
        "(the archive copy is at fault, not the paper)"
    )
    archive_detail: str = ""


@router.get("/{code}", auth=None, response={200: VerifyOut, 404: ErrorOut},
            throttle=[ClientRateThrottle("60/m")], url_name="verify")
def verify(request, code: str):
    notice = find_verifiable(code)
    if notice is None:
        return Status(404, {"detail": NOT_FOUND})
    damage = stored_pdf_damage(notice)
    if damage is not None:
        security_event("archive.damaged", request=request, **damage.log_fields())
        return Status(200, {**public_facts(notice), "archive": "damaged", "archive_detail": ARCHIVE_DAMAGED})
    return Status(200, {**public_facts(notice), "archive": "intact"})
