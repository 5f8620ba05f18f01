"""Double-random teams (双随机) of at least two: a min-cost assignment per day.

Nobody goes to their home township (hard); the cost avoids the inspectors of the township's last
visit and an inspector's last township (soft), spreads the load over the week, and adds random
noise from the week key for the rest. Teams are drawn after the townships, so staffing can never
make a township impossible. v2 (`staff_days`): nobody twice on one day, hard; a visit no full team
can take is left unstaffed and flagged. v1 (`assign_teams`, kept to recompute v1 records) refused
inputs where some township had fewer than `team_size` eligible inspectors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import add

from rotation.carry import Roster
from rotation.inputs import InspectorState, TownshipState
from rotation.randomness import noise

_FORBIDDEN = 1e9


def _hungarian(cost: list[list[float]]) -> list[int]:
    """Min-cost assignment of every row to a distinct column (rows <= columns). Returns column per row."""
    rows, cols = len(cost), len(cost[0])
    inf = float("inf")
    u = [0.0] * (rows + 1)
    v = [0.0] * (cols + 1)
    match = [0] * (cols + 1)  # column -> row (1-based), 0 free
    way = [0] * (cols + 1)
    shifted = [None, *([0.0, *row] for row in cost)]  # 1-based rows and columns, as the method counts
    for i in range(1, rows + 1):
        match[0] = i
        j0 = 0
        minv = [inf] * (cols + 1)
        used = [0]  # the columns reached, and those not yet (in increasing order, as the scan needs)
        unused = list(range(1, cols + 1))
        while True:
            i0 = match[j0]
            delta = inf
            j1 = 0
            row = shifted[i0]
            ui0 = u[i0]
            for j in unused:
                cur = row[j] - ui0 - v[j]
                least = minv[j]
                if cur < least:
                    minv[j] = least = cur
                    way[j] = j0
                if least < delta:
                    delta = least
                    j1 = j
            for j in used:
                u[match[j]] += delta
                v[j] -= delta
            for j in unused:
                minv[j] -= delta
            j0 = j1
            used.append(j0)
            unused.remove(j0)
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


def assign_teams(
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
    jitter, load, by_day = _setup(day_visits, m, week_key)
    teams: dict[str, tuple[str, ...]] = {}
    per_batch = max(1, m // team_size)
    everyone = list(range(m))
    who = _who(inspectors)
    for day in sorted(by_day):
        visits = by_day[day]
        for b in range(0, len(visits), per_batch):
            batch = visits[b : b + per_batch]
            rows = _cost_rows(batch, towns, who, everyone, [2.0 * x for x in load], jitter, m)
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


def _setup(day_visits: list[tuple[int, str]], m: int, week_key: bytes):
    """The "team" noise (inspectors × visits), the week's load per inspector, the visits by day."""
    by_day: dict[int, list[tuple[int, str]]] = {}
    for index, (day, code) in enumerate(day_visits):
        by_day.setdefault(day, []).append((index, code))
    return noise(week_key, "team", m * len(day_visits)), [0] * m, by_day


def _who(inspectors: Sequence[InspectorState]) -> tuple[dict, dict, dict]:
    """Read once per draw: the inspectors (indexes) by home township and by last township, and each
    name's index. A cost row then starts from load and noise alone and only its few exceptions are
    looked up, instead of comparing every inspector with the township."""
    homes: dict[str | None, list[int]] = {}
    lasts: dict[str | None, list[int]] = {}
    for e, i in enumerate(inspectors):
        homes.setdefault(i.home, []).append(e)
        lasts.setdefault(i.last_township, []).append(e)
    return homes, lasts, {i.username: e for e, i in enumerate(inspectors)}


def _cost_rows(batch, towns, who, free, twice, jitter, m) -> list[list[float]]:
    """Cost rows over the `free` inspectors: 2 per visit already made (`twice`: 2.0 * load), the
    noise, 8 more for the township's last team or an inspector last there, forbidden at home."""
    homes, lasts, index_of = who
    column = None if len(free) == m else {e: c for c, e in enumerate(free)}  # free is everyone, or a subset
    rows = []
    for index, code in batch:
        base = index * m
        if column is None:
            row = list(map(add, twice, jitter[base : base + m]))  # 2·load + noise, without a bytecode loop
        else:
            row = [twice[e] + jitter[base + e] for e in free]
        last_team = towns[code].last_team
        penalised = set(lasts.get(code, ()))
        if last_team:
            penalised.update(index_of[name] for name in last_team if name in index_of)
        for e in penalised:  # the same sum as (2·load + noise) + 8 computed in one expression
            c = e if column is None else column.get(e)
            if c is not None:
                row[c] += 8.0
        for e in homes.get(code, ()):
            c = e if column is None else column.get(e)
            if c is not None:
                row[c] = _FORBIDDEN
        rows.append(row)
    return rows


