"""The weekly draw (抽签) and its planner. Pure: no Django, deterministic given inputs and randomness.

Each week a county draws which townships are inspected, on which day, by which team of at least
two inspectors: random enough that nobody can predict a visit, yet no township goes past its deadline
while the capacity allows it. Anyone holding the revealed seed can recompute a sealed week (docs/draw.md).

Modules, each with the part of the design it holds:

- `calendar`: weeks, two-month periods and deadlines (the hard coverage rules);
- `workdays`: which days are working days (holidays, 调休 make-up days, county days off);
- `slots`: a week's slots on its working days, and deadlines planned a margin earlier;
- `randomness`: seeds, commitments, week keys and the systematic sample (what the public recomputes);
- `inputs`: the dataclasses the draw takes and returns, and their canonical JSON;
- `planner`: what a capacity buys, the key-managed ratio as weekly hazards;
- `weekly`: one week's draw: the deadline bounds, exact inclusion probabilities, age balancing;
- `frame`: the week's frame and slots (v1 and v2), and which slot each drawn township takes;
- `notes`: the draw's warnings;
- `teams`: double-random teams after the townships are drawn;
- `replace`: one inspector of a sealed visit replaced, drawn from the draw's key;
- `robust`: the holiday-aware plan: the minimum and the robust capacity over the real coming days;
- `simulate`: the draw run forward from a fresh start, with faults (lost weeks, missed visits);
- `measure`: what a simulation shows, from its dates alone.

This package re-exports the names callers use, so they write `rotation.draw(...)`; it never
imports Django (an import-linter contract in the suite).
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
    ALGORITHMS,
    V1,
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
    draw_key,
    new_seed,
    noise,
    order_key,
    seed_commitment,
    start_ticks,
    systematic_select,
)
from rotation.measure import measure, pool_cells, worst_cell  # noqa: F401
from rotation.replace import pick_replacement  # noqa: F401
from rotation.robust import calendar_plan  # noqa: F401
from rotation.simulate import default_roster, simulate  # noqa: F401
from rotation.weekly import (  # noqa: F401
    draw,
    validate,
)
from rotation.workdays import PLAIN, WorkCalendar  # noqa: F401

__all__ = [
    "ALGORITHM",
    "ALGORITHMS",
    "DEFAULT_FLOOR_SHARE",
    "DEFAULT_RATIO",
    "DEFAULT_TEAM_SIZE",
    "DrawInputs",
    "DrawResult",
    "ISSUE_CAPS",
    "InspectorState",
    "MAX_GAP_DAYS",
    "PLAIN",
    "Plan",
    "RotationInputError",
    "TICKS",
    "V1",
    "TownshipState",
    "Visit",
    "WEEKS_LIMIT",
    "WorkCalendar",
    "WORKDAYS",
    "canonical_inputs",
    "calendar_plan",
    "canonical_json",
    "capacity_for_floor",
    "cycle_caps",
    "default_roster",
    "default_weekdays",
    "derive_week_key",
    "draw",
    "draw_key",
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
    "pick_replacement",
    "pool_cells",
    "seed_commitment",
    "simulate",
    "start_ticks",
    "systematic_select",
    "validate",
    "week_bounds",
    "week_label",
    "worst_cell",
]
