"""Visit codes (无扰督查): the public check at the door and the township's confirmation.

`GET /api/v1/visit-codes/check?code=...` and `POST /api/v1/visit-codes/check` `{code}` need no
sign-in and answer only `result` (`valid` | `invalid` | `expired`), the commission's name and the
visit's date; they write nothing a township can read, and invalid tries are throttled per address
(429). `POST /api/v1/visit-codes/confirm` `{code}` is the township official's end-of-visit
confirmation: 201 the first time, 200 with the same confirmation afterwards.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from inspection.access import official_township
from inspection.api.common import ErrorOut
from inspection.security.visit_check import checked
from inspection.services.visit_codes import confirm_visit

router = Router(tags=["visit-codes"])

CODE_HELP = "核验码，如 1234-ABCDE-FGHJK"


class VisitCodeIn(Schema):
    code: str = Field(..., min_length=1, max_length=64, description=CODE_HELP)


class VisitCheckOut(Schema):
    result: Literal["valid", "invalid", "expired"]
    county: str | None = Field(None, description="签发核验码的委员会（仅真实的核验码）")
    date: dt.date | None = Field(None, description="核验码的有效日期（仅真实的核验码）")


class VisitConfirmationOut(Schema):
    inspection: int
    township: str
    date: dt.date
    confirmed_at: dt.datetime


def _answer(request, code: str):
    return Status(200, checked(request, code).public())


@router.get("/check", auth=None, response={200: VisitCheckOut, 422: ErrorOut, 429: ErrorOut}, url_name="visit_code_check")
def check_get(request, code: str = Query(..., min_length=1, max_length=64, description=CODE_HELP)):
    return _answer(request, code)


@router.post("/check", auth=None, response={200: VisitCheckOut, 422: ErrorOut, 429: ErrorOut},
             url_name="visit_code_check_post")
def check_post(request, body: VisitCodeIn):
    return _answer(request, body.code)


@router.post("/confirm", response={200: VisitConfirmationOut, 201: VisitConfirmationOut, 403: ErrorOut, 409: ErrorOut},
             url_name="visit_code_confirm")
def confirm(request, body: VisitCodeIn):
    confirmation, newly = confirm_visit(user=request.auth, code=body.code, township=official_township(request.auth))
    inspection = confirmation.inspection
    return Status(201 if newly else 200, {
        "inspection": inspection.pk, "township": inspection.township.code, "date": inspection.date,
        "confirmed_at": confirmation.confirmed_at,
    })
