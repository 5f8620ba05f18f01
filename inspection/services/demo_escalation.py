"""The escalation part of `load_demo`: twelve weeks of a believable sanction ladder.

A short script of visits to a few townships, played day by day through the real services: each
morning the sweep (lights, reminders, escalation, follow-ups falling due), then that day's visits
(dispatched as the draw leaves them, findings filed and submitted by the team through the field
services, which apply the ladder), the rectifications the commission accepts, and the follow-up
inspections the ladder scheduled (filed by the team it drew). The result, on any day it is run:

- one township referred for accountability (a critical finding never rectified: reminder, then
  referral 16 days later), still under key management;
- one that went through the whole cycle (summons, accepted rectification, follow-up passed, two
  clean visits, eight weeks) and left key management;
- two more under key management, one with its follow-up passed, one with its rectification still
  running;
- a few ordinary rectifications: one accepted, one overdue after its reminder, one still in time.

Townships already touched by escalation are left alone; the whole step runs once per county.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from inspection.models import AuditEvent, County, Decision, Inspection, Inspector, Rectification, TeamMember, Township
from inspection.services.audit import record_event
from inspection.services.escalation import accept_rectification, run_sweep
from inspection.services.inspections import FindingData, add_finding, submit_inspection

MARKER = "demo.escalation_loaded"
WINDOW_DAYS = 84

# What an inspection team writes for a failed checklist item (by position in checklist v1).
TEXTS = {
    1: "未保工作站仅1名兼职人员，检查时无人在岗值守。",
    2: "包保联系干部近三个月无联系指导记录。",
    3: "关爱资金台账未及时登记，部分支出无凭证。",
    4: "村儿童之家未按规定时间开放，活动记录自上月起未登记。",
    6: "抽查发现上月事实无人抚养儿童基本生活费未按时发放，延迟发放达20余天。",
    9: "控辍保学台账未及时更新，2名学生去向登记不清。",
    11: "2个村卫生室未签订强制报告责任承诺书，流程图未上墙。",
    13: "应急处置预案未根据人员变动修订，本半年度未组织演练。",
    15: "高风险儿童入户走访记录缺失一个月，走访频次不符合每周一次的要求。",
}

# (role in the story (Chinese: printed by load_demo), [(day offset, positions of failed items)], [day offsets of acceptance])
# Offsets count from the start of the twelve-week window; the acceptance closes the township's
# oldest open rectification.
SCRIPT = [
    ("问责建议", [(0, [6, 4])], []),
    ("已退出重点管理", [(3, [15]), (45, [4]), (54, [])], [8, 50]),
    ("重点管理·回头看已通过", [(42, [9])], [47]),
    ("重点管理·整改中", [(72, [1, 3, 11])], []),
    ("整改已验收", [(20, [2])], [30]),
    ("整改逾期", [(60, [13])], []),
    ("整改期限内", [(76, [4])], []),
]


@dataclass
class DemoEscalationReport:
    townships: dict[str, str] = field(default_factory=dict)  # role in the story → township name
    visits: int = 0
    decisions: int = 0
    skipped: bool = False


def _weekday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _team(county: County, township: Township, exclude=()) -> list[Inspector]:
    people = [
        i
        for i in Inspector.objects.filter(county=county, active=True).select_related("user").order_by("user__username")
        if i.home_township_id != township.pk and i.pk not in exclude
    ]
    if len(people) < 2:
        raise ValueError("the demo needs at least two inspectors from outside each township")
    # A fixed but varied pair per township, so the demo reads the same every time.
    start = int(township.code) % len(people)
    return [people[start], people[(start + 1) % len(people)]]


def _file_and_submit(inspection: Inspection, positions: list[int]) -> None:
    members = list(inspection.members.select_related("inspector__user"))
    user = members[0].inspector.user
    for position in positions:
        item = inspection.checklist.items.get(position=position)
        text = TEXTS.get(position, f"{item.area}工作未达到检查清单要求。")
        add_finding(inspection=inspection, user=user, data=FindingData(text=text, item_id=item.pk))
    submit_inspection(inspection=inspection, user=user)


def _visit(county: County, township: Township, on: date, positions: list[int]) -> Inspection:
    checklist = county.checklists.order_by("-version").first()
    inspection = Inspection.objects.create(
        county=county,
        township=township,
        checklist=checklist,
        date=on,
        status=Inspection.Status.DISPATCHED,
        dispatched_at=timezone.now(),
    )
    TeamMember.objects.bulk_create(TeamMember(inspection=inspection, inspector=i) for i in _team(county, township))
    _file_and_submit(inspection, positions)
    return inspection


def _untouched(county: County) -> list[Township]:
    touched = set(Decision.objects.filter(township__county=county).values_list("township_id", flat=True))
    return [
        t
        for t in Township.objects.filter(county=county, active=True, level="normal", key_managed=False).order_by("code")
        if t.pk not in touched
    ]


def load_demo_escalation(*, county: County, today: date | None = None) -> DemoEscalationReport:
    """Play the script over the last twelve weeks. Runs once per county (idempotent)."""
    report = DemoEscalationReport()
    if AuditEvent.objects.filter(action=MARKER, county_code=county.code).exists():
        report.skipped = True
        return report
    today = today or timezone.localdate()
    start = _weekday(today - timedelta(days=WINDOW_DAYS))
    townships = _untouched(county)
    # Spread the story over the county rather than the first few codes.
    step = max(1, len(townships) // max(1, len(SCRIPT)))
    cast = {role: townships[i * step] for i, (role, _, _) in enumerate(SCRIPT) if i * step < len(townships)}
    visits: dict[date, list[tuple[Township, list[int]]]] = {}
    accepts: dict[date, list[Township]] = {}
    for role, plan, accepted in SCRIPT:
        if role not in cast:
            continue
        report.townships[role] = cast[role].name
        for offset, positions in plan:
            on = _weekday(start + timedelta(days=offset))
            if on < today:
                visits.setdefault(on, []).append((cast[role], positions))
        for offset in accepted:
            on = start + timedelta(days=offset)
            if on < today:
                accepts.setdefault(on, []).append(cast[role])

    day = start
    while day <= today:
        report.decisions += len(run_sweep(as_of=day, county=county).decisions)
        with transaction.atomic():
            for township, positions in visits.get(day, []):
                _visit(county, township, day, positions)
                report.visits += 1
            # The follow-ups the ladder planned and the sweep dispatched this morning: the team
            # it drew finds the problems put right.
            for follow_up in Inspection.objects.filter(
                county=county, kind=Inspection.Kind.FOLLOW_UP, status=Inspection.Status.DISPATCHED, date=day
            ):
                _file_and_submit(follow_up, [])
                report.visits += 1
            for township in accepts.get(day, []):
                rect = (
                    Rectification.objects.filter(township=township, state__in=["open", "reported"])
                    .order_by("opened_on", "id")
                    .first()
                )
                if rect is not None:
                    report.decisions += len(accept_rectification(rectification=rect, on=day))
        day += timedelta(days=1)
    report.decisions = Decision.objects.filter(township__county=county).count()
    record_event(MARKER, county=county, data={"townships": report.townships, "visits": report.visits})
    return report
