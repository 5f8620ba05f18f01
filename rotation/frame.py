"""One week's fixed facts (its slots, the frame of townships, their deadlines) and where the drawn townships go.

Two versions, by the record's algorithm (`rotation.inputs.ALGORITHMS`):

- v1 (sealed before the working-day calendar): slots on fixed weekdays Mon–Fri, the same pattern
  every week, no margin; the drawn townships take the slots in deadline order.
- v2: slots on the real working days (`rotation.slots`), deadlines planned a margin earlier, and
  every drawn township takes a slot chosen from the week key: a township due this week at random
  among the slots before its planned deadline (its real one when none is left), the others at
  random among the rest. Which day a township is visited says nothing more than that it was drawn.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import attrgetter

from rotation.calendar import MAX_GAP_DAYS, default_weekdays, next_deadline_ord
from rotation.inputs import DrawInputs, TownshipState
from rotation.planner import calendar_caps, cycle_caps
from rotation.randomness import noise, order_key, order_keys
from rotation.slots import Planned, future_slots, week_future, week_slots, workday_ordinals
from rotation.workdays import WorkCalendar

_CODE = attrgetter("code")

LOOK_AHEAD = MAX_GAP_DAYS + 7  # days after the last deadline the look-ahead still counts slots


# Read-only once built; not frozen, whose __init__ sets each of the 13 fields through object.__setattr__
# (one Week a draw, thousands a run).
@dataclass(slots=True)
class Week:
    start: date
    start_ord: int
    origin_ord: int  # fresh start: a township never visited counts as visited the day before
    slot_days: list[int]  # this draw's slots (ordinals, sorted)
    future: Sequence[int]  # every later slot up to the look-ahead's horizon (shared between draws: never mutate)
    deadlines: dict[str, int]  # real deadlines, by township code in code order
    frame: list[TownshipState]  # by (planned deadline, real deadline, order key)
    frame_deadlines: list[int]  # planned (v1: real)
    frame_real: list[int]
    planned_after: Callable[[int], int]  # the planned deadline a visit on day x creates
    caps: tuple  # the planner's cycle caps for the weights
    rate_capacity: int  # the capacity the weights are planned for
    per_day: int
    frame_lasts: list[int]  # each township's last visit (never visited: the day before the origin), as ordinals

    @property
    def slots(self) -> int:
        return len(self.slot_days)


def per_day(inputs: DrawInputs) -> int:
    """Most visits on one day: the given cap, else as many teams as the roster makes (at least one)."""
    # Conditionals, not max(): a builtin min/max call costs about a thousand instructions in 3.11 (it
    # parses its arguments as keywords), more than the rest of this function; the same values.
    if inputs.per_day is not None:
        cap = int(inputs.per_day)
    elif inputs.inspectors:
        size = inputs.team_size
        cap = len(inputs.inspectors) // (size if size > 1 else 1)
    else:
        cap = inputs.weekly_capacity
    return cap if cap > 1 else 1


def _lasts(towns, origin_ord: int) -> list[int]:
    """Each township's last visit as an ordinal (never visited: the day before the origin)."""
    never = origin_ord - 1
    return [t.last_inspected.toordinal() if t.last_inspected else never for t in towns]


def _by_deadline(codes: list[str], planned: list[int], real: list[int], week_key: bytes) -> list[int]:
    """The frame order, as positions in `codes`: by (planned, real deadline), ties by the order key.
    Only a township that shares its deadlines with another needs its key (an HMAC each): the order is
    the same. Sorted once by deadlines (stable), then each run of equal deadlines by its keys (which
    never tie: each is its township's own HMAC)."""
    due = list(zip(planned, real))
    order = sorted(range(len(due)), key=due.__getitem__)
    runs = []
    start, previous = 0, None
    for i, position in enumerate(order):
        d = due[position]
        if d != previous:
            if i - start > 1:
                runs.append((start, i))
            start, previous = i, d
    if len(order) - start > 1:
        runs.append((start, len(order)))
    for lo, hi in runs:
        tied = order[lo:hi]
        order[lo:hi] = [position for _, position in sorted(zip(order_keys(week_key, [codes[p] for p in tied]), tied))]
    return order