def _apart(rows, team_size) -> list[list[int]] | None:
    """Each visit's own cheapest team, when these teams share nobody, are all eligible and each is
    strictly cheaper than the visit's next choice: then it is the one min-cost assignment (any other
    gives some visit a dearer team), so the Hungarian method would return it too. Most days have one
    or two visits among many free inspectors; this spares them the O(n³) method."""
    teams = []
    taken: set[int] = set()
    for row in rows:
        order = sorted(range(len(row)), key=row.__getitem__)
        team = order[:team_size]
        if (row[team[-1]] >= _FORBIDDEN or (len(order) > team_size and row[order[team_size]] == row[team[-1]])
                or not taken.isdisjoint(team)):
            return None
        taken.update(team)
        teams.append(team)
    return teams


def _staff_one_day(batch, rows, free, team_size) -> list[list[int]]:
    """Columns (indexes into `free`) of each visit's team; [] for a visit no team can take.

    One min-cost assignment when every visit can have a full team of distinct eligible inspectors;
    otherwise the visits with the fewest eligible inspectors are staffed first, one at a time, and
    the ones left without a full team stay unstaffed (flagged, never dropped).
    """
    if len(batch) * team_size <= len(free):
        apart = _apart(rows, team_size)
        if apart is not None:
            return apart
        seats = [row for row in rows for _ in range(team_size)]
        columns = _hungarian(seats)
        if all(seats[r][c] < _FORBIDDEN for r, c in enumerate(columns)):
            return [columns[i * team_size : (i + 1) * team_size] for i in range(len(batch))]
    used: set[int] = set()
    teams: list[list[int]] = [[] for _ in batch]
    eligible = [[c for c in range(len(free)) if row[c] < _FORBIDDEN] for row in rows]
    for i in sorted(range(len(batch)), key=lambda i: (len(eligible[i]), i)):
        options = sorted((c for c in eligible[i] if c not in used), key=rows[i].__getitem__)
        if len(options) >= team_size:
            teams[i] = options[:team_size]
            used.update(teams[i])
    return teams


def staff_days(
    day_visits: list[tuple[int, str]],
    towns: Mapping[str, TownshipState],
    inspectors: Sequence[InspectorState],
    team_size: int,
    week_key: bytes,
    roster: Roster,
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """v2 teams: as `assign_teams`, with nobody twice on one day nor on a day another draw already
    gave them (`InspectorState.busy`) nor on leave (`InspectorState.away`), all hard. Returns the teams and the visits left unstaffed.
    `inspectors` in `roster`'s order (`Roster.sorted`); `roster`: their names and homes, from `weekly.validate`
    (carried from an earlier week by a simulation, `rotation.carry`)."""
    if not inspectors:
        return {code: () for _, code in day_visits}, [code for _, code in day_visits]
    m = len(inspectors)
    jitter, load, by_day = _setup(day_visits, m, week_key)
    teams: dict[str, tuple[str, ...]] = {}
    unstaffed: list[str] = []
    busy = [{d.toordinal() for d in (*i.busy, *i.away)} if i.busy or i.away else () for i in inspectors]
    lasts: dict[str | None, list[int]] = {}  # the roster's facts hold all but the last townships, which move weekly
    for e, i in enumerate(inspectors):
        lasts.setdefault(i.last_township, []).append(e)
    who, names = (roster.homes, lasts, roster.index_of), roster.names
    twice = [0.0] * m  # 2.0 * load, kept with it
    everyone = list(range(m))
    anyone_busy = any(busy)
    for day in sorted(by_day):
        batch = by_day[day]
        free = [e for e in everyone if day not in busy[e]] if anyone_busy else everyone
        rows = _cost_rows(batch, towns, who, free, twice, jitter, m)
        if len(batch) == 1 and len(free) >= team_size:
            # Most days have one visit: `_apart` on one row, inline (its cheapest team, when eligible and
            # strictly cheaper than the next choice); anything else takes the general path below.
            row = rows[0]
            order = sorted(range(len(row)), key=row.__getitem__)
            worst = row[order[team_size - 1]]
            if worst < _FORBIDDEN and (len(order) == team_size or row[order[team_size]] != worst):
                chosen = [free[c] for c in order[:team_size]]
                for e in chosen:
                    load[e] += 1
                    twice[e] = 2.0 * load[e]
                teams[batch[0][1]] = tuple(sorted([names[e] for e in chosen]))
                continue
        for (_, code), columns in zip(batch, _staff_one_day(batch, rows, free, team_size) if free else [[]] * len(batch)):
            chosen = [free[c] for c in columns]
            for e in chosen:
                load[e] += 1
                twice[e] = 2.0 * load[e]
            teams[code] = tuple(sorted([names[e] for e in chosen]))
            if not chosen:
                unstaffed.append(code)
    return teams, unstaffed
