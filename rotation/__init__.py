"""The weekly draw (抽签) and its planner. Pure: no Django, deterministic given inputs and randomness.

The rules :

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

Modules: `calendar` (weeks, periods, deadlines), `randomness` (seeds, commitments, week keys, the
systematic sample), `inputs` (the dataclasses and their canonical JSON), `planner` (capacity and
probabilities), `weekly` (one week's draw), `teams` (double-random teams), `simulate` (the
simulator and its measures). This package re-exports their public names, so callers write
`rotation.draw(...)`; it never imports Django (an import-linter contract in the suite).
"""

from rotation.calendar import (  # noqa: F401
    MAX_GAP_DAYS,
    WEEKS_LIMIT,
    WORKDAYS,
    RotationInputError,
    default_weekdays,
    next_deadline,
    parse_week,
    period_bounds,
    period_index,
    week_bounds,
    week_label,
)
from rotation.inputs import (  # noqa: F401
    ALGORITHM,
    DEFAULT_FLOOR_SHARE,
    DEFAULT_RATIO,
    DEFAULT_TEAM_SIZE,
    DrawInputs,
    DrawResult,
    InspectorState,
    Plan,
    TownshipState,
    Visit,
    canonical_inputs,
    inputs_from_canonical,
)
from rotation.planner import (  # noqa: F401
    ISSUE_CAPS,
    capacity_for_floor,
    cycle_caps,
    minimum_capacity,
    plan_capacity,
)
from rotation.randomness import (  # noqa: F401
    TICKS,
    canonical_json,
    derive_week_key,
    new_seed,
    noise,
    order_key,
    seed_commitment,
    start_ticks,
    systematic_select,
)
from rotation.simulate import (  # noqa: F401
    default_roster,
    measure,
    simulate,
)
from rotation.weekly import (  # noqa: F401
    draw,
    validate,
)

__all__ = [
    "ALGORITHM",
    "DEFAULT_FLOOR_SHARE",
    "DEFAULT_RATIO",
    "DEFAULT_TEAM_SIZE",
    "DrawInputs",
    "DrawResult",
    "ISSUE_CAPS",
    "InspectorState",
    "MAX_GAP_DAYS",
    "Plan",
    "RotationInputError",
    "TICKS",
    "TownshipState",
    "Visit",
    "WEEKS_LIMIT",
    "WORKDAYS",
    "canonical_inputs",
    "canonical_json",
    "capacity_for_floor",
    "cycle_caps",
    "default_roster",
    "default_weekdays",
    "derive_week_key",
    "draw",
    "inputs_from_canonical",
    "measure",
    "minimum_capacity",
    "new_seed",
    "next_deadline",
    "noise",
    "order_key",
    "parse_week",
    "period_bounds",
    "period_index",
    "plan_capacity",
    "seed_commitment",
    "simulate",
    "start_ticks",
    "systematic_select",
    "validate",
    "week_bounds",
    "week_label",
]
