"""What one county's draws share from week to week: an explicit context `rotation.simulate` carries.

A week's draw reads its whole county again, though most of what it reads did not change since last
week: the roster's order by name, each inspector's index, who lives where. A `Carry` keeps such
facts keyed on exactly the inputs they come from (every inspector's name and home, in input order;
an inspector's new state after a visit on exactly the old state's fields and the township), so a draw given one recomputes only what changed (each inspector's last township, which
moves every week) and a roster that changed mid-run (an inspector fell ill, another joined) gets its
own facts. A draw with a fresh `Carry`, or none, computes everything: the results are the same
bytes (tests/rotation/test_carry.py).

One `Carry` per county run, passed from week to week by its caller; it is never module state, so
nothing leaks between counties, runs or processes. Pure and standard library only (the public
verifier bundles it with `rotation.weekly`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rotation.calendar import RotationInputError
from rotation.inputs import InspectorState, inspector_state


class Roster:
    """A roster's facts that depend on names and homes alone: the order by name (indexes into the
    input), and over that order the names, the indexes by home township and each name's index."""

    __slots__ = ("order", "names", "homes", "index_of")

    def __init__(self, inspectors: Sequence[InspectorState]):
        self.order = tuple(sorted(range(len(inspectors)), key=lambda k: inspectors[k].username))
        self.names = [inspectors[k].username for k in self.order]
        if len(set(self.names)) != len(self.names):
            raise RotationInputError("督查员重复")
        homes: dict[str | None, list[int]] = {}
        for e, k in enumerate(self.order):
            homes.setdefault(inspectors[k].home, []).append(e)
        self.homes = homes
        self.index_of = {name: e for e, name in enumerate(self.names)}

    def sorted(self, inspectors: Sequence[InspectorState]) -> tuple[InspectorState, ...]:
        """The inspectors by name (a roster with the same names and homes in the same input order)."""
        return tuple(map(inspectors.__getitem__, self.order))


class Carry:
    """A county's facts carried from one week's draw to the next (see the module doc)."""

    __slots__ = ("_rosters", "_moved")

    # A run meets a handful of rosters (someone ill for a few weeks, back again); more means the
    # caller shares one Carry over many counties, which works but keeps nothing worth keeping.
    LIMIT = 16

    def __init__(self) -> None:
        self._rosters: dict[tuple, Roster] = {}
        self._moved: dict[tuple, InspectorState] = {}

    def roster(self, inspectors: Sequence[InspectorState]) -> Roster:
        """This roster's facts, computed once for each (name, home) sequence. Raises on duplicate names."""
        key = tuple([(i.username, i.home) for i in inspectors])
        facts = self._rosters.get(key)
        if facts is None:
            facts = Roster(inspectors)
            if len(self._rosters) >= self.LIMIT:
                self._rosters.clear()
            self._rosters[key] = facts
        return facts

    def moved(self, i: InspectorState, township: str) -> InspectorState:
        """`i` last sent to `township`. An inspector goes back to the same few townships week after
        week, and a state is immutable: one per (inspector, township) is made and then reused."""
        key = (i.username, i.home, township, i.busy, i.away)
        state = self._moved.get(key)
        if state is None:
            if len(self._moved) >= 64 * self.LIMIT:  # see LIMIT
                self._moved.clear()
            state = self._moved[key] = inspector_state(i.username, i.home, township, i.busy, i.away)
        return state
