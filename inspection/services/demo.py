"""`load_demo`'s history: N past weeks of a county's work on one timeline, through the real services.

Day by day from the first simulated week to today: on Friday evening the next week's draw is
sealed; each morning the sweep runs (lights, reminders, escalations, follow-ups falling due),
the day's visits are dispatched, the teams file their findings and submit (which applies the
sanction ladder and drafts the notices), the commission issues yesterday's drafts, officials
sign for what they received and report their rectification, and the commission accepts the
reports; past weeks are revealed. Today's visits stay dispatched and open, the current week's
draw stays sealed, and the last day's drafts wait for the commission.

Each day runs with the clock set to that day (the demo's own clock, `_travel`), so every date the services write —
letter dates, acknowledgement times, audit times — reads as it would have on the day.

Most townships are visited as the draw decides and do well or put right what was found. A short
script gives a few townships a believable story on the ladder:

- one referred for accountability (a critical finding left unrectified: reminder, then referral
  16 days later), which then acts: its report is accepted, the follow-up passes, it leaves key
  management;
- one that went through the whole cycle (summons, rectification accepted, follow-up passed, two
  clean visits, eight weeks) and left key management;
- two more under key management, one with its follow-up passed, one still rectifying;
- a few ordinary rectifications: one accepted, one overdue after its reminder, one still in time.

It runs once per county (`County.demo_loaded_at`); a later run only brings the draw up to date.
"""

from __future__ import annotations

import random
import zoneinfo
from dataclasses import dataclass, field
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from time import monotonic

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

import rotation
from inspection.models import (
    County,
    Draw,
    Inspection,
    Inspector,
    Notice,
    NoticeResponse,
    Rectification,
    TeamMember,
    Township,
)
from inspection.services.audit import record_event
from inspection.services.coverage_summary import refresh_coverage
from inspection.services.calendar import work_calendar
from inspection.services.draws import dispatch_due, reveal_due, seal_draw
from inspection.services.escalation import accept_rectification, run_sweep
from inspection.services.inspections import FindingData, add_finding, submit_inspection
from inspection.services.notices import issue_notices
from inspection.services.responses import accept_response, acknowledge_notice, file_response

MARKER = "demo.history_loaded"

# Two visits on every weekday: whatever day the demo is loaded, the last weekday up to today has
# at least two visits dispatched and open.
DEMO_CAPACITY = 10

# What an inspection team writes for a failed checklist item (by position in checklist v1).
TEXTS = {
    1: "未保工作站仅1名兼职人员，检查时无人在岗值守。",
    2: "包保联系干部近三个月无联系指导记录。",
    3: "关爱资金台账未及时登记，部分支出无凭证。",
    4: "村儿童之家未按规定时间开放，活动记录自上月起未登记。",
    5: "部分留守儿童寄宿申请未优先安排，登记表未注明留守情况。",
    6: "抽查发现上月事实无人抚养儿童基本生活费未按时发放，延迟发放达20余天。",
    7: "1名符合条件的未成年人未纳入低保，未见入户核查记录。",
    8: "困境儿童意外伤害保险参保名册不全，缺少3名儿童。",
    9: "控辍保学台账未及时更新，2名学生去向登记不清。",
    10: "监测网络记录不全，救助热线未在村务公开栏公布。",
    11: "2个村卫生室未签订强制报告责任承诺书，流程图未上墙。",
    13: "应急处置预案未根据人员变动修订，本半年度未组织演练。",
    14: "9月风险评估记录不全，部分村未开展。",
    15: "高风险儿童入户走访记录缺失一个月，走访频次不符合每周一次的要求。",
}

# Items an ordinary visit may find wanting (minor and major ones; the critical ones are the story's).
ORDINARY_POSITIONS = [1, 2, 3, 4, 5, 7, 8, 10, 11, 13, 14]

