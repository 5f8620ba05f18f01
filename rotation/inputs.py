"""What the draw takes and returns: plain frozen dataclasses and their canonical JSON form.

A sealed draw stores `canonical_inputs` and `DrawResult.to_dict()`; verification rebuilds the
inputs with `inputs_from_canonical` and compares a recomputed result with the stored one. Both
forms are therefore part of the public record, versioned by `ALGORITHM`: a change here that alters
either breaks the verification of every draw already stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from rotation.calendar import RotationInputError, parse_week
from rotation.randomness import TICKS
from rotation.workdays import PLAIN, WorkCalendar

ALGORITHM = "ancha-rotation-v2"


V1 = "ancha-rotation-v1"


ALGORITHMS = (V1, ALGORITHM)  # v1: weekdays only, no margin, days in deadline order


DEFAULT_RATIO = 2.0


DEFAULT_TEAM_SIZE = 2


DEFAULT_FLOOR_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class TownshipState:
    code: str
    key_managed: bool = False
    last_inspected: date | None = None  # None: no visit known, counts as the day before `origin`
    last_team: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InspectorState:
    username: str
    home: str | None = None  # township code; never inspects it
    last_township: str | None = None
    busy: tuple[date, ...] = ()  # days already taken by another draw of the week (a make-up draw's input)
    # Days of the drawn window the commission recorded as leave (请假/不可派): never sent on those days.
    away: tuple[date, ...] = ()


@dataclass(frozen=True)
class DrawInputs:
    county: str
    week: str
    capacity: int
    townships: tuple[TownshipState, ...]
    inspectors: tuple[InspectorState, ...] = ()
    ratio: float = DEFAULT_RATIO
    team_size: int = DEFAULT_TEAM_SIZE
    weekdays: tuple[int, ...] | None = None  # v1 only; v2 takes its days from `calendar`
    origin: date | None = None  # Monday of the first drawn week (fresh start); default: this week
    public_value: str | None = None
    floor_share: float = DEFAULT_FLOOR_SHARE
    balance: Mapping[str, int] | None = None  # the previous draw's DrawResult.balance
    # v2: the real calendar, slack, staffing per day, late and make-up draws
    calendar: WorkCalendar = PLAIN  # the working days (only its window from the week's Monday is recorded)
    margin: int = 0  # plan against every deadline this many working days earlier
    per_day: int | None = None  # most visits on one day (None: as many teams as the roster makes)
    from_day: date | None = None  # a late or make-up draw: only days from this one on
    label: str = "weekly"  # which key of the week: "weekly", "late", "makeup-1", ... (its own randomness)
    # A draw with `from_day` takes `capacity` as its number of visits; the look-ahead still needs the
    # county's weekly capacity for the weeks after (None: `capacity`).
    week_capacity: int | None = None
    algorithm: str = ALGORITHM  # a v1 record recomputes with the v1 rules

    @property
    def weekly_capacity(self) -> int:
        return self.capacity if self.week_capacity is None else self.week_capacity

    @property
    def week_start(self) -> date:
        return parse_week(self.week)


@dataclass(frozen=True, slots=True)
class Visit:
    township: str
    date: date
    inspectors: tuple[str, ...]
    probability: float
    forced: bool  # probability 1: its deadline (or a later one's) left no choice

    def __reduce__(self):
        # Pickled as its constructor's arguments: a frozen slots dataclass otherwise pickles through
        # dataclasses.fields() on every load, most of the cost of a national week's results sent back
        # from worker processes (rotation.parallel).
        return (Visit, (self.township, self.date, self.inspectors, self.probability, self.forced))


# The records a simulation makes most of (a visit, a township's and an inspector's new state, every
# week), built without their frozen __init__, which sets each field through object.__setattr__ (a
# lookup of the slot by name each): the slots' own descriptors set them, about twice as fast. The
# same objects (tests/rotation/test_carry.py); the records and their pickled form are unchanged.
_new = object.__new__
_T_CODE, _T_KEY, _T_LAST, _T_TEAM = (TownshipState.__dict__[f].__set__ for f in TownshipState.__dataclass_fields__)
_I_NAME, _I_HOME, _I_LAST, _I_BUSY, _I_AWAY = (
    InspectorState.__dict__[f].__set__ for f in InspectorState.__dataclass_fields__)
_V_TOWN, _V_DATE, _V_TEAM, _V_PROB, _V_FORCED = (Visit.__dict__[f].__set__ for f in Visit.__dataclass_fields__)


def township_state(code: str, key_managed: bool, last_inspected: date | None, last_team: tuple) -> TownshipState:
    t = _new(TownshipState)
    _T_CODE(t, code)
    _T_KEY(t, key_managed)
    _T_LAST(t, last_inspected)
    _T_TEAM(t, last_team)
    return t


def inspector_state(username: str, home, last_township, busy: tuple, away: tuple) -> InspectorState:
    i = _new(InspectorState)
    _I_NAME(i, username)
    _I_HOME(i, home)
    _I_LAST(i, last_township)
    _I_BUSY(i, busy)
    _I_AWAY(i, away)
    return i


def visit(township: str, day: date, inspectors: tuple, probability: float, forced: bool) -> Visit:
    v = _new(Visit)
    _V_TOWN(v, township)
    _V_DATE(v, day)
    _V_TEAM(v, inspectors)
    _V_PROB(v, probability)
    _V_FORCED(v, forced)
    return v


@dataclass(frozen=True)
class Plan:
    """What a capacity buys (DESIGN.md §4 `capacity`). Probabilities are weekly, for townships not yet due."""

    townships: int
    key_managed: int
    capacity: int
    ratio: float  # asked for
    effective_ratio: float  # honoured (visit rate of key-managed / ordinary)
    floor: float  # ordinary weekly probability
    key_floor: float  # key-managed weekly probability
    minimum_capacity: int  # least weekly capacity that keeps both coverage rules
    feasible: bool
    warnings: tuple[str, ...] = ()
    # The holiday-aware plan (`rotation.planner.calendar_plan`): the real coming working days, the margin
    margin: int = 0  # working days
    robust_capacity: int | None = None  # least capacity at which one lost week or one missed visit breaks nothing
    margin_cost: float = 0.0  # ordinary weekly probability given up for the margin
    weekly_slots: float | None = None  # visits a week on average over the real working days

    def to_dict(self) -> dict:
        extra = {}
        if self.weekly_slots is not None:
            extra = {"margin": self.margin, "robust_capacity": self.robust_capacity,
                     "margin_cost": round(self.margin_cost, 6), "weekly_slots": round(self.weekly_slots, 4)}
        return extra | {
            "townships": self.townships,
            "key_managed": self.key_managed,
            "capacity": self.capacity,
            "ratio": self.ratio,
            "effective_ratio": round(self.effective_ratio, 6),
            "floor": round(self.floor, 6),
            "key_floor": round(self.key_floor, 6),
            "minimum_capacity": self.minimum_capacity,
            "feasible": self.feasible,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class DrawResult:
    county: str
    week: str
    week_start: date
    visits: tuple[Visit, ...]  # by date, then township code
    deadlines: Mapping[str, date]  # as the draw saw them, before this week
    ticks: Mapping[str, int]  # inclusion probability of every township, in 1/TICKS
    start: int  # the systematic sample's start U
    floor: float  # planned weekly probability of an ordinary township not yet due
    key_floor: float  # the same for a key-managed township
    effective_ratio: float  # key-managed visit rate against ordinary, as honoured this week
    missed: tuple[str, ...] = ()  # townships whose deadline this draw cannot keep (should be empty)
    warnings: tuple[str, ...] = ()
    balance: Mapping[str, int] = field(default_factory=dict)  # input of the next week's draw
    unstaffed: tuple[str, ...] = ()  # townships drawn whose visit no team could take (flagged, never dropped)
    shortfall: date | None = None  # first day a deadline fails whatever is drawn (capacity too small)
    algorithm: str = ALGORITHM

    def probability(self, code: str) -> float:
        return self.ticks[code] / TICKS

    def to_dict(self) -> dict:
        out = {
            "algorithm": self.algorithm,
            "county": self.county,
            "week": self.week,
            "week_start": self.week_start.isoformat(),
            "visits": [
                {
                    "township": v.township,
                    "date": v.date.isoformat(),
                    "inspectors": list(v.inspectors),
                    "probability": v.probability,
                    "forced": v.forced,
                }
                for v in self.visits
            ],
            "frame": [[code, self.ticks[code]] for code in sorted(self.ticks)],
            "deadlines": {code: d.isoformat() for code, d in sorted(self.deadlines.items())},
            "start": self.start,
            "tick": TICKS,
            "floor": self.floor,
            "key_floor": self.key_floor,
            "effective_ratio": self.effective_ratio,
            "balance": dict(self.balance),
            "missed": list(self.missed),
            "warnings": list(self.warnings),
        }
        if self.algorithm != V1:
            out["unstaffed"] = list(self.unstaffed)
            out["shortfall"] = self.shortfall.isoformat() if self.shortfall else None
        return out


def built(cls, **fields):
    """An instance of the frozen, non-slots dataclass `cls` (DrawInputs, DrawResult) made from every
    one of its fields, given in field order, without its __init__: a frozen __init__ sets each field
    through object.__setattr__, a few times the cost of filling the instance's dict (two records a
    draw, tens of thousands of draws a run). Same type, same dict in the same order: equal, and
    pickled to the same bytes, as the instance __init__ makes (tests/rotation/test_carry.py)."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def canonical_inputs(inputs: DrawInputs) -> dict:
    """The JSON form recorded with a sealed draw and recomputed by verification."""
    out = {
        "algorithm": inputs.algorithm,
        "county": inputs.county,
        "week": inputs.week,
        "capacity": inputs.capacity,
        "ratio": float(inputs.ratio),
        "team_size": inputs.team_size,
        "weekdays": list(inputs.weekdays) if inputs.weekdays is not None else None,
        "origin": inputs.origin.isoformat() if inputs.origin else None,
        "public_value": inputs.public_value,
        "floor_share": float(inputs.floor_share),
        "balance": {c: int(v) for c, v in sorted((inputs.balance or {}).items())},
        "townships": [
            {
                "code": t.code,
                "key_managed": t.key_managed,
                "last_inspected": t.last_inspected.isoformat() if t.last_inspected else None,
                "last_team": sorted(t.last_team),
            }
            for t in sorted(inputs.townships, key=lambda t: t.code)
        ],
        "inspectors": [_inspector(i) for i in sorted(inputs.inspectors, key=lambda i: i.username)],
    }
    if inputs.algorithm != V1:  # a v1 record keeps the exact form it was sealed with
        out.update({
            "calendar": inputs.calendar.to_dict(),
            "margin": inputs.margin,
            "per_day": inputs.per_day,
            "from_day": inputs.from_day.isoformat() if inputs.from_day else None,
            "label": inputs.label,
            "week_capacity": inputs.week_capacity,
        })
    return out