def week_v1(inputs: DrawInputs, week_key: bytes) -> Week:
    start = inputs.week_start
    start_ord = start.toordinal()
    towns = sorted(inputs.townships, key=lambda t: t.code)
    slots = min(inputs.capacity, len(towns))
    pattern = tuple(sorted(inputs.weekdays[:slots])) if inputs.weekdays else default_weekdays(slots)
    origin_ord = (inputs.origin or start).toordinal()
    lasts = _lasts(towns, origin_ord)
    deadlines = dict(zip(map(_CODE, towns), map(next_deadline_ord, lasts)))
    positions = sorted(range(len(towns)), key=lambda k: (deadlines[towns[k].code], order_key(week_key, towns[k].code)))
    frame = list(map(towns.__getitem__, positions))
    horizon = (max(deadlines.values()) if deadlines else start_ord) + LOOK_AHEAD
    future = []
    week = 1
    while start_ord + 7 * week <= horizon:
        future.extend(start_ord + 7 * week + d for d in pattern)
        week += 1
    real = [deadlines[t.code] for t in frame]
    return Week(start, start_ord, origin_ord, [start_ord + d for d in pattern], future, deadlines, frame, real, real,
                next_deadline_ord, cycle_caps(pattern, start.isocalendar()[0]), slots, slots,
                list(map(lasts.__getitem__, positions)))


def _calendar_ahead(calendar: WorkCalendar, first: int, horizon: int, start_ord: int, weekly: int, cap: int,
                    margin: int) -> tuple[tuple[int, ...], Callable[[int], int], Callable[[int], int], tuple]:
    """What a week's look-ahead needs from the calendar alone: the future slots up to `horizon`, the
    planned deadline of a real one, the deadline a visit on a day creates, and the weights' cycle caps.

    Each part is cached on exactly what it depends on, so the counties drawing the same week (a
    national week, a province run) share them; shared results are immutable.
    """
    last = horizon + LOOK_AHEAD + 7  # the working days are known from `first` to `last`
    if margin > 0:
        planned, planned_after = _planning(calendar, first, last, margin)
    else:  # planning is the identity: the known days do not matter
        planned, planned_after = _same, next_deadline_ord
    future = _future(calendar, start_ord, weekly, cap, horizon)
    # The weights' cycle caps: the next eight weeks' real slots (as far as the days are known), as the planner sees them.
    eight = start_ord + 55
    return future, planned, planned_after, _caps(calendar, start_ord, weekly, cap, last if last < eight else eight,
                                                 planned_after)


def _same(deadline: int) -> int:
    return deadline


@lru_cache(maxsize=256)
def _planning(calendar: WorkCalendar, first: int, last: int, margin: int):
    planned = Planned(workday_ordinals(calendar, first, last), margin)

    @lru_cache(maxsize=None)  # called for every future slot by each family of look-ahead bounds
    def planned_after(x: int) -> int:
        return planned(next_deadline_ord(x))

    return planned, planned_after


@lru_cache(maxsize=1024)
def _future(calendar: WorkCalendar, start_ord: int, weekly: int, cap: int, horizon: int) -> tuple[int, ...]:
    """Every slot from next week on, while a week starts on or before `horizon` (whole weeks: the
    `future_slots` of the working days up to `horizon + 6`, from each week's shared slots)."""
    out: list[int] = []
    for monday in range(start_ord + 7, horizon + 1, 7):
        out.extend(week_future(calendar, monday, weekly, cap))
    return tuple(out)


@lru_cache(maxsize=1024)
def _caps(calendar: WorkCalendar, start_ord: int, weekly: int, cap: int, last: int, after: Callable[[int], int]):
    if last >= start_ord + 7 * 8 - 1:  # the eight weeks' days are all known: whole weeks
        sample = [x for monday in range(start_ord, start_ord + 7 * 8, 7) for x in week_future(calendar, monday, weekly, cap)]
    else:
        sample = future_slots(workday_ordinals(calendar, start_ord, last), start_ord, weekly, cap, start_ord + 7 * 7)
    return calendar_caps(tuple(sample), after)


