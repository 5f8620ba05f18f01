"""The weekly draw (抽签) and its planner. Pure: no Django, deterministic given inputs and randomness.

The rules (issue 3):

- Hard: every township is inspected at least once in every calendar two-month period
  (Jan–Feb, Mar–Apr, …) and never more than 61 days after its last inspection; whichever comes
  first is its *deadline*. Visits fall on weekdays; the day counts.
- Each week has `capacity` visit slots on fixed weekdays (`weekdays`, spread over Mon–Fri).
- The draw never paints itself into a corner. The next deadline after a visit on day x is
  f(x) = min(x + 61, end of the period after x's), the same for every township and monotone in x.
  So earliest-deadline-first (EDF), filling every slot, is an optimal completion, and its service
  order is the sorted merge of today's deadlines with the deadlines the future slots create.
  A week's selection S is therefore feasible exactly when, for every future slot z_k,
      #{township not in S with deadline < z_k} <= (future slots before z_k)
                                                 - (deadlines created by earlier slots that fall before z_k)
  These are lower bounds on how many of the townships with the earliest deadlines S must contain.
- Free choice is random with exact inclusion probabilities: weights (ordinary 1, key-managed the
  planner's hazard ratio) are water-filled into probabilities that sum to the capacity and meet
  every lower bound above; a systematic sample over the townships in deadline order then meets
  every bound by construction (a prefix whose probabilities sum to n always holds n picks).
  Probabilities are integers of 2**-32 (``TICKS``), so each logged probability is exact.
- Weights: the planner turns the key-managed ratio (a ratio of visit *rates*, as the commission
  means it) into hazards p and q with N_o·r(p) + N_k·r(q) = C and r(q) = ratio·r(p), where
  r(p) = 1 / E[weeks between visits] with weekly probability p until the township is due.
  When honouring the ratio would leave ordinary townships less than `floor_share` (half) of the
  probability they would have with no key-managed weighting, the ratio is lowered, and said so.
- Age balancing: per class (ordinary/key-managed × weeks since the last visit, 1..8) the draw
  carries the planned minus the realised number of visits (`balance`, in ticks) from week to week
  and tilts that class's weights by exp(0.5 · debt), so that the realised probability at every
  age stays at the planned one instead of drifting by chance. It changes which probabilities are
  used, never their exactness: each week's probabilities are still computed before the sample.
- Double-random teams of at least two: a min-cost assignment per day; nobody in their home
  township (hard), avoid the inspectors of the township's last visit and an inspector's last
  township (soft), spread the load, random noise for the rest. Teams are drawn after townships,
  so they can never make a township impossible.

Randomness (so anyone can recompute it with a short script, see docs/draw.md):

    week_key  = HMAC-SHA256(seed, canonical_json({"county", "week", "public_value"}))
    order key = HMAC-SHA256(week_key, "order:" + township code)          (32 bytes, compared as bytes)
    start U   = first 4 bytes, big-endian, of HMAC-SHA256(week_key, "start")  (0 <= U < 2**32)
    team noise= HMAC-SHA256(week_key, "team:<block>"), block = 0, 1, …, as 4-byte big-endian words / 2**32

The frame is every township sorted by (deadline, order key); township j with `ticks_j` is drawn
when some U + t * 2**32 (t = 0, 1, …) falls in [sum of ticks before j, that sum + ticks_j).
"""

from __future__ import annotations

import calendar
import hashlib
import heapq
import hmac
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

ALGORITHM = "ancha-rotation-v1"
MAX_GAP_DAYS = 61
WEEKS_LIMIT = 8  # the issue's planner limit: at most 8 weeks between visits
WORKDAYS = 5
TICKS = 2**32  # probabilities are integers of 1/TICKS, so they are exact
DEFAULT_RATIO = 2.0
DEFAULT_TEAM_SIZE = 2
DEFAULT_FLOOR_SHARE = 0.5
_FORBIDDEN = 1e9


class RotationInputError(ValueError):
    """The inputs cannot be drawn (bad week, too few inspectors for a township, …). Message in Chinese."""


# ---------------------------------------------------------------------------
# Calendar


_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(week: str) -> date:
    """'2026-W49' -> the Monday of that ISO week."""
    match = _WEEK_RE.match(week or "")
    if not match:
        raise RotationInputError(f"周次格式应为 YYYY-Www：{week!r}")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise RotationInputError(f"不存在的周次：{week}") from None


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def period_index(day: date) -> int:
    """Calendar two-month periods: Jan–Feb is 0, Mar–Apr 1, … of each year."""
    return day.year * 6 + (day.month - 1) // 2