def _inspector(i: InspectorState) -> dict:
    out = {"username": i.username, "home": i.home, "last_township": i.last_township}
    if i.busy:
        out["busy"] = sorted(d.isoformat() for d in i.busy)
    if i.away:  # only when there is leave: every record sealed before leave existed keeps its exact form
        out["away"] = sorted(d.isoformat() for d in i.away)
    return out


def inputs_from_canonical(data: Mapping) -> DrawInputs:
    if data.get("algorithm") not in ALGORITHMS:
        raise RotationInputError(f"不支持的抽签算法版本：{data.get('algorithm')!r}")

    def day(value):
        return date.fromisoformat(value) if value else None

    return DrawInputs(
        county=data["county"],
        week=data["week"],
        capacity=int(data["capacity"]),
        ratio=float(data["ratio"]),
        team_size=int(data["team_size"]),
        weekdays=tuple(data["weekdays"]) if data.get("weekdays") is not None else None,
        origin=day(data.get("origin")),
        public_value=data.get("public_value"),
        floor_share=float(data["floor_share"]),
        balance={c: int(v) for c, v in data.get("balance", {}).items()},
        calendar=WorkCalendar.from_dict(data.get("calendar")),
        margin=int(data.get("margin", 0)),
        per_day=data.get("per_day"),
        from_day=day(data.get("from_day")),
        label=data.get("label", "weekly"),
        week_capacity=data.get("week_capacity"),
        algorithm=data["algorithm"],
        townships=tuple(
            TownshipState(t["code"], bool(t["key_managed"]), day(t["last_inspected"]), tuple(t["last_team"]))
            for t in data["townships"]
        ),
        inspectors=tuple(
            InspectorState(i["username"], i.get("home"), i.get("last_township"),
                           tuple(date.fromisoformat(d) for d in i.get("busy", ())),
                           tuple(date.fromisoformat(d) for d in i.get("away", ())))
            for i in data["inspectors"]
        ),
    )