def week_v2(inputs: DrawInputs, week_key: bytes) -> Week:
    start = inputs.week_start
    start_ord = start.toordinal()
    towns = sorted(inputs.townships, key=_CODE)
    origin_ord = (inputs.origin or start).toordinal()
    # Columns in code order, computed once and then read by position: codes, last visits, real deadlines.
    codes = list(map(_CODE, towns))
    lasts = _lasts(towns, origin_ord)
    reals = list(map(next_deadline_ord, lasts))
    deadlines = dict(zip(codes, reals))
    cap = per_day(inputs)
    weekly = inputs.weekly_capacity
    exact = inputs.from_day is not None
    slot_days = week_slots(inputs.calendar, start, inputs.capacity, cap, inputs.from_day, exact, len(towns))
    horizon = max(reals) + LOOK_AHEAD
    earliest = min(reals)
    first = (earliest if earliest < start_ord else start_ord) - 7 * (inputs.margin // 5 + 3)
    future, planned, planned_after, caps = _calendar_ahead(inputs.calendar, first, horizon, start_ord, weekly, cap,
                                                           inputs.margin)
    # Without a margin planning is the identity: the real deadlines themselves.
    planneds = reals if planned is _same else list(map(planned, reals))
    positions = _by_deadline(codes, planneds, reals, week_key)
    frame_real = list(map(reals.__getitem__, positions))
    frame_planned = frame_real if planned is _same else list(map(planneds.__getitem__, positions))
    return Week(start, start_ord, origin_ord, slot_days, future, deadlines, list(map(towns.__getitem__, positions)),
                frame_planned, frame_real, planned_after, caps, weekly if weekly < len(towns) else len(towns), cap,
                list(map(lasts.__getitem__, positions)))


def place_in_order(week: Week, picked: list[int], week_key: bytes) -> list[tuple[int, int]]:
    """v1: what is due this week goes first, by deadline; the rest takes the remaining slots in frame order."""
    due = week.frame_deadlines
    next_monday = week.start_ord + 7
    urgent = sorted((j for j in picked if due[j] < next_monday), key=lambda j: due[j])
    others = [j for j in picked if due[j] >= next_monday]
    return list(zip(urgent + others, week.slot_days))


def place_at_random(week: Week, picked: list[int], week_key: bytes) -> list[tuple[int, int]]:
    """v2: every pick takes a slot from the week key's "day" stream.

    Picks whose planned deadline (else real deadline) falls before the week's last slot go first, in
    deadline order, each at random among the free slots on or before it: the slots on or before a
    deadline are nested, so a choice that leaves enough for the later deadlines always exists
    whenever the look-ahead held. The others then take the free slots at random.
    """
    free = list(week.slot_days)
    if not free:
        return []
    last = free[-1]
    u = noise(week_key, "day", len(picked))
    draws = dict(zip(picked, u))
    first = free[0]
    planned, real = week.frame_deadlines, week.frame_real
    bound = {j: planned[j] if planned[j] >= first else real[j] for j in picked}
    order = [j for _, j in sorted((bound[j], j) for j in picked if bound[j] < last)]
    order += [j for j in picked if bound[j] >= last]
    placed = []
    for j in order:
        # `free` stays sorted: the free slots on or before the bound are its first ones
        eligible = bisect_right(free, bound[j]) or 1  # none left: the earliest free slot (flagged missed)
        day = free.pop(int(draws[j] * eligible))
        placed.append((j, day))
    return placed


def missed(week: Week, picked: list[int], placed: list[tuple[int, int]], v1: bool) -> list[str]:
    """Townships whose real deadline this draw cannot keep: placed after it, or not drawn though due
    before the next slot (v1: before next Monday)."""
    real = week.frame_real
    next_slot = week.future[0] if week.future and not v1 else week.start_ord + 7
    chosen = set(picked)
    late = {week.frame[j].code for j, day in placed if real[j] < day}
    undrawn = {week.frame[j].code for j in range(len(week.frame)) if real[j] < next_slot and j not in chosen}
    return sorted(late | undrawn)
