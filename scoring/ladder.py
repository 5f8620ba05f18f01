"""The sanction ladder: from a township's history and one new event, the decisions to take.

Pure Python (no Django). `decide(history, event, policy)` returns the decisions; each carries the
rule that fired, the policy version, the findings behind it and a reason in plain Chinese that a
township official can read. `apply_decisions(history, event, decisions)` returns the history after
them, so the services (which persist the same facts in the database) and the tests agree on what
"applied" means. `step()` does both.

Levels: normal < rectification < summons < accountability (正常 < 限期整改 < 约谈预警 < 问责).
Every level change is one step up, each with its own rule, or a step down by an exit rule
(`EXIT_RULES`). Whenever the township is at summons or above it is under key management, and
back at normal it has no open rectification; `check_invariants()` states this exactly.

Reading of DESIGN.md §5 where it leaves a choice:
- One rectification notice per inspection, covering all its findings; 7 days if any is critical.
- A deadline is the last day to rectify: yellow from `yellow_days_before` days before it, red and
  a reminder (催办) on the first day after it. The sweep's date is the reminder's date, so a
  missed day caught up later never counts days against a township that it was not reminded of.
- A rectification more than `referral_overdue_days` days overdue after its reminder escalates
  the township one level: from rectification to summons (summons letter, key management), from
  summons to accountability (referral). A further step needs another such period; a
  rectification stops escalating once it has been referred.
- Prominent problems while under key management are a recurrence (referral), not a new summons;
  the follow-up is rescheduled for the new rectification.
- Key management ends when the follow-up has passed, the last `exit_clean_inspections`
  inspections after it were clean (a non-clean one restarts the count) and `exit_min_days` have
  passed since entry. The level then returns to rectification if rectifications are still open,
  else normal. A township outside key management returns to normal when its last open
  rectification is accepted.
"""

from __future__ import annotations

from .policy import DEFAULT_POLICY, EscalationPolicy
from .rules import Ladder
from .state import (
    Decision,
    Event,
    FollowUpConcluded,
    InspectionSubmitted,
    RectificationAccepted,
    Sweep,
    TownshipHistory,
    apply_decisions,
    recorded,
)


def decide(history: TownshipHistory, event: Event, policy: EscalationPolicy = DEFAULT_POLICY) -> tuple[Decision, ...]:
    ladder = Ladder(recorded(history, event), policy, event.date)
    if isinstance(event, InspectionSubmitted):
        ladder.inspection_submitted(history, event)
    elif isinstance(event, Sweep):
        ladder.sweep(event)
    elif isinstance(event, RectificationAccepted):
        ladder.rectification_accepted(event)
    elif isinstance(event, FollowUpConcluded):
        ladder.follow_up_concluded(event)
    else:
        raise TypeError(f"unknown event {event!r}")
    return tuple(ladder.decisions)


def step(
    history: TownshipHistory, event: Event, policy: EscalationPolicy = DEFAULT_POLICY
) -> tuple[TownshipHistory, tuple[Decision, ...]]:
    decisions = decide(history, event, policy)
    return apply_decisions(history, event, decisions), decisions
