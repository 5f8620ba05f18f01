"""What must hold of whatever the ladder produces; the tests and the services check it."""

from __future__ import annotations

from collections.abc import Sequence

from .state import Decision, TownshipHistory
from .vocabulary import EXIT_RULES, DecisionKind, Level


def check_invariants(history: TownshipHistory) -> list[str]:
    """What must hold of any history the ladder produced; empty when all is well."""
    problems = []
    level, km, open_rects = history.level, history.key_managed, bool(history.rectifications)
    if km != (level.rank >= Level.SUMMONS.rank):
        problems.append(f"key management is {km} at level {level.value}")
    if level is Level.NORMAL and open_rects:
        problems.append("level normal with open rectifications")
    if level is Level.RECTIFICATION and not open_rects:
        problems.append("level rectification without an open rectification")
    return problems


def check_level_path(start: Level, decisions: Sequence[Decision]) -> list[str]:
    """Level changes chain from `start`, go up one step at a time, and down only by exit rules."""
    problems = []
    level = start
    for d in decisions:
        if d.kind is not DecisionKind.LEVEL_CHANGE:
            continue
        if d.level_from is not level:
            problems.append(f"{d.rule}: from {d.level_from} but level was {level}")
        step_size = d.level_to.rank - d.level_from.rank
        if step_size == 0 or step_size > 1:
            problems.append(f"{d.rule}: {d.level_from.value} -> {d.level_to.value} is not one step up")
        if step_size < 0 and d.rule not in EXIT_RULES:
            problems.append(f"{d.rule}: lowers the level but is not an exit rule")
        level = d.level_to
    return problems
