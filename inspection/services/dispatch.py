"""Dispatch (派出): a planned inspection becomes visible to its team the morning of the visit.

One path for both kinds: drawn inspections (`draws.dispatch_due`) and follow-ups (回头看, the
escalation sweep).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from inspection.models import Inspection
from inspection.services.audit import record_event
from inspection.services.coverage_summary import refresh_coverage


def dispatch_planned(due: QuerySet[Inspection], *, actor=None) -> int:
    """Dispatch the still-planned inspections of `due`, oldest first, each in its own
    (nested) transaction; one dispatched meanwhile by another process is skipped. Returns
    how many this call dispatched."""
    count = 0
    planned = due.filter(status=Inspection.Status.PLANNED).select_related("county", "township")
    for inspection in planned.order_by("date", "id"):
        with transaction.atomic():
            updated = Inspection.objects.filter(pk=inspection.pk, status=Inspection.Status.PLANNED).update(
                status=Inspection.Status.DISPATCHED, dispatched_at=timezone.now()
            )
            if updated:
                record_event(
                    "inspection.dispatched", actor=actor, obj=inspection, county=inspection.county,
                    data={"township": inspection.township.code, "date": inspection.date.isoformat(),
                          "kind": inspection.kind},
                )
                refresh_coverage(township=inspection.township)
                count += 1
    return count
