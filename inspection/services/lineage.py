"""Township lineage (区划调整): merges, splits and recodings, and what the draw carries over them.

Entry points (keyword-only):

    record_lineage(township=, predecessor_code=, changed_on=, kind="merge", source="", actor=None)
        one predecessor of a township from the date of the change (by hand, in the admin, or from
        the divisions file); the predecessor leaves the inspection scope; audited
    carried_last_visits(county=, own=) -> {township id: date | None}
        the last visit the draw and the dashboard count for each township that has a lineage or an
        establishment date
    home_codes(county=) -> {township id: code}
        where an inspector living in a merged-away township now lives, for the recusal
    apply_lineage(county=, townships=, inspectors=, history=) -> (townships, inspectors)
        the draw's inputs (rotation states) with both applied; `history` is the draw's own
        queryset of inspections that count, so predecessors' visits count by the same rule

The rules, so that nobody is inspected late because the map changed and no deadline is invented:
- a township visited on or after its latest change counts that visit;
- otherwise the oldest last visit over its own (if it existed before) and its predecessors' stands:
  the area of the predecessor visited longest ago is what the next visit must reach in time;
- a new township with no visit known starts its two-month clock on its creation date (counted as
  visited the day before), never from the county's first draw (an already-passed deadline);
- an inspector whose home township was merged away lives in its successor and recuses from it
  (after a split: the first successor by code, until the commission records the new home).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max, QuerySet

from inspection.errors import InspectionError
from inspection.models import County, Township, TownshipLineage
from inspection.services.audit import record_event
from inspection.services.coverage_summary import refresh_coverage


@transaction.atomic
def record_lineage(*, township: Township, predecessor_code: str, changed_on: date,
                   kind: str = TownshipLineage.Kind.MERGE, source: str = "", actor=None) -> TownshipLineage:
    """Record that `predecessor_code` became (part of) `township` on `changed_on`. Idempotent."""
    predecessor_code = predecessor_code.strip()
    if predecessor_code == township.code:
        raise InspectionError("乡镇（街道）不能是自己的前身")
    if kind not in TownshipLineage.Kind.values:
        raise InspectionError(f"区划调整类型应为 合并、拆分 或 更名或代码调整：{kind!r}")
    predecessor = Township.objects.filter(code=predecessor_code).first()
    if predecessor is not None and predecessor.county_id != township.county_id:
        raise InspectionError(f"{predecessor_code} 不属于{township.county.name}")
    row, created = TownshipLineage.objects.get_or_create(
        township=township, predecessor_code=predecessor_code,
        defaults={"predecessor": predecessor, "changed_on": changed_on, "kind": kind, "source": source},
    )
    if not created:
        return row
    if township.established_on is None and not township.inspections.filter(date__lt=changed_on).exists():
        township.established_on = changed_on
        township.save(update_fields=["established_on"])
    if predecessor is not None and predecessor.active:
        predecessor.active = False
        predecessor.save(update_fields=["active"])
    record_event(
        "township.lineage_recorded", actor=actor, obj=township, county=township.county,
        data={"township": township.code, "predecessor": predecessor_code, "kind": kind,
              "changed_on": changed_on.isoformat(), "source": source},
    )
    refresh_coverage(county=township.county)
    return row


def _lineage(county: County) -> dict[int, list[TownshipLineage]]:
    rows: dict[int, list[TownshipLineage]] = {}
    for row in TownshipLineage.objects.filter(township__county=county).order_by("changed_on", "predecessor_code"):
        rows.setdefault(row.township_id, []).append(row)
    return rows


def carried_last_visits(*, county: County, own: dict[int, date]) -> dict[int, date | None]:
    """Each changed or new township's last visit for the coverage rule, from `own` (township id → own last visit).

    Townships without lineage or establishment date are left out: their own last visit stands.
    """
    lineage = _lineage(county)
    established = dict(
        Township.objects.filter(county=county, established_on__isnull=False).values_list("id", "established_on")
    )
    return carry_last_visits(lineage=lineage, established=established, own=own)


def carry_last_visits(*, lineage: dict, established: dict[int, date], own: dict[int, date]) -> dict[int, date | None]:
    """`carried_last_visits` without the database: `lineage` maps a township id to its rows (anything
    with `predecessor_id` and `changed_on`), `established` to its establishment date. The dashboard's
    summary (services/coverage_summary.py) keeps both and applies the same rule at read time."""
    out: dict[int, date | None] = {}
    for township_id in set(lineage) | set(established):
        rows = lineage.get(township_id, [])
        changed = max((r.changed_on for r in rows), default=established.get(township_id))
        mine = own.get(township_id)
        if mine is not None and changed is not None and mine >= changed:
            out[township_id] = mine
            continue
        known = [own[r.predecessor_id] for r in rows if r.predecessor_id in own]
        if mine is not None and township_id not in established:
            known.append(mine)
        if known:
            out[township_id] = min(known)
        elif township_id in established:
            out[township_id] = established[township_id] - timedelta(days=1)
        else:
            out[township_id] = mine
    return out


def home_codes(*, county: County) -> dict[int, str]:
    """A merged-away township's id → the code of the township its people now live in."""
    out: dict[int, str] = {}
    for row in TownshipLineage.objects.filter(township__county=county, predecessor__isnull=False).select_related(
        "township"
    ).order_by("-changed_on", "-township__code"):
        out[row.predecessor_id] = row.township.code  # the first successor by code wins
    return out


def apply_lineage(*, county: County, townships: tuple, inspectors: tuple, history: QuerySet) -> tuple[tuple, tuple]:
    """The draw's township and inspector states with carried last visits and moved homes."""
    ids = dict(Township.objects.filter(county=county).values_list("code", "id"))
    own = {ids[t.code]: t.last_inspected for t in townships if t.last_inspected is not None}
    predecessors = TownshipLineage.objects.filter(township__county=county, predecessor__isnull=False)
    own.update(
        history.filter(township_id__in=predecessors.values("predecessor_id"))
        .values("township_id").annotate(last=Max("date")).values_list("township_id", "last")
    )
    carried = carried_last_visits(county=county, own=own)
    changed = tuple(
        replace(t, last_inspected=carried[ids[t.code]], last_team=())
        if ids[t.code] in carried and carried[ids[t.code]] != t.last_inspected else t
        for t in townships
    )
    successor_of = home_codes(county=county)
    moved = {code: successor_of[pk] for code, pk in ids.items() if pk in successor_of}
    homes = tuple(replace(i, home=moved.get(i.home, i.home)) if i.home in moved else i for i in inspectors)
    return changed, homes