def period_bounds(index: int) -> tuple[date, date]:
    year, k = divmod(index, 6)
    last_month = 2 * k + 2
    return date(year, 2 * k + 1, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


@lru_cache(maxsize=8192)
def _deadline_ord(last_ord: int) -> int:
    last = date.fromordinal(last_ord)
    _, end = period_bounds(period_index(last) + 1)
    return min(last_ord + MAX_GAP_DAYS, end.toordinal())


def next_deadline(last: date) -> date:
    """The latest day of the next visit after one on `last`: 61 days, or the end of the next period."""
    return date.fromordinal(_deadline_ord(last.toordinal()))


def default_weekdays(capacity: int) -> tuple[int, ...]:
    """Slot j of C on weekday floor((2j+1)·5/2C): spread evenly, Mon=0 … Fri=4."""
    return tuple(((2 * j + 1) * WORKDAYS) // (2 * capacity) for j in range(capacity))


# ---------------------------------------------------------------------------
# Randomness


def canonical_json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def new_seed() -> bytes:
    import secrets

    return secrets.token_bytes(32)


def seed_commitment(seed: bytes) -> str:
    """Published when the period starts; the seed itself only after the period."""
    return hashlib.sha256(seed).hexdigest()


def derive_week_key(seed: bytes, county: str, week: str, public_value: str | None = None) -> bytes:
    message = canonical_json({"county": county, "week": week, "public_value": public_value})
    return hmac.new(seed, message, hashlib.sha256).digest()


def _mac(key: bytes, label: str) -> bytes:
    return hmac.digest(key, label.encode(), "sha256")


def start_ticks(week_key: bytes) -> int:
    return int.from_bytes(_mac(week_key, "start")[:4], "big")


def order_key(week_key: bytes, code: str) -> bytes:
    return _mac(week_key, "order:" + code)


def noise(week_key: bytes, label: str, n: int) -> list[float]:
    out: list[float] = []
    block = 0
    while len(out) < n:
        digest = _mac(week_key, f"{label}:{block}")
        out.extend(int.from_bytes(digest[i : i + 4], "big") / TICKS for i in range(0, 32, 4))
        block += 1
    return out[:n]


def systematic_select(ticks: Sequence[int], start: int) -> list[int]:
    """Indices drawn by a systematic sample: unit j when some start + t·TICKS lies in its interval."""
    picked = []
    low = 0
    for j, size in enumerate(ticks):
        high = low + size
        t = max(0, -((start - low) // TICKS))
        if start + t * TICKS < high:
            picked.append(j)
        low = high
    return picked


# ---------------------------------------------------------------------------
# Inputs and results


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


@dataclass(frozen=True)
class DrawInputs:
    county: str
    week: str
    capacity: int
    townships: tuple[TownshipState, ...]
    inspectors: tuple[InspectorState, ...] = ()
    ratio: float = DEFAULT_RATIO
    team_size: int = DEFAULT_TEAM_SIZE
    weekdays: tuple[int, ...] | None = None
    origin: date | None = None  # Monday of the first drawn week (fresh start); default: this week
    public_value: str | None = None
    floor_share: float = DEFAULT_FLOOR_SHARE
    balance: Mapping[str, int] | None = None  # the previous draw's DrawResult.balance

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

    def to_dict(self) -> dict:
        return {
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

    def probability(self, code: str) -> float:
        return self.ticks[code] / TICKS

    def to_dict(self) -> dict:
        return {
            "algorithm": ALGORITHM,
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


def canonical_inputs(inputs: DrawInputs) -> dict:
    """The JSON form recorded with a sealed draw and recomputed by verification."""
    return {
        "algorithm": ALGORITHM,
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
        "inspectors": [
            {"username": i.username, "home": i.home, "last_township": i.last_township}
            for i in sorted(inputs.inspectors, key=lambda i: i.username)
        ],
    }


def inputs_from_canonical(data: Mapping) -> DrawInputs:
    if data.get("algorithm") != ALGORITHM:
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
        townships=tuple(
            TownshipState(t["code"], bool(t["key_managed"]), day(t["last_inspected"]), tuple(t["last_team"]))
            for t in data["townships"]
        ),
        inspectors=tuple(
            InspectorState(i["username"], i.get("home"), i.get("last_township")) for i in data["inspectors"]
        ),
    )


# ---------------------------------------------------------------------------
# Planner


def _mean_cycle(p: float, caps: tuple[tuple[int, float], ...]) -> float:
    """Expected weeks between visits with weekly probability p until forced at week L (L weighted by caps)."""
    if p <= 0:
        return sum(weight * cap for cap, weight in caps)
    if p >= 1:
        return 1.0
    return sum(weight * (1 - (1 - p) ** cap) / p for cap, weight in caps)


def _rate(p: float, caps) -> float:
    return 1.0 / _mean_cycle(p, caps)


def _inverse_rate(rate: float, caps) -> float:
    """The weekly probability whose visit rate is `rate` (rates below the forced minimum give 0)."""
    if rate <= _rate(0.0, caps):
        return 0.0
    if rate >= 1.0:
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if _rate(mid, caps) < rate:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _capacity_used(p: float, ordinary: int, key: int, ratio: float, caps) -> float:
    rate = _rate(p, caps)
    return ordinary * rate + key * min(1.0, ratio * rate)


def _solve_floor(ordinary: int, key: int, capacity: float, ratio: float, caps) -> float:
    """The largest ordinary weekly probability whose visits, with key-managed at `ratio` times the rate, fit."""
    if _capacity_used(0.0, ordinary, key, ratio, caps) > capacity:
        return -1.0  # the ratio itself does not fit
    if _capacity_used(1.0, ordinary, key, ratio, caps) <= capacity:
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if _capacity_used(mid, ordinary, key, ratio, caps) <= capacity:
            low = mid
        else:
            high = mid
    return low


ISSUE_CAPS = ((WEEKS_LIMIT, 1.0),)  # the issue's formula: forced in the 8th week


@lru_cache(maxsize=256)
def cycle_caps(weekdays: tuple[int, ...], iso_year: int) -> tuple[tuple[int, float], ...]:
    """How many weeks after a visit a township becomes due, over every slot of an ISO year.

    The issue's limit counts 8 weeks. With the real rules it depends on the day: a Monday visit is
    due by Saturday of the 8th week after, a Friday visit by Wednesday of the 9th, and a visit in
    late December by the end of February. Weighting each slot of the year equally gives the
    calendar-adjusted distribution of that cap, which the planner uses instead of a flat 8.
    """
    first = date.fromisocalendar(iso_year, 1, 1).toordinal()
    weeks = date(iso_year, 12, 28).isocalendar()[1]
    counts: dict[int, int] = {}
    for w in range(weeks):
        for d in weekdays:
            due = _deadline_ord(first + 7 * w + d)
            cap = (due - weekdays[0] - first) // 7 - w  # the last week whose first slot is on or before the deadline
            counts[cap] = counts.get(cap, 0) + 1
    total = sum(counts.values())
    return tuple((cap, counts[cap] / total) for cap in sorted(counts))


@lru_cache(maxsize=4096)
def _hazards(ordinary: int, key: int, capacity: int, ratio: float, floor_share: float, caps):
    """(ordinary p, key-managed q, effective ratio, lowered?) for the random fill."""
    n = ordinary + key
    if capacity >= n:
        return 1.0, 1.0, 1.0, False
    best = _solve_floor(n, 0, capacity, 1.0, caps)  # everyone equal: the most unpredictability
    if best < 1e-6:  # no room beyond the deadlines: a rotation whatever the weights
        return 0.0, 0.0, 1.0, key > 0 and ratio > 1
    if key == 0 or ordinary == 0:
        return best, best, float(ratio), False
    p = _solve_floor(ordinary, key, capacity, ratio, caps)
    lowered = False
    if p < floor_share * best:
        # Honouring the ratio would cost ordinary townships more than the allowed share of their
        # unpredictability: keep that share and give key-managed townships what is left.
        p = floor_share * best
        lowered = True
    rate = _rate(p, caps)
    key_rate = min(1.0, (capacity - ordinary * rate) / key)
    effective = key_rate / rate
    if not lowered and effective < ratio - 1e-9:
        lowered = True  # key-managed townships are already drawn every week
    return p, _inverse_rate(key_rate, caps), min(float(ratio), effective), lowered


@lru_cache(maxsize=1024)
def _edf_feasible(n: int, weekdays: tuple[int, ...], start_ord: int, weeks: int) -> bool:
    """Plain EDF from a fresh start keeps every deadline for `weeks` weeks (EDF is optimal, see the module doc)."""
    slots = len(weekdays)
    if slots >= n:
        return True
    first = _deadline_ord(start_ord - 1)
    heap = [first] * n
    for w in range(weeks):
        base = start_ord + 7 * w
        for d in weekdays:
            x = base + d
            due = heapq.heappop(heap)
            if due < x:
                return False
            heapq.heappush(heap, _deadline_ord(x))
    return True


def minimum_capacity(n: int, *, start: date, weeks: int = 104) -> int:
    """The least weekly capacity that keeps both coverage rules for `weeks` weeks from a fresh start."""
    if n <= 0:
        return 0
    capacity = max(1, math.ceil(n * 7 / (MAX_GAP_DAYS + 7)))
    start_ord = start.toordinal()
    while capacity < n:
        if _edf_feasible(n, default_weekdays(capacity), start_ord, weeks):
            return capacity
        capacity += 1
    return n


def _percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def plan_capacity(
    townships: int,
    capacity: int,
    *,
    key_managed: int = 0,
    ratio: float = DEFAULT_RATIO,
    floor_share: float = DEFAULT_FLOOR_SHARE,
    start: date | None = None,
    caps=None,
) -> Plan:
    """The floor a capacity buys, with the issue's limit (1−(1−p)^8)/p = N/C generalised to key-managed
    townships drawn at `ratio` times the ordinary visit rate, and the coverage check against the calendar."""
    if townships <= 0 or capacity <= 0:
        raise RotationInputError("乡镇数和每周检查次数都必须大于 0")
    start = start or date.today()
    start = start - timedelta(days=start.weekday())
    if caps is None:
        caps = cycle_caps(default_weekdays(min(capacity, townships)), start.isocalendar()[0])
    key_managed = min(key_managed, townships)
    ordinary = townships - key_managed
    needed = minimum_capacity(townships, start=start)
    feasible = capacity >= needed
    warnings = []
    if not feasible:
        warnings.append(
            f"每周 {capacity} 次不足以保证每个乡镇每两个月、且每 61 天内至少检查一次，至少需要每周 {needed} 次"
        )
        return Plan(townships, key_managed, capacity, ratio, 1.0, 0.0, 0.0, needed, False, tuple(warnings))
    p, q, effective, lowered = _hazards(ordinary, key_managed, capacity, float(ratio), floor_share, caps)
    if capacity < math.ceil(needed * 1.15) and capacity < townships:
        warnings.append(
            f"覆盖要求有风险：每周 {capacity} 次仅略高于最低需要的 {needed} 次，"
            "节假日或人员缺岗都可能导致逾期"
        )
    if key_managed and lowered:
        warnings.append(
            f"每周 {capacity} 次无法在保持普通乡镇不可预测性的同时实现重点管理乡镇 {ratio:g} 倍的检查频次，"
            f"倍数已降至 {effective:.2f}"
        )
    if 0 < p < 0.05:
        warnings.append(f"普通乡镇每周被抽中的概率仅 {_percent(p)}，检查接近固定轮换，建议增加每周检查次数")
    return Plan(townships, key_managed, capacity, float(ratio), effective, p, q, needed, True, tuple(warnings))


def capacity_for_floor(
    townships: int,
    floor: float,
    *,
    key_managed: int = 0,
    ratio: float = DEFAULT_RATIO,
    floor_share: float = DEFAULT_FLOOR_SHARE,
    start: date | None = None,
    caps=None,
) -> Plan:
    """The planner's inverse: the first capacity whose plan gives ordinary townships at least `floor`."""
    if not 0 < floor <= 1:
        raise RotationInputError("目标概率应在 0 与 1 之间")
    for capacity in range(1, townships + 1):
        plan = plan_capacity(
            townships, capacity, key_managed=key_managed, ratio=ratio, floor_share=floor_share, start=start, caps=caps
        )
        if plan.feasible and plan.floor >= floor - 1e-12:
            return plan
    return plan_capacity(townships, townships, key_managed=key_managed, ratio=ratio, start=start, caps=caps)


# ---------------------------------------------------------------------------
# The draw


def _requirements(deadlines: list[int], pattern: Sequence[int], start_ord: int) -> tuple[list[tuple[int, int]], int | None]:
    """Lower bounds (prefix length in deadline order, least picks from it) this week's selection must meet.

    Also returns the first day on which coverage fails whatever is chosen now (capacity short), or None.
    """
    n = len(deadlines)
    slots = len(pattern)
    generated = [_deadline_ord(start_ord + d) for d in pattern]  # sorted: f is monotone
    horizon = (deadlines[-1] if deadlines else start_ord) + MAX_GAP_DAYS + 7
    cuts: dict[int, int] = {}
    shortfall = None
    gi = di = 0
    k = 0  # future slots before z
    week = 1
    while start_ord + 7 * week <= horizon:
        base = start_ord + 7 * week
        for d in pattern:
            z = base + d
            while gi < len(generated) and generated[gi] < z:
                gi += 1
            while di < n and deadlines[di] < z:
                di += 1
            need = di - (k - gi)
            if need > 0:
                if need > min(di, slots) and shortfall is None:
                    shortfall = z
                if di < n:
                    need = min(need, di, slots)
                    if need > cuts.get(di, 0):
                        cuts[di] = need
            generated.append(_deadline_ord(z))
            k += 1
        week += 1
    return sorted(cuts.items()), shortfall


def _water_fill(weights: Sequence[float], total: float) -> tuple[list[float], float]:
    """Probabilities min(1, λ·w) summing to `total`, and λ (inf when every unit is taken)."""
    n = len(weights)
    if total >= n:
        return [1.0] * n, math.inf
    if total <= 0:
        return [0.0] * n, 0.0
    order = sorted(range(n), key=lambda i: -weights[i])
    suffix = [0.0] * (n + 1)  # summed from the small end: no cancellation when heavy units are capped
    for pos in range(n - 1, -1, -1):
        suffix[pos] = suffix[pos + 1] + weights[order[pos]]
    k = 0
    while k < n and weights[order[k]] * (total - k) >= suffix[k]:
        k += 1
    lam = (total - k) / suffix[k]
    out = [0.0] * n
    for pos, i in enumerate(order):
        out[i] = 1.0 if pos < k else weights[i] * lam
    return out, lam


def _inclusion(weights: list[float], cuts: list[tuple[int, int]], total: int) -> list[float]:
    """Water-filled probabilities meeting every prefix lower bound (weights in deadline order).

    The most demanding prefix gets its own, higher level; the rest is filled again after it.
    """
    n = len(weights)
    probs = [0.0] * n
    low = 0
    base = 0
    while True:
        rest, lam = _water_fill(weights[low:], total - base)
        binding = None
        for cut, need in cuts:
            if cut <= low or need - base <= 0:
                continue
            prefix = cut - low
            if sum(rest[:prefix]) >= need - base - 1e-11:
                continue
            _, cut_lam = _water_fill(weights[low:cut], need - base)
            if binding is None or cut_lam >= binding[2]:
                binding = (cut, need, cut_lam)
        if binding is None:
            probs[low:] = rest
            return probs
        cut, need, _ = binding
        probs[low:cut], _ = _water_fill(weights[low:cut], need - base)
        low, base = cut, need


def _quantise(probs: Sequence[float]) -> list[int]:
    """Exact ticks: whole units stay TICKS, fractions are rounded cumulatively so every prefix sum is kept."""
    out = []
    frac = 0.0
    prev = 0
    for p in probs:
        if p >= 1.0:
            out.append(TICKS)
            continue
        frac += p
        now = round(frac * TICKS)
        out.append(min(TICKS, now - prev))
        prev = now
    return out


def _hungarian(cost: list[list[float]]) -> list[int]:
    """Min-cost assignment of every row to a distinct column (rows <= columns). Returns column per row."""
    rows, cols = len(cost), len(cost[0])
    inf = float("inf")
    u = [0.0] * (rows + 1)
    v = [0.0] * (cols + 1)
    match = [0] * (cols + 1)  # column -> row (1-based), 0 free
    way = [0] * (cols + 1)
    for i in range(1, rows + 1):
        match[0] = i
        j0 = 0
        minv = [inf] * (cols + 1)
        used = [False] * (cols + 1)
        while True:
            used[j0] = True
            i0 = match[j0]
            delta = inf
            j1 = 0
            row = cost[i0 - 1]
            ui0 = u[i0]
            for j in range(1, cols + 1):
                if not used[j]:
                    cur = row[j - 1] - ui0 - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(cols + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while True:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
            if j0 == 0:
                break
    result = [0] * rows
    for j in range(1, cols + 1):
        if match[j]:
            result[match[j] - 1] = j - 1
    return result


def _assign_teams(
    day_visits: list[tuple[int, str]],
    towns: Mapping[str, TownshipState],
    inspectors: Sequence[InspectorState],
    team_size: int,
    week_key: bytes,
) -> dict[str, tuple[str, ...]]:
    """Teams for every visit (given by day, then code), day by day by min-cost assignment.

    Hard: nobody in their home township. Costs: 8 for an inspector who was at this township's last
    visit or whose last visit was here, 2 per visit already made this week, and a random number in
    [0, 1) from the week key's "team" stream (inspectors in username order, visits in the given order).
    Nobody goes twice in a day unless a day has more visits than teams.
    """
    if not inspectors:
        return {code: () for _, code in day_visits}
    m = len(inspectors)
    jitter = noise(week_key, "team", m * len(day_visits))
    load = [0] * m
    teams: dict[str, tuple[str, ...]] = {}
    by_day: dict[int, list[tuple[int, str]]] = {}
    for index, (day, code) in enumerate(day_visits):
        by_day.setdefault(day, []).append((index, code))
    per_batch = max(1, m // team_size)
    for day in sorted(by_day):
        visits = by_day[day]
        for b in range(0, len(visits), per_batch):
            batch = visits[b : b + per_batch]
            rows = []
            for index, code in batch:
                last_team = towns[code].last_team
                row = []
                for e, insp in enumerate(inspectors):
                    if insp.home == code:
                        row.append(_FORBIDDEN)
                        continue
                    cost = 2.0 * load[e] + jitter[index * m + e]
                    if insp.last_township == code or insp.username in last_team:
                        cost += 8.0
                    row.append(cost)
                rows.append(row)
            if len(batch) == 1:
                columns = sorted(range(m), key=rows[0].__getitem__)[:team_size]
            else:
                seats = [row for row in rows for _ in range(team_size)]
                columns = _hungarian(seats)
                if any(seats[r][c] >= _FORBIDDEN for r, c in enumerate(columns)):
                    # The few inspectors eligible for one visit are wanted elsewhere too: staff one at a time.
                    columns = [e for row in rows for e in sorted(range(m), key=row.__getitem__)[:team_size]]
            for i, (_, code) in enumerate(batch):
                chosen = columns[i * team_size : (i + 1) * team_size]
                for e in chosen:
                    load[e] += 1
                teams[code] = tuple(sorted(inspectors[e].username for e in chosen))
    return teams


BALANCE_GAIN = 0.5
BALANCE_CLASSES = 8


def _age_class(town: TownshipState, start_ord: int, origin_ord: int) -> str:
    last = town.last_inspected.toordinal() if town.last_inspected else origin_ord - 1
    age = (start_ord - (last - date.fromordinal(last).weekday())) // 7
    return ("k" if town.key_managed else "o") + str(max(1, min(age, BALANCE_CLASSES)))


def _tilt(debt_ticks: int) -> float:
    return math.exp(max(-3.0, min(3.0, BALANCE_GAIN * debt_ticks / TICKS)))


def validate(inputs: DrawInputs) -> None:
    inputs.week_start  # noqa: B018 - parses the week
    if inputs.capacity < 1:
        raise RotationInputError("每周检查次数必须至少为 1")
    if not inputs.townships:
        raise RotationInputError("没有可抽取的乡镇")
    codes = [t.code for t in inputs.townships]
    if len(set(codes)) != len(codes):
        raise RotationInputError("乡镇代码重复")
    if inputs.ratio < 1:
        raise RotationInputError("重点管理倍率不能小于 1")
    pattern = inputs.weekdays
    if pattern is not None and (len(pattern) != inputs.capacity or any(not 0 <= d < WORKDAYS for d in pattern)):
        raise RotationInputError("每次检查的工作日须为周一至周五（0–4），数量与每周检查次数相同")
    if inputs.inspectors:
        if inputs.team_size < 2:
            raise RotationInputError("每个督查组至少 2 人")
        names = [i.username for i in inputs.inspectors]
        if len(set(names)) != len(names):
            raise RotationInputError("督查员重复")
        for code in codes:
            eligible = sum(1 for i in inputs.inspectors if i.home != code)
            if eligible < inputs.team_size:
                raise RotationInputError(f"可派往 {code} 的非本乡镇督查员不足 {inputs.team_size} 人")


def draw(inputs: DrawInputs, week_key: bytes) -> DrawResult:
    """One week's sealed draw. Deterministic given the inputs and the week key."""
    validate(inputs)
    start = inputs.week_start
    start_ord = start.toordinal()
    towns = sorted(inputs.townships, key=lambda t: t.code)
    n = len(towns)
    slots = min(inputs.capacity, n)
    pattern = tuple(sorted(inputs.weekdays[:slots])) if inputs.weekdays else default_weekdays(slots)
    origin_ord = (inputs.origin or start).toordinal()

    deadline = {t.code: _deadline_ord(t.last_inspected.toordinal() if t.last_inspected else origin_ord - 1) for t in towns}
    frame = sorted(towns, key=lambda t: (deadline[t.code], order_key(week_key, t.code)))
    frame_deadlines = [deadline[t.code] for t in frame]

    key_count = sum(1 for t in towns if t.key_managed)
    caps = cycle_caps(pattern, start.isocalendar()[0])
    p, q, effective, lowered = _hazards(n - key_count, key_count, slots, float(inputs.ratio), inputs.floor_share, caps)
    weight_key = q / p if p > 0 and q > 0 else max(1.0, effective)
    weights = [weight_key if t.key_managed else 1.0 for t in frame]

    cuts, shortfall = _requirements(frame_deadlines, pattern, start_ord)
    base_ticks = _quantise(_inclusion(weights, cuts, slots))
    classes = [_age_class(t, start_ord, origin_ord) for t in frame]
    balance = dict(inputs.balance or {})
    tilted = [w * _tilt(balance.get(c, 0)) for w, c in zip(weights, classes)]
    ticks = _quantise(_inclusion(tilted, cuts, slots))
    assert sum(ticks) == slots * TICKS, "inclusion probabilities must sum to the capacity"
    running = 0
    prefix_ticks = []
    for t in ticks:
        running += t
        prefix_ticks.append(running)
    for cut, need in cuts:
        assert prefix_ticks[cut - 1] >= need * TICKS, "a deadline bound is not met"
    u = start_ticks(week_key)
    picked = systematic_select(ticks, u)
    for j, c in enumerate(classes):
        balance[c] = balance.get(c, 0) + base_ticks[j]
    for j in picked:
        balance[classes[j]] -= TICKS

    # Days: what is due this week goes first, by deadline; the rest takes the remaining slots in frame order.
    next_monday = start_ord + 7
    urgent = sorted((j for j in picked if frame_deadlines[j] < next_monday), key=lambda j: frame_deadlines[j])
    others = [j for j in picked if frame_deadlines[j] >= next_monday]
    slot_days = [start_ord + d for d in pattern]
    placed = list(zip(urgent + others, slot_days))
    chosen = set(picked)
    missed = sorted(
        {frame[j].code for j, day in placed if frame_deadlines[j] < day}
        | {frame[j].code for j in range(n) if frame_deadlines[j] < next_monday and j not in chosen}
    )

    by_code = {t.code: t for t in towns}
    teams = _assign_teams(
        sorted((day, frame[j].code) for j, day in placed), by_code, tuple(sorted(inputs.inspectors, key=lambda i: i.username)),
        inputs.team_size, week_key,
    )
    visits = tuple(
        sorted(
            (
                Visit(frame[j].code, date.fromordinal(day), teams[frame[j].code], ticks[j] / TICKS, ticks[j] == TICKS)
                for j, day in placed
            ),
            key=lambda v: (v.date, v.township),
        )
    )
    warnings = []
    if shortfall is not None:
        warnings.append(
            f"每周 {inputs.capacity} 次的检查能力无法保证覆盖要求，{date.fromordinal(shortfall).isoformat()} 前将有乡镇逾期"
        )
    if missed:
        warnings.append("以下乡镇本周无法按期检查：" + "、".join(missed))
    if key_count and lowered:
        warnings.append(f"检查能力不足以实现重点管理 {inputs.ratio:g} 倍的检查频次，本周按 {effective:.2f} 倍抽取")
    return DrawResult(
        county=inputs.county,
        week=inputs.week,
        week_start=start,
        visits=visits,
        deadlines={t.code: date.fromordinal(deadline[t.code]) for t in towns},
        ticks={frame[j].code: ticks[j] for j in range(n)},
        start=u,
        floor=p,
        key_floor=q,
        effective_ratio=effective,
        missed=tuple(missed),
        warnings=tuple(warnings),
        balance={c: balance[c] for c in sorted(balance)},
    )


# ---------------------------------------------------------------------------
# Simulation and its measures


def default_roster(codes: Sequence[str], count: int = 12) -> tuple[InspectorState, ...]:
    """inspector1..count with home townships spread evenly over the county (for simulations).

    In a county of one township the inspectors come from elsewhere (no home in the county).
    """
    codes = sorted(codes)
    return tuple(
        InspectorState(f"inspector{i + 1}", codes[(i * len(codes)) // count] if len(codes) > 1 else None)
        for i in range(count)
    )


def _seed_bytes(seed) -> bytes:
    return seed if isinstance(seed, bytes) else str(seed).encode()


def simulate(
    *,
    county: str,
    townships: Sequence[str],
    capacity: int,
    weeks: int,
    seed,
    start_week: str,
    key_managed: Iterable[str] = (),
    ratio: float = DEFAULT_RATIO,
    inspectors: Sequence[InspectorState] | None = None,
    team_size: int = DEFAULT_TEAM_SIZE,
    floor_share: float = DEFAULT_FLOOR_SHARE,
) -> dict:
    """Run the real draw forward `weeks` weeks from a fresh start; the DESIGN.md §4 simulate_draws JSON.

    Fresh start: every township counts as inspected the day before the first week, and the partial
    two-month period the simulation starts in is exempt (the draw's `origin` does both).
    """
    start = parse_week(start_week)
    key_set = set(key_managed)
    codes = sorted(townships)
    roster = {i.username: i for i in (default_roster(codes) if inspectors is None else inspectors)}
    towns = {code: TownshipState(code, code in key_set) for code in codes}
    secret = _seed_bytes(seed)
    plan = plan_capacity(len(codes), capacity, key_managed=len(key_set & set(codes)), ratio=ratio,
                         floor_share=floor_share, start=start)
    out_weeks = []
    balance: dict[str, int] = {}
    warnings: list[str] = list(plan.warnings)
    for w in range(weeks):
        monday = start + timedelta(days=7 * w)
        label = week_label(monday)
        inputs = DrawInputs(
            county=county, week=label, capacity=capacity, townships=tuple(towns.values()),
            inspectors=tuple(roster.values()), ratio=ratio, team_size=team_size, origin=start,
            floor_share=floor_share, balance=balance,
        )
        result = draw(inputs, derive_week_key(secret, county, label))
        balance = result.balance
        for message in result.warnings:
            if message not in warnings:
                warnings.append(message)
        for visit in result.visits:
            towns[visit.township] = replace(towns[visit.township], last_inspected=visit.date, last_team=visit.inspectors)
            for name in visit.inspectors:
                roster[name] = replace(roster[name], last_township=visit.township)
        out_weeks.append(
            {
                "week": label,
                "start": monday.isoformat(),
                "inspections": [
                    {
                        "township": v.township,
                        "date": v.date.isoformat(),
                        "inspectors": list(v.inspectors),
                        "probability": round(v.probability, 6),
                    }
                    for v in result.visits
                ],
            }
        )
    return {
        "county": county,
        "per_week": capacity,
        "seed": seed if isinstance(seed, int) else secret.hex(),
        "ratio": float(ratio),
        "key_managed": sorted(key_set),
        "inspectors": {name: {"home": i.home} for name, i in sorted(roster.items())},
        "plan": plan.to_dict(),
        "warnings": warnings,
        "weeks": out_weeks,
    }


def measure(simulation: Mapping, townships: Sequence[str], *, team_size: int = DEFAULT_TEAM_SIZE, k_max: int = 7) -> dict:
    """Check a simulate_draws JSON against the rules, from its dates alone (not through the draw's deadlines).

    violations: a gap over 61 days (also between the fresh start and the first visit, and from the
    last visit to the end while it is already overdue) or a complete two-month period without a
    visit (the partial period of the start is exempt). h(k) = P(visited in a week | k weeks since
    the last visit), per ordinary and key-managed townships; floor = min over k = 1..k_max.
    """
    weeks = simulation["weeks"]
    start = date.fromisoformat(weeks[0]["start"])
    end = date.fromisoformat(weeks[-1]["start"]) + timedelta(days=6)
    key_set = set(simulation.get("key_managed", ()))
    homes = {name: info.get("home") for name, info in simulation.get("inspectors", {}).items()}
    visits: dict[str, list[tuple[int, date, tuple[str, ...]]]] = {code: [] for code in townships}
    recusal = double_booked = 0
    busy: set[tuple[str, str]] = set()
    for w, week in enumerate(weeks):
        for row in week["inspections"]:
            day = date.fromisoformat(row["date"])
            team = tuple(row["inspectors"])
            visits[row["township"]].append((w, day, team))
            bad = len(team) < team_size or len(set(team)) != len(team) or day.weekday() >= WORKDAYS
            bad |= any(homes.get(name) == row["township"] for name in team)
            recusal += bad
            double_booked += any((name, row["date"]) in busy for name in team)
            busy.update((name, row["date"]) for name in team)

    violations = 0
    repeats = 0
    fresh = start - timedelta(days=1)
    first_period = period_index(start) + (1 if period_index(fresh) == period_index(start) else 0)
    last_period = period_index(end) - (0 if end == period_bounds(period_index(end))[1] else 1)
    hits = {False: [0] * (k_max + 2), True: [0] * (k_max + 2)}
    exposure = {False: [0] * (k_max + 2), True: [0] * (k_max + 2)}
    counts = {False: 0, True: 0}
    for code, rows in visits.items():
        days = [fresh] + [day for _, day, _ in rows]
        violations += sum(1 for a, b in zip(days, days[1:]) if (b - a).days > MAX_GAP_DAYS)
        violations += (end - days[-1]).days > MAX_GAP_DAYS
        covered = {period_index(day) for day in days[1:]}
        violations += sum(1 for p in range(first_period, last_period + 1) if p not in covered)
        repeats += sum(1 for (_, _, a), (_, _, b) in zip(rows, rows[1:]) if set(a) & set(b))
        key = code in key_set
        counts[key] += 1
        by_week = {w for w, _, _ in rows}
        last = -1
        for w in range(len(weeks)):
            k = min(w - last, k_max + 1)
            exposure[key][k] += 1
            if w in by_week:
                hits[key][k] += 1
                last = w

    def curve(key):
        return {k: hits[key][k] / exposure[key][k] for k in range(1, k_max + 1) if exposure[key][k]}

    def rate(key):
        return sum(hits[key]) / (counts[key] * len(weeks)) if counts[key] else 0.0

    h_ordinary, h_key = curve(False), curve(True)
    return {
        "violations": violations,
        "recusal_violations": recusal,
        "double_booked": double_booked,
        "repeat_teams": repeats,
        "h": {"ordinary": h_ordinary, "key": h_key},
        "floor": min(h_ordinary.values(), default=0.0),
        "key_floor": min(h_key.values(), default=0.0),
        "visit_rate": {"ordinary": rate(False), "key": rate(True)},
        "visit_rate_ratio": rate(True) / rate(False) if counts[True] and rate(False) else None,
    }
