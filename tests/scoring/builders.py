"""Small builders for the pure scoring tests: a township's history and its inspections."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from scoring import DEFAULT_POLICY, Finding, InspectionRecord, InspectionSubmitted, Sweep, TownshipHistory, step

_ids = itertools.count(1000)

START = date(2026, 3, 2)  # a Monday


def day(n: int) -> date:
    return START + timedelta(days=n)


def findings(*severities: str) -> tuple[Finding, ...]:
    """One finding per severity, each its own problem (not tied to a checklist item)."""
    out = []
    for severity in severities:
        n = next(_ids)
        out.append(Finding(id=n, severity=severity, title=f"问题{n}"))
    return tuple(out)


def inspection(on: date, *severities: str, id=None, team=("li", "wu"), follow_up=False) -> InspectionRecord:
    return InspectionRecord(
        id=id if id is not None else next(_ids),
        on=on,
        findings=findings(*severities),
        inspectors=team,
        follow_up=follow_up,
    )


def fresh() -> TownshipHistory:
    return TownshipHistory(township="520581100")


def submit(history, on, *severities, policy=DEFAULT_POLICY, **kw):
    record = inspection(on, *severities, **kw)
    history, decisions = step(history, InspectionSubmitted(record), policy)
    return history, decisions, record


def sweep_days(history, first: date, last: date, policy=DEFAULT_POLICY):
    """Run the sweep once a day from `first` to `last`; return the history and every decision."""
    every = []
    d = first
    while d <= last:
        history, decisions = step(history, Sweep(d), policy)
        every.extend(decisions)
        d += timedelta(days=1)
    return history, every


def kinds(decisions):
    return [d.kind.value for d in decisions]


def rules(decisions):
    return [d.rule for d in decisions]
