"""Downloads of the county's record put on the audit record: who took which list, of which
period and township, in which format (the ledger's own export records `ledger.exported`)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from inspection.models import County
from inspection.services.audit import record_event

KINDS = ("inspections", "findings", "summary")
FORMATS = ("csv", "xlsx", "pdf")


@transaction.atomic
def record_export(*, user, county: County, what: str, fmt: str, first: date, last: date,
                  township: str | None = None) -> None:
    if what not in KINDS or fmt not in FORMATS:
        raise ValueError(f"unknown export {what!r} as {fmt!r}")
    action = "export.downloaded"
    if what == "summary":
        action = "summary.exported"
    record_event(action, actor=user, county=county, data={
        "what": what, "format": fmt, "first": first.isoformat(), "last": last.isoformat(), "township": township,
    })