# (role in the story, [(day offset, positions of failed items)], [day offsets of acceptance]).
# Offsets count from the first simulated Monday; an acceptance closes the township's oldest open
# rectification. These townships' officials never report through the portal: the script decides.
SCRIPT = [
    ("问责建议后整改", [(0, [6, 4])], []),
    ("已退出重点管理", [(3, [15]), (45, [4]), (54, [])], [8, 50]),
    ("重点管理·回头看已通过", [(42, [9])], [47]),
    ("重点管理·整改中", [(72, [1, 3, 11])], []),
    ("整改已验收", [(20, [2])], [30]),
    ("整改逾期", [(60, [13])], []),
    ("整改期限内", [(76, [4])], []),
]
UNSIGNED_ROLE = "整改期限内"  # its official has not signed the letter yet

RESPONSE_TEXT = "已召开专题会议研究整改，逐项落实整改措施，相关台账和记录已补齐完善，整改情况报告如上。"


@dataclass
class DemoReport:
    townships: dict[str, str] = field(default_factory=dict)  # role in the story → township name
    weeks: list[str] = field(default_factory=list)
    visits: int = 0
    issued: int = 0
    skipped: bool = False


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))




class _Timeline:
    def __init__(self, county: County, weeks: int, today: date):
        self.county, self.today = county, today
        self.this_monday = today - timedelta(days=today.weekday())
        self.first_monday = self.this_monday - timedelta(days=7 * weeks)
        # The real working days (holidays, make-up days, the county's days off), as the draw has them.
        self.calendar = work_calendar(county=county, first=self.first_monday - timedelta(days=31),
                                      last=today + timedelta(days=31))
        self.commission = get_user_model().objects.filter(profile__county=county, profile__role="commission").order_by("id").first()
        self.checklist = county.checklists.filter(draft=False).order_by("-version").first()
        self.report = DemoReport()
        self.cast: dict[int, str] = {}  # township id → role in the story
        self.story_visits: dict[date, list[tuple[Township, list[int]]]] = {}
        self.story_accepts: dict[date, list[Township]] = {}
        self._cast_story()

    # -- the script

    def _cast_story(self):
        townships = list(Township.objects.filter(county=self.county, active=True).order_by("code"))
        step = max(1, len(townships) // len(SCRIPT))
        for i, (role, plan, accepted) in enumerate(SCRIPT):
            if i * step >= len(townships):
                break
            township = townships[i * step]
            self.cast[township.pk] = role
            self.report.townships[role] = township.name
            for offset, positions in plan:
                on = self._workday(self.first_monday + timedelta(days=offset))
                if on < self.today:
                    self.story_visits.setdefault(on, []).append((township, positions))
            for offset in accepted:
                on = self.first_monday + timedelta(days=offset)
                if on < self.today:
                    self.story_accepts.setdefault(on, []).append(township)

    def _workday(self, day: date) -> date:
        """`day`, or the first working day after it."""
        while not self.calendar.is_workday(day):
            day += timedelta(days=1)
        return day

    # -- the days

    def run(self):
        # The last working day up to today keeps its visits dispatched and open: work for the demo's teams.
        last_visit_day = self.calendar.workdays(self.today - timedelta(days=31), self.today)[-1]
        day = self.first_monday - timedelta(days=3)  # the Friday the first week is sealed
        while day <= self.today:
            if day.weekday() == 4:
                self._seal_next_week(day)
            with _travel(_at(day, 8)):
                run_sweep(as_of=day, county=self.county)
                dispatch_due(county=self.county, on=day)
                if day.weekday() == 0:
                    reveal_due(county=self.county, today=day)
            if self.first_monday <= day < self.today:
                if day < last_visit_day:
                    with _travel(_at(day, 10)):
                        self._visit_day(day)
                with _travel(_at(day, 16)):
                    self._paperwork(day)
            day += timedelta(days=1)

    def _seal_next_week(self, friday: date):
        monday = friday + timedelta(days=3)
        if monday > self.this_monday:
            return
        week = rotation.week_label(monday)
        if not Draw.objects.filter(county=self.county, week=week).exists():
            with _travel(_at(friday, 18)):
                seal_draw(county=self.county, week=week, actor=self.commission, today=friday)
        self.report.weeks.append(week)

    def _visit_day(self, day: date):
        scripted = {t.pk: positions for t, positions in self.story_visits.get(day, [])}
        due = Inspection.objects.filter(county=self.county, date=day, status=Inspection.Status.DISPATCHED)
        for inspection in due.select_related("township").order_by("id"):
            township_id = inspection.township_id
            if inspection.kind == Inspection.Kind.FOLLOW_UP:
                # What was not put right is found again; once referred, the township acts.
                referred = inspection.township.level == "accountability"
                positions = [] if referred else self._unrectified(inspection.township)
            elif township_id in scripted:
                positions = scripted.pop(township_id)
            elif township_id in self.cast:
                positions = []
            else:
                positions = self._ordinary_findings(inspection)
            self._file_and_submit(inspection, positions)
        for township_id, positions in scripted.items():  # a scripted visit the draw did not make that day
            self._file_and_submit(self._extra_visit(Township.objects.get(pk=township_id), day), positions)
        for township in self.story_accepts.get(day, []):
            rect = (
                Rectification.objects.filter(township=township, state__in=["open", "reported"])
                .order_by("opened_on", "id")
                .first()
            )
            if rect is not None:
                accept_rectification(rectification=rect, actor=self.commission, on=day)

    def _unrectified(self, township: Township) -> list[int]:
        open_rects = Rectification.objects.filter(township=township).exclude(state=Rectification.State.ACCEPTED)
        return sorted(set(
            Inspection.objects.filter(rectification__in=open_rects)
            .values_list("findings__item__position", flat=True).exclude(findings__item=None)
        ))

    def _referred(self) -> set[int]:
        return set(Township.objects.filter(pk__in=self.cast, level="accountability").values_list("pk", flat=True))

    def _ordinary_findings(self, inspection: Inspection) -> list[int]:
        rng = random.Random(f"{inspection.township.code}/{inspection.date}")
        roll = rng.random()
        if roll < 0.6:
            return []
        return rng.sample(ORDINARY_POSITIONS, 1 if roll < 0.9 else 2)

    def _extra_visit(self, township: Township, day: date) -> Inspection:
        people = [
            i for i in Inspector.objects.filter(county=self.county, active=True).order_by("user__username")
            if i.home_township_id != township.pk
        ]
        start = int(township.code) % len(people)
        inspection = Inspection.objects.create(
            county=self.county, township=township, checklist=self.checklist, date=day,
            status=Inspection.Status.DISPATCHED, dispatched_at=_at(day, 8),
        )
        TeamMember.objects.bulk_create(
            TeamMember(inspection=inspection, inspector=people[(start + k) % len(people)]) for k in range(2)
        )
        return inspection

    def _file_and_submit(self, inspection: Inspection, positions: list[int]):
        user = inspection.members.select_related("inspector__user").order_by("id").first().inspector.user
        for position in positions:
            item = inspection.checklist.items.get(position=position)
            text = TEXTS.get(position, f"{item.area}工作未达到检查清单要求。")
            add_finding(inspection=inspection, user=user, data=FindingData(text=text, item_id=item.pk))
        submit_inspection(inspection=inspection, user=user)
        self.report.visits += 1

    def _paperwork(self, day: date):
        """The commission issues yesterday's drafts; officials sign and report; the commission accepts."""
        drafts = Notice.objects.filter(county=self.county, state=Notice.State.DRAFT, created_at__date__lt=day)
        drafts = list(drafts.exclude(kind="circular").order_by("id"))
        if drafts:
            self.report.issued += len(issue_notices(notices=drafts, actor=self.commission))
        # The official of the township still in time has not signed yet: a newcomer finds a letter waiting for 签收.
        unsigned = [pk for pk, role in self.cast.items() if role == UNSIGNED_ROLE]
        for notice in Notice.objects.filter(county=self.county, state=Notice.State.ISSUED, issued_at__date__lt=day
                                            ).exclude(township_id__in=unsigned).select_related("official__user"):
            if notice.official and notice.official.user:
                acknowledge_notice(notice=notice, user=notice.official.user)
        for notice in Notice.objects.filter(
            county=self.county, kind="rectification", state=Notice.State.ACKNOWLEDGED,
            acknowledged_at__date__lte=day - timedelta(days=4),
        ).exclude(township_id__in=self.cast.keys() - self._referred()):
            if notice.official and notice.official.user:
                file_response(notice=notice, user=notice.official.user, text=RESPONSE_TEXT)
        pending = NoticeResponse.objects.filter(notice__county=self.county, state=NoticeResponse.State.PENDING)
        to_accept = list(pending.filter(submitted_at__date__lte=day - timedelta(days=2)).order_by("submitted_at", "id"))
        if day >= self.today - timedelta(days=14) and to_accept and len(to_accept) == pending.count():
            to_accept.pop()  # in the last fortnight the newest report waits for review: work for a newcomer
        for response in to_accept:
            accept_response(response=response, actor=self.commission, comment="整改到位，予以验收。")


@dataclass
class DemoTodo:
    """What is waiting in the demo today, and for whom: a newcomer's first hour."""

    visits: list[tuple[date, str, list[str]]]  # open visits up to today: date, township name, inspectors' usernames
    to_sign: list[tuple[str, str, str]]  # number, township name, official's username
    to_review: list[tuple[str, str]]  # number, township name
    drafts: int


def demo_todo(*, county: County, today: date) -> DemoTodo:
    visits = [
        (i.date, i.township.name, sorted(m.inspector.user.username for m in i.members.all()))
        for i in Inspection.objects.filter(county=county, date__lte=today, status=Inspection.Status.DISPATCHED)
        .select_related("township").prefetch_related("members__inspector__user").order_by("date", "township__code")
    ]
    to_sign = list(
        Notice.objects.filter(county=county, state=Notice.State.ISSUED).exclude(official=None)
        .order_by("issued_at", "id").values_list("number_text", "township__name", "official__user__username")
    )
    to_review = list(
        NoticeResponse.objects.filter(notice__county=county, state=NoticeResponse.State.PENDING)
        .order_by("submitted_at", "id").values_list("notice__number_text", "notice__township__name")
    )
    drafts = Notice.objects.filter(county=county, state=Notice.State.DRAFT).count()
    return DemoTodo(visits=visits, to_sign=to_sign, to_review=to_review, drafts=drafts)


@contextmanager
def _travel(moment: datetime):
    """The demo's clock, from `moment` on and ticking: every date the services write reads the
    time through `django.utils.timezone.now` (letters, acknowledgements, audit times, auto_now
    fields), so the demo sets that one clock while it plays a day. It needs nothing a production
    install lacks (`load_demo` runs there); the product itself never moves time."""
    from django.utils import timezone

    real, started, start = timezone.now, monotonic(), moment.astimezone(dt_timezone.utc)
    timezone.now = lambda: start + timedelta(seconds=monotonic() - started)
    try:
        yield
    finally:
        timezone.now = real


def load_demo_history(*, county: County, weeks: int, today: date | None = None) -> DemoReport:
    """Play `weeks` past weeks up to today. Once per county; a later run brings the draw up to date."""
    from django.utils import timezone

    today = today or timezone.localdate()
    if County.objects.filter(pk=county.pk, demo_loaded_at__isnull=False).exists():
        report = DemoReport(skipped=True)
        _catch_up_draws(county, today)
        report.weeks = list(Draw.objects.filter(county=county).order_by("week_start").values_list("week", flat=True))
        return report
    if county.inspections_per_week < DEMO_CAPACITY:
        county.inspections_per_week = DEMO_CAPACITY
        county.save(update_fields=["inspections_per_week"])
    timeline = _Timeline(county, weeks, today)
    timeline.run()
    _catch_up_draws(county, today)
    with transaction.atomic():
        County.objects.filter(pk=county.pk).update(demo_loaded_at=timezone.now())
        refresh_coverage(county=county)  # the timeline wrote its visits directly
        record_event(MARKER, county=county, data={"weeks": weeks, "visits": timeline.report.visits})
    return timeline.report


def _catch_up_draws(county: County, today: date):
    """The current week sealed and today's visits dispatched, whenever the demo is (re)loaded."""
    monday = today - timedelta(days=today.weekday())
    week = rotation.week_label(monday)
    if not Draw.objects.filter(county=county, week=week).exists() and not Draw.objects.filter(
        county=county, week_start__gt=monday
    ).exists():
        seal_draw(county=county, week=week, today=monday - timedelta(days=3))
    dispatch_due(county=county, on=today)
    reveal_due(county=county, today=today)
