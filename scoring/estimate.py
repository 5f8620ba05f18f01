"""County-wide compliance from the random draw: a Horvitz–Thompson estimate per checklist item.

Pure Python (no Django). The method and its assumptions are explained for the commission in
docs/statistics.md; in short:

- Estimand: for each checklist item, the share of township-weeks (one township in one week) of a
  span of weeks in which the item was met, among the township-weeks the draw could reach (those
  with a positive inclusion probability in the week's main draw).
- Sample: the visits of each week's main draw ("weekly" or "late"), which the draw selected with
  logged inclusion probabilities π (1 for a forced visit). Make-up, follow-up and ad-hoc visits
  are not part of this design and are left out by the caller.
- Estimator: forced visits (π = 1) are a census of the townships that were due; the randomly drawn
  ones give one ratio over the whole span, R = Σ(y/π) / Σ(1/π) (Hájek), times the known number of
  reachable township-weeks that were not forced. One ratio over the span, not one per week: with
  four to six visits a week a per-week ratio is biased by a few points. Each week's draw is made
  with probabilities fixed by what came before it, so the weekly errors are martingale
  differences: the Horvitz–Thompson totals stay unbiased and uncorrelated across weeks.
- Variance: linearised, u = (y − R)/π; within each week the random visits are a systematic πps
  sample whose joint inclusion probabilities are partly zero, so it is approximated as if they
  were drawn with replacement (Hansen–Hurwitz), which overstates it by about the sampling
  fraction; weeks are summed. Weeks with a single random visit are collapsed into one stratum
  (conservative). The 95% interval is Wilson's at the effective sample size (`wilson_interval`).
- A drawn visit that did not take place (missed, cancelled), or whose checklist lacks the item, is
  non-response: a random one simply drops out of the ratio, a forced one is carried by the week's
  other forced visits with a variance for it; both assume the miss had nothing to do with compliance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Z_95 = 1.959964
CERTAIN = 1.0 - 1e-9


@dataclass(frozen=True)
class Item:
    """A checklist item: `key` identifies it across checklist versions."""

    key: str
    area: str = ""
    text: str = ""
    position: int = 0


@dataclass(frozen=True)
class DrawnVisit:
    """One visit of a week's main draw: its inclusion probability and what it found."""

    township: str
    probability: float
    submitted: bool = True
    failed: frozenset[str] = frozenset()  # keys of the items not met
    checked: frozenset[str] | None = None  # keys on the visit's checklist; None: every item

    def observed(self, key: str) -> bool:
        return self.submitted and (self.checked is None or key in self.checked)


@dataclass(frozen=True)
class WeekSample:
    """A week's main draw: how many townships its frame held, how many had probability 0, its visits."""

    week: str
    frame: int
    unreachable: int = 0
    visits: tuple[DrawnVisit, ...] = ()

    @property
    def reachable(self) -> int:
        return self.frame - self.unreachable


@dataclass(frozen=True)
class ItemEstimate:
    item: Item
    estimate: float | None  # None: no visit observed the item
    low: float | None
    high: float | None
    std_error: float | None
    visits: int  # visits that observed the item
    plain_mean: float | None  # share met among the visits, unweighted (biased: for contrast only)

    def to_dict(self) -> dict:
        return {
            "position": self.item.position,
            "area": self.item.area,
            "text": self.item.text,
            "estimate": _round(self.estimate),
            "low": _round(self.low),
            "high": _round(self.high),
            "std_error": _round(self.std_error),
            "visits": self.visits,
            "plain_mean": _round(self.plain_mean),
        }


