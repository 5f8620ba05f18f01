"""The weekly draw in the database: seal, reveal, verify, dispatch, and every look at a sealed draw.

The algorithm is pure and lives in `rotation`; this module reads the county's state
from the tables, runs it with the period's secret seed, and records what it did.

Entry points (keyword-only):

    seal_draw(county=, week=, actor=None, public_value=None, today=None, accept_shortfall="",
              label="weekly", from_day=None, capacity=None) -> Draw
        before the week begins (a "late" or "makeup-<n>" draw: from `from_day`): commits the period
        seed if needed, draws, refuses a shortfall without a reason, stores the canonical inputs and
        result, plans the inspections with their teams; audit "draw.sealed" (hashes and counts
        only: the audit log is readable by observers, the schedule is secret)
    reveal_draw(county=, week=, actor=None, today=None) -> Draw
        a past week becomes public within the county; the period seed too once the period is over
    reveal_due(county=, today=None, actor=None) -> list[Draw]
        the sweep/cron: every past week, every ended period
    verify_draw(county=, week=, label=None, commitment=None) -> Verification      (services/draw_verify.py)
        recompute from the revealed seed and the recorded inputs; compare with the commitment,
        the hashes in the audit log, the recorded result and the inspections made
    dispatch_due(county=None, on=None, actor=None) -> int
        planned drawn inspections become dispatched on the morning of their day
    record_look(draw=, user=, via=)
        every read of a sealed draw, written to the audit log
    draw_inputs(county=, week=, public_value=None) -> rotation.DrawInputs
    county_plan(county=, ...) -> rotation.Plan                    the planner for a county
    run_weeks(county=, weeks=, today=None, actor=None, after_week=None) -> list[Draw]
        past weeks of draws for the demo, each sealed as it would have been, the Friday before

Seed periods follow the calendar two-month periods, counted in whole weeks: a period holds the
weeks whose Monday falls in it, and ends on the Sunday of its last week, so a seed is never
revealed while a week drawn from it is still running.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

import rotation
from inspection.errors import InspectionError, NotFound
from inspection.models import (
    Checklist,
    County,
    Draw,
    Inspection,
    Inspector,
    SeedPeriod,
    TeamMember,
    Township,
    grace_hours,
)
from inspection.services.audit import record_event
from inspection.services.calendar import draw_calendar
from inspection.services.dispatch import dispatch_planned
from inspection.services.draw_record import (  # noqa: F401 - SEALED and result_hash are read from here too
    MAIN_LABELS,
    SEALED,
    accepted_reason,
    week_busy,
    makeup_before,
    record_draw,
    refuse_clash,
    result_hash,
    shortfall_of,
)
from inspection.services.availability import away_days
from inspection.services.lineage import apply_lineage

COMMITTED = "seed.committed"


def _week_start(week: str) -> date:
    try:
        return rotation.parse_week(week)
    except rotation.RotationInputError as exc:
        raise InspectionError(str(exc)) from None


def period_span(week_start: date) -> tuple[date, date]:
    """The seed period of a week: first Monday in its two-month period to the Sunday ending its last week."""
    first, last = rotation.period_bounds(rotation.period_index(week_start))
    starts_on = first + timedelta(days=(7 - first.weekday()) % 7)
    ends_on = last - timedelta(days=last.weekday()) + timedelta(days=6)
    return starts_on, ends_on


def _ensure_period(county: County, week_start: date, actor) -> SeedPeriod:
    starts_on, ends_on = period_span(week_start)
    period = SeedPeriod.objects.filter(county=county, starts_on=starts_on).first()
    if period is not None:
        return period
    seed = rotation.new_seed()
    try:
        with transaction.atomic():
            period = SeedPeriod.objects.create(
                county=county, starts_on=starts_on, ends_on=ends_on, seed=seed.hex(),
                commitment=rotation.seed_commitment(seed),
            )
    except IntegrityError:
        return SeedPeriod.objects.get(county=county, starts_on=starts_on)
    # Published from here on: the audit log is the record the seed is later checked against.
    record_event(
        COMMITTED, actor=actor, obj=period, county=county,
        data={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "commitment": period.commitment},
    )
    return period


# --------------------------------------------------------------------------- inputs


def draw_inputs(*, county: County, week: str, public_value: str | None = None, known_before=None,
                before: date | None = None) -> rotation.DrawInputs:
    """The county's state before `week` (`before` for a make-up), as the draw sees it: each township's
    last visit that counts (`InspectionQuerySet.counted`) and its team; each active inspector's home and
    last township. `known_before`: the record as it stood then (verification: when the draw was sealed)."""
    week_start = _week_start(week)
    as_of = known_before or timezone.now()
    inspections = Inspection.objects.counted(as_of=as_of, grace=grace_hours(county)).filter(
        county=county, date__lt=before or week_start, created_at__lte=as_of)
    members = TeamMember.objects.filter(inspection__in=inspections)
    last: dict[int, tuple[date, int]] = {}
    for row in inspections.order_by("date", "id").values("id", "township_id", "date"):
        last[row["township_id"]] = (row["date"], row["id"])
    last_ids = {pk for _, pk in last.values()}
    teams: dict[int, list[str]] = {}
    inspector_last: dict[int, str] = {}
    for row in members.order_by("inspection__date", "inspection_id").values(
        "inspection_id", "inspector_id", "inspector__user__username", "inspection__township__code"
    ):
        if row["inspection_id"] in last_ids:
            teams.setdefault(row["inspection_id"], []).append(row["inspector__user__username"])
        inspector_last[row["inspector_id"]] = row["inspection__township__code"]

    townships = [
        rotation.TownshipState(t.code, t.key_managed, last[t.pk][0], tuple(sorted(teams.get(last[t.pk][1], ()))))
        if t.pk in last else rotation.TownshipState(t.code, t.key_managed)
        for t in Township.objects.filter(county=county, active=True).order_by("code")
    ]
    inspectors = tuple(
        rotation.InspectorState(
            username=i.user.get_username(),
            home=i.home_township.code if i.home_township_id else None,
            last_township=inspector_last.get(i.pk),
        )
        for i in Inspector.objects.filter(county=county, active=True).select_related("user", "home_township")
    )
    # Merges, splits and new townships: carried last visits, homes moved to the successor.
    townships, inspectors = apply_lineage(county=county, townships=townships, inspectors=inspectors, history=inspections)
    inspectors = _unavailable(county, week_start, inspectors)
    earlier = Draw.objects.filter(county=county, week_start__lt=week_start)
    first = earlier.order_by("week_start").first()
    # The age balance runs from week to week: a make-up draw of the week before does not carry it.
    previous = earlier.filter(label__in=MAIN_LABELS).order_by("-week_start").first()
    return rotation.DrawInputs(
        county=county.code,
        week=week,
        capacity=county.inspections_per_week,
        townships=tuple(townships),
        inspectors=inspectors,
        ratio=county.key_ratio,
        team_size=county.team_size,
        origin=first.week_start if first else week_start,
        public_value=public_value or None,
        balance=(previous.result or {}).get("balance", {}) if previous else {},
        calendar=draw_calendar(county=county, monday=week_start),
        margin=county.margin_days,
    )


def _unavailable(county: County, week_start: date, inspectors: tuple) -> tuple:
    """Leave days in the week (`away`) and the days ad-hoc visits already took (`busy`): both sealed
    with the inputs, so the teams recompute whatever is entered later."""
    sunday = week_start + timedelta(days=6)
    away = away_days(county=county, first=week_start, last=sunday)
    taken = week_busy(county, week_start, kinds=[Inspection.Kind.AD_HOC])
    return tuple(dataclasses.replace(i, away=away.get(i.username, ()), busy=taken.get(i.username, ()))
                 for i in inspectors)


def _refuse_everyone_away(inputs: rotation.DrawInputs, week_start: date, from_day: date | None) -> None:
    """No team can be formed on any working day of the week: refused before anything is written."""
    days = inputs.calendar.workdays(from_day or week_start, week_start + timedelta(days=6))
    free = [d for d in days if sum(d not in i.away for i in inputs.inspectors) >= inputs.team_size]
    if days and not free:
        raise InspectionError(f"{week_start.year}年{week_start.month}月{week_start.day}日起的一周，每个工作日，在岗督查员请假后都不足"
                              f"{inputs.team_size}人，组不成督查组，不能抽签。请调整请假登记或增加督查员后再抽签")


# --------------------------------------------------------------------------- seal


@transaction.atomic
def seal_draw(*, county: County, week: str, actor=None, public_value: str | None = None, today: date | None = None,
              accept_shortfall: str = "", label: str = "weekly", from_day: date | None = None,
              capacity: int | None = None) -> Draw:
    """Draw `week` for `county` and seal it. The weekly draw before the week begins, in week order;
    a late one (label "late") or a make-up (label "makeup-<n>", `capacity` the freed slots) for the
    days from `from_day` on. A capacity below the minimum is refused unless `accept_shortfall` says why."""
    today = today or timezone.localdate()
    week_start = _week_start(week)
    week = rotation.week_label(week_start)
    if label == "weekly" and week_start <= today:
        raise InspectionError(f"{week} 已经开始，只能为尚未开始的周抽签")
    county = County.objects.select_for_update().get(pk=county.pk)
    refuse_clash(county, week, week_start, label)
    checklist = Checklist.objects.in_force(county, week_start)
    if checklist is None:
        raise InspectionError(f"{county.name}尚无检查清单，不能抽签")
    inputs = draw_inputs(county=county, week=week, public_value=public_value, before=makeup_before(label, week_start))
    inputs = dataclasses.replace(inputs, label=label, from_day=from_day, capacity=capacity or inputs.capacity,
                                 week_capacity=inputs.capacity if from_day is not None else None)
    if label.startswith("makeup-"):
        busy = week_busy(county, week_start)
        inputs = dataclasses.replace(inputs, inspectors=tuple(
            dataclasses.replace(i, busy=busy.get(i.username, ())) for i in inputs.inspectors))
    if not inputs.inspectors:
        raise InspectionError(f"{county.name}没有在岗的督查员，不能抽签")
    _refuse_everyone_away(inputs, week_start, from_day)
    period = _ensure_period(county, week_start, actor)
    # The next period's commitment goes out with the last draw before it, so it is on record
    # before any public value of that period is announced.
    _ensure_period(county, week_start + timedelta(days=7), actor)
    key = rotation.draw_key(bytes.fromhex(period.seed), county.code, week, label, inputs.public_value)
    try:
        result = rotation.draw(inputs, key)
    except rotation.RotationInputError as exc:
        raise InspectionError(str(exc)) from None
    shortfall = shortfall_of(result)
    accept_shortfall = accepted_reason(accept_shortfall)
    if shortfall and not accept_shortfall:
        raise InspectionError(f"检查能力不足：{shortfall}。如确需按此能力抽签，请说明理由后确认（--accept-shortfall 理由）")
    if from_day is not None and any(v.date < from_day for v in result.visits):
        raise InspectionError(f"抽签结果含 {from_day.isoformat()} 之前的日期，不能封存")
    return record_draw(county=county, week=week, week_start=week_start, period=period, inputs=inputs, result=result,
                        checklist=checklist, actor=actor, accepted=accept_shortfall if shortfall else "")


# --------------------------------------------------------------------------- looks and dispatch


def record_look(*, draw: Draw, user, via: str):
    """A read of a sealed draw is itself on the record: who looked, when, through what."""
    if draw.state != Draw.State.SEALED:
        return None
    with transaction.atomic():
        return record_event("draw.viewed", actor=user, obj=draw, county=draw.county, data={"week": draw.week, "via": via})


def dispatch_due(*, county: County | None = None, on: date | None = None, actor=None) -> int:
    """Drawn and ad-hoc inspections still planned and dated on or before `on` are dispatched (the morning of the visit)."""
    on = on or timezone.localdate()
    # Ad-hoc visits ordered for a later day go out the same way; follow-ups go with the sweep.
    due = Inspection.objects.filter(Q(draw__isnull=False) | Q(kind=Inspection.Kind.AD_HOC), date__lte=on)
    if county is not None:
        due = due.filter(county=county)
    return dispatch_planned(due, actor=actor)


# --------------------------------------------------------------------------- reveal


def _reveal_seed_if_over(period: SeedPeriod, today: date, actor) -> bool:
    if period.revealed_at is not None or period.ends_on >= today:
        return False
    period.revealed_at = timezone.now()
    period.save(update_fields=["revealed_at"])
    record_event(
        "seed.revealed", actor=actor, obj=period, county=period.county,
        data={"starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat(),
              "seed": period.seed, "commitment": period.commitment},
    )
    return True


@transaction.atomic
def reveal_draw(*, county: County, week: str, actor=None, today: date | None = None) -> Draw:
    """A past week's draw becomes public within the county; its period's seed once the period is over."""
    today = today or timezone.localdate()
    week = rotation.week_label(_week_start(week))
    # The week's own draw and its make-ups are revealed together.
    week_draws = list(Draw.objects.select_for_update().select_related("period", "county")
                      .filter(county=county, week=week).order_by("created_at", "id"))
    if not week_draws:
        raise NotFound(f"{week} 没有抽签")
    sunday = week_draws[0].week_start + timedelta(days=6)
    if sunday >= today:
        raise InspectionError(f"{week} 到 {sunday.isoformat()} 才结束，只能公开已经结束的周")
    for draw in week_draws:
        if draw.state == Draw.State.SEALED:
            draw.state = Draw.State.REVEALED
            draw.revealed_at = timezone.now()
            draw.save(update_fields=["state", "revealed_at"])
            record_event("draw.revealed", actor=actor, obj=draw, county=county,
                         data={"week": week, "label": draw.label, "result_hash": draw.result_hash})
    _reveal_seed_if_over(week_draws[0].period, today, actor)
    return week_draws[0]


def reveal_due(*, county: County, today: date | None = None, actor=None) -> list[Draw]:
    """Reveal every sealed week that is over, and every seed whose period is over."""
    today = today or timezone.localdate()
    revealed = []
    for draw in Draw.objects.filter(county=county, state=Draw.State.SEALED, week_start__lte=today - timedelta(days=7)):
        revealed.append(reveal_draw(county=county, week=draw.week, actor=actor, today=today))
    for period in SeedPeriod.objects.filter(county=county, revealed_at__isnull=True, ends_on__lt=today):
        with transaction.atomic():
            _reveal_seed_if_over(period, today, actor)
    return revealed


# --------------------------------------------------------------------------- planner and demo


def county_plan(*, county: County, capacity: int | None = None, floor: float | None = None,
                ratio: float | None = None, key_managed: int | None = None, today: date | None = None,
                townships_count: int | None = None) -> rotation.Plan:
    """The planner for a county: what its capacity buys, or (with `floor`) the capacity a floor needs.
    A caller that has the active townships in hand passes their count (and `key_managed`): no query."""
    townships = Township.objects.filter(county=county, active=True)
    n = townships.count() if townships_count is None else townships_count
    if n == 0:
        raise InspectionError(f"{county.name}没有在检查范围内的乡镇")
    keys = townships.filter(key_managed=True).count() if key_managed is None else key_managed
    ratio = county.key_ratio if ratio is None else ratio
    start = today or timezone.localdate()
    try:
        if floor is not None:
            return rotation.capacity_for_floor(n, floor, key_managed=keys, ratio=ratio, start=start)
        return rotation.plan_capacity(n, capacity or county.inspections_per_week, key_managed=keys, ratio=ratio, start=start)
    except rotation.RotationInputError as exc:
        raise InspectionError(str(exc)) from None


def run_weeks(*, county: County, weeks: int, today: date | None = None, actor=None,
              after_week: Callable[[Draw], None] | None = None) -> list[Draw]:
    """The demo's history: `weeks` past weeks and the current one, each sealed the Friday before it.

    Each past week is dispatched, handed to `after_week` (to file and submit its findings), and
    revealed; the current week stays sealed, with the visits dated up to today dispatched.
    Weeks already drawn are kept as they are (idempotent).
    """
    today = today or timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    draws = []
    for w in range(weeks, -1, -1):
        monday = this_monday - timedelta(days=7 * w)
        week = rotation.week_label(monday)
        draw = Draw.objects.filter(county=county, week=week).first()
        if draw is None:
            draw = seal_draw(county=county, week=week, actor=actor, today=monday - timedelta(days=3))
            dispatch_due(county=county, on=min(today, monday + timedelta(days=6)), actor=actor)
            if w and after_week is not None:
                after_week(draw)
        draws.append(draw)
    dispatch_due(county=county, on=today, actor=actor)
    reveal_due(county=county, today=today, actor=actor)
    return draws


@dataclass(frozen=True)
class CountyShape:
    """What the simulator and the planner need of a county, from the database or the national list."""

    code: str
    name: str
    townships: tuple[str, ...]
    key_managed: tuple[str, ...]
    inspectors: tuple[rotation.InspectorState, ...]  # empty: the simulator's default roster
    ratio: float
    team_size: int
    capacity: int | None


def county_shape(code: str) -> CountyShape:
    """Read only: a county in the database as it stands, else its townships from the shipped list."""
    county = County.objects.filter(code=code).first()
    if county is not None:
        townships = Township.objects.filter(county=county, active=True).order_by("code")
        inspectors = tuple(
            rotation.InspectorState(i.user.get_username(), i.home_township.code if i.home_township_id else None)
            for i in Inspector.objects.filter(county=county, active=True).select_related("user", "home_township")
        )
        return CountyShape(
            code, county.name, tuple(t.code for t in townships),
            tuple(t.code for t in townships if t.key_managed), inspectors,
            county.key_ratio, county.team_size, county.inspections_per_week,
        )
    from inspection.services.setup import administered_elsewhere, county_name_for, county_rows

    skip = administered_elsewhere()
    codes = tuple(sorted(r.code for r in county_rows(code) if r.code not in skip))
    if not codes:
        raise NotFound(f"没有县级代码为 {code} 的县（市）")
    return CountyShape(code, county_name_for(code) or code, codes, (), (), rotation.DEFAULT_RATIO,
                       rotation.DEFAULT_TEAM_SIZE, None)


def county_or_error(code: str) -> County:
    county = County.objects.filter(code=code).first()
    if county is None:
        raise NotFound(f"没有县级代码为 {code} 的县（市），请先导入（import_divisions）")
    return county


