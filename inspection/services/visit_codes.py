"""Visit codes (无扰督查, issue 16): the code a team shows at the door, its public check, and the
township official's end-of-visit confirmation.

A code is the visit's reference (the inspection id) and ten Crockford base32 characters, 50 bits
of HMAC-SHA256 under the county's own key (`County.visit_code_secret`) over county, inspection,
township and date, shown as `1234-ABCDE-FGHJK`. It is derived, never stored: it exists only for a
dispatched (or since submitted) visit and holds only on the visit's own day. A code replayed from
another day, visit, township or county, or altered in any character, fails the MAC.

The public check writes nothing a township can read: no row, no audit event (the audit chain's
heads are public, so even a counter there would tell a township that a visit is under way
somewhere). Failed checks are counted per address by the throttle, as keyed hashes that expire
with its window; refusals go to the security log, which only the operators read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from inspection.errors import Conflict, Forbidden
from inspection.models import Inspection, VisitConfirmation
from inspection.services.audit import record_event

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAC_CHARS = 10  # 50 bits: guessing one is hopeless behind a throttle of a few tries a minute
DOMAIN = "ancha.visit-code.v1"
# The states in which a visit has a code: dispatched, or submitted on its day. A planned visit has
# none; a missed or cancelled one has lost it.
LIVE = (Inspection.Status.DISPATCHED, Inspection.Status.SUBMITTED)
_SHAPE = re.compile(r"^([0-9]{1,12})([0-9A-HJKMNP-TV-Z]{%d})$" % MAC_CHARS)
# What people type for a Crockford character that is not in the alphabet.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})

VALID, INVALID, EXPIRED = "valid", "invalid", "expired"
NO_CODE_YET = "该次检查尚未派出，没有核验码"
ONLY_ON_THE_DAY = "核验码只在检查当天提供"
NOT_YOURS = "核验码无效，或不是本乡镇今天这次检查的核验码；请与督查组当面核对"


@dataclass(frozen=True)
class VisitCode:
    text: str  # as shown and typed: "1234-ABCDE-FGHJK"
    date: date


@dataclass(frozen=True)
class CheckResult:
    verdict: str  # VALID | INVALID | EXPIRED
    county: str = ""  # the commission's name, for a genuine code only
    date: date | None = None
    inspection: Inspection | None = None  # for the services only; never shown to the public

    def public(self) -> dict:
        """All a stranger at the door learns: genuine or not, whose, and for which day."""
        return {"result": self.verdict, "county": self.county or None, "date": self.date}


def _mac(inspection: Inspection) -> str:
    message = "|".join(
        [DOMAIN, inspection.county.code, str(inspection.pk), inspection.township.code, inspection.date.isoformat()]
    )
    digest = hmac.new(bytes.fromhex(inspection.county.visit_code_secret), message.encode(), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:8], "big") >> (64 - 5 * MAC_CHARS)
    return "".join(CROCKFORD[(bits >> (5 * i)) & 31] for i in reversed(range(MAC_CHARS)))


def _shown(inspection_id: int, mac: str) -> str:
    return f"{inspection_id}-{mac[:5]}-{mac[5:]}"


def code_for(inspection: Inspection, *, today: date | None = None) -> VisitCode:
    """The code of a dispatched visit on its day; refused for a planned one (no code exists before
    dispatch) and on any other day."""
    if inspection.status not in LIVE or inspection.dispatched_at is None:
        raise Conflict(NO_CODE_YET)
    if inspection.date != (today or timezone.localdate()):
        raise Conflict(ONLY_ON_THE_DAY)
    return VisitCode(text=_shown(inspection.pk, _mac(inspection)), date=inspection.date)


def parse(text: str) -> tuple[int, str] | None:
    """(reference, MAC) of a typed or scanned code, forgiving spaces, dashes, case, full-width
    characters and O/I/L for 0/1; None if it cannot be a code."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    flat = unicodedata.normalize("NFKC", text).upper().translate(_READ_AS)
    flat = re.sub(r"[\s\-‐‑‒–—―－_.·]", "", flat)
    match = _SHAPE.match(flat)
    if match is None:
        return None
    return int(match.group(1)), match.group(2)


def check_code(text: str, *, today: date | None = None) -> CheckResult:
    """Genuine (today), expired (genuine, another day) or invalid; reads, never writes."""
    parsed = parse(text)
    if parsed is None:
        return CheckResult(INVALID)
    reference, mac = parsed
    inspection = (
        Inspection.objects.select_related("county", "township")
        .filter(pk=reference, status__in=LIVE, dispatched_at__isnull=False).first()
    )
    # Compare even when there is no such visit, so that the time taken does not say which ids exist.
    expected = _mac(inspection) if inspection is not None else "0" * MAC_CHARS
    if not hmac.compare_digest(expected.encode(), mac.encode()) or inspection is None:
        return CheckResult(INVALID)
    today = today or timezone.localdate()
    if inspection.date > today:  # cannot happen (dispatch is on the day); never call it genuine
        return CheckResult(INVALID)
    verdict = VALID if inspection.date == today else EXPIRED
    return CheckResult(verdict, county=inspection.county.authority_name, date=inspection.date, inspection=inspection)


@transaction.atomic
def confirm_visit(*, user, code: str, township) -> tuple[VisitConfirmation, bool]:
    """The official of `township` confirms at the end of the visit, with the team's code, that it
    took place; returns (confirmation, newly). A second confirmation of the same visit changes
    nothing. Any code that is not today's code of a visit to this township is refused with the
    same words, so that the portal tells nothing about other townships' visits."""
    if township is None:
        raise Forbidden("只有乡镇分管负责人可以确认暗查")
    result = check_code(code)
    inspection = result.inspection
    if result.verdict != VALID or inspection is None or inspection.township_id != township.pk:
        raise Conflict(NOT_YOURS)
    inspection = Inspection.objects.select_for_update().select_related("county", "township").get(pk=inspection.pk)
    if inspection.status not in LIVE:
        raise Conflict(NOT_YOURS)
    existing = VisitConfirmation.objects.filter(inspection=inspection).first()
    if existing is not None:
        return existing, False
    confirmation = VisitConfirmation.objects.create(inspection=inspection, confirmed_at=timezone.now(), confirmed_by=user)
    record_event(
        "visit.confirmed", actor=user, obj=inspection, county=inspection.county,
        data={"township": inspection.township.code, "date": inspection.date.isoformat(),
              "confirmed_at": confirmation.confirmed_at.isoformat()},
    )
    return confirmation, True


def unconfirmed(inspection: Inspection) -> bool:
    """A submitted visit the township never confirmed: flagged to the commission."""
    if inspection.status != Inspection.Status.SUBMITTED:
        return False
    try:
        inspection.confirmation
    except VisitConfirmation.DoesNotExist:
        return True
    return False
