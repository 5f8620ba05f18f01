"""The draw part of `load_demo`: N past weeks and the current one, through the real draw service.

Each week is sealed the Friday before it, dispatched day by day, and revealed once over; the
current week stays sealed with today's visits dispatched and open. A past week's visits are
submitted by their team (no findings) except in the townships the escalation step tells its
story with, whose record that step owns.
"""

from __future__ import annotations

from datetime import date

from inspection.models import County, Decision, Draw, Inspection, Township
from inspection.services.draws import run_weeks
from inspection.services.inspections import submit_inspection

# Two slots on every weekday (rotation.default_weekdays(10)): whatever day the demo is loaded,
# the last weekday up to today has at least two visits dispatched and still open.
DEMO_CAPACITY = 10


def _in_escalation_story(township: Township) -> bool:
    return township.key_managed or township.level != "normal" or Decision.objects.filter(township=township).exists()


def _file_past_week(draw: Draw) -> None:
    for inspection in Inspection.objects.filter(draw=draw, status=Inspection.Status.DISPATCHED).select_related("township"):
        if _in_escalation_story(inspection.township):
            continue
        member = inspection.members.select_related("inspector__user").order_by("id").first()
        submit_inspection(inspection=inspection, user=member.inspector.user)


def load_demo_draws(*, county: County, weeks: int, today: date | None = None) -> list[Draw]:
    if not Draw.objects.filter(county=county).exists() and county.inspections_per_week < DEMO_CAPACITY:
        county.inspections_per_week = DEMO_CAPACITY
        county.save(update_fields=["inspections_per_week"])
    return run_weeks(county=county, weeks=weeks, today=today, after_week=_file_past_week)