@dataclass(frozen=True)
class Estimate:
    items: tuple[ItemEstimate, ...]
    weeks: int  # weeks whose draw entered
    township_weeks: int  # in those weeks' frames
    reachable: int  # township-weeks with a positive probability: what the estimate speaks for
    visits: int  # submitted drawn visits used
    missed: int  # drawn visits that did not take place (non-response)
    excluded: dict = field(default_factory=dict)  # visits left out by kind, filled by the caller

    def to_dict(self) -> dict:
        return {
            "method": "horvitz-thompson",
            "confidence": 0.95,
            "weeks": self.weeks,
            "township_weeks": self.township_weeks,
            "reachable_township_weeks": self.reachable,
            "visits_used": self.visits,
            "visits_missed": self.missed,
            "excluded": dict(self.excluded),
            "items": [i.to_dict() for i in self.items],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _forced(visits: Sequence[DrawnVisit], key: str, rate: float) -> tuple[float, float]:
    """(total, variance) of a week's forced visits: a census of the townships that were due. A missed
    one is carried by the others as by a simple random sample of them, or, if none of them was
    observed, by the random part's rate with the widest variance (d²/4). The missed ones' spread is
    taken at the smoothed share (met + 1)/(r + 2), never zero."""
    d = len(visits)
    met = [key not in v.failed for v in visits if v.observed(key)]
    r = len(met)
    if r == 0:
        return d * rate, d * d * 0.25
    share = sum(met) / r
    if r == d:
        return float(sum(met)), 0.0
    smoothed = (sum(met) + 1) / (r + 2)  # Laplace: two alike visits must not claim the missed one is alike
    return d * share, d * (d - r) * smoothed * (1 - smoothed) / r


def _residual_variance(weeks: list[list[float]]) -> float:
    """Σ over weeks of the with-replacement (Hansen–Hurwitz) variance of Σu, u = (y − rate)/π.

    A week with a single random visit has no spread of its own: such weeks are collapsed into one
    stratum (conservative: real differences between them count as noise); one alone counts u²."""
    out = 0.0
    singles = []
    for u in weeks:
        n = len(u)
        if n == 1:
            singles.append(u[0])
        elif n > 1:
            mean = sum(u) / n
            out += n / (n - 1) * sum((x - mean) ** 2 for x in u)
    g = len(singles)
    if g >= 2:
        mean = sum(singles) / g
        out += g / (g - 1) * sum((x - mean) ** 2 for x in singles)
    elif g == 1:
        out += singles[0] ** 2
    return out


def estimate_item(weeks: Sequence[WeekSample], item: Item) -> ItemEstimate:
    """One item over the weeks: forced visits as a census, the random ones by a combined ratio
    (Hájek) over the whole span, Σ(y/π) / Σ(1/π), times the random parts' known size."""
    key = item.key
    used = [w for w in weeks if any(v.probability > 0 and v.observed(key) for v in w.visits)]
    random_size = 0
    observed: list[list[DrawnVisit]] = []
    for w in used:
        forced = sum(1 for v in w.visits if v.probability >= CERTAIN)
        random_size += w.reachable - forced  # every township the draw had to take is among the visits
        observed.append([v for v in w.visits if 0 < v.probability < CERTAIN and v.observed(key)])
    weight = sum(1.0 / v.probability for week in observed for v in week)
    rate = sum((key not in v.failed) / v.probability for week in observed for v in week) / weight if weight else None
    total = variance = 0.0
    if random_size and rate is not None:
        total = random_size * rate
        u = [[((key not in v.failed) - rate) / v.probability for v in week] for week in observed]
        variance = (random_size / weight) ** 2 * _residual_variance(u)
    elif random_size:  # no random visit observed the item: nothing speaks for the random part
        used = []
    for w in used:
        part = _forced([v for v in w.visits if v.probability >= CERTAIN], key, rate if rate is not None else 0.5)
        total += part[0]
        variance += part[1]
    reach = sum(w.reachable for w in used)
    seen = [v for w in used for v in w.visits if v.probability > 0 and v.observed(key)]
    if not seen or reach == 0:
        return ItemEstimate(item, None, None, None, None, 0, None)
    share = total / reach
    se = math.sqrt(variance) / reach
    plain = sum(key not in v.failed for v in seen) / len(seen)
    low, high = wilson_interval(share, se, len(seen))
    return ItemEstimate(item, share, low, high, se, len(seen), plain)


def wilson_interval(share: float, se: float, visits: int) -> tuple[float, float]:
    """The 95% interval: Wilson's score interval at the design's effective sample size
    share·(1 − share)/se², at most the visits observed (Kish). Unlike share ± 1.96·se it stays inside
    [0, 1] and does not collapse when every visit found the item met."""
    n = visits
    if se > 0 and 0 < share < 1:
        n = max(1.0, min(n, share * (1 - share) / se**2))
    z2 = Z_95 * Z_95
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 / (1 + z2 / n) * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def estimate(weeks: Iterable[WeekSample], items: Sequence[Item], excluded: dict | None = None) -> Estimate:
    """Every item's estimate over the weeks given (see the module doc)."""
    weeks = [w for w in weeks if w.frame > 0]
    drawn = [v for w in weeks for v in w.visits if v.probability > 0]
    return Estimate(
        items=tuple(estimate_item(weeks, item) for item in items),
        weeks=len(weeks),
        township_weeks=sum(w.frame for w in weeks),
        reachable=sum(w.reachable for w in weeks),
        visits=sum(1 for v in drawn if v.submitted),
        missed=sum(1 for v in drawn if not v.submitted),
        excluded=dict(excluded or {}),
    )
