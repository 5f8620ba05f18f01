"""The per-county context a simulation carries from week to week (`rotation.carry.Carry`) changes no byte.

Each week is drawn twice from the same inputs, once with the county's carried context and once
without any (everything computed afresh), and the results must pickle to the same bytes; the next
week is fed from the result. The county meets what a real run meets: China's calendar with its
holidays and make-up days, a margin, lost weeks, missed visits, an inspector who falls ill and comes
back, a new inspector, townships merged and split mid-run, and a Carry shared by mistake between two
counties.
"""

import importlib
import pickle
from datetime import date, timedelta

import pytest

import rotation as r
from rotation.carry import Carry
from rotation.inputs import DrawInputs, DrawResult, built
from rotation.simulate import _record_visits
from tests.rotation.qianxi_fixtures import KEY_MANAGED, QIANXI, QIANXI_TOWNSHIPS

START = date(2026, 12, 28)  # the run crosses 元旦 and 春节 2027 with their make-up days
CALENDAR = r.WorkCalendar(
    frozenset({date(2027, 1, 1), *(date(2027, 2, d) for d in range(8, 13))}),
    frozenset({date(2027, 2, 6), date(2027, 2, 20)}),
)
SEED = b"carry-seed"


def _same(a: DrawResult, b: DrawResult) -> None:
    assert a.to_dict() == b.to_dict()
    assert pickle.dumps(a) == pickle.dumps(b)


def _draw_both(carry: Carry, inputs: DrawInputs) -> DrawResult:
    key = r.derive_week_key(SEED, inputs.county, inputs.week)
    carried = r.draw(inputs, key, carry)
    _same(carried, r.draw(inputs, key))
    return carried


def _inputs(county, monday, towns, roster, balance, margin=5) -> DrawInputs:
    return DrawInputs(county, r.week_label(monday), 8, tuple(towns.values()), tuple(roster.values()),
                      origin=START, balance=balance, calendar=CALENDAR, margin=margin)


def _merge(towns: dict, a: str, b: str, new: str) -> dict:
    """Two townships become one (its last visit the older of theirs), in code order."""
    old = [towns.pop(a), towns.pop(b)]
    lasts = [t.last_inspected for t in old if t.last_inspected]
    towns[new] = r.TownshipState(new, any(t.key_managed for t in old), min(lasts) if lasts else None)
    return dict(sorted(towns.items()))


def test_a_county_drawn_week_by_week_with_its_carry_gets_the_same_bytes_as_without():
    key = set(KEY_MANAGED)
    towns = {c: r.TownshipState(c, c in key) for c in QIANXI_TOWNSHIPS}
    roster = {i.username: i for i in r.default_roster(QIANXI_TOWNSHIPS, 8)}
    carry, balance, ill, drawn = Carry(), {}, None, 0
    for w in range(40):
        monday = START + timedelta(weeks=w)
        if w in (3, 17):  # lost weeks: nothing drawn
            continue
        if w == 6:  # a team member falls ill for four weeks
            ill = roster.pop("inspector3")
        if w == 10:
            roster["inspector3"] = ill
        if w == 12:  # a new inspector, living in a township of the county
            roster["newcomer"] = r.InspectorState("newcomer", QIANXI_TOWNSHIPS[4])
        if w == 14:  # two townships merged
            towns = _merge(towns, QIANXI_TOWNSHIPS[0], QIANXI_TOWNSHIPS[1], "520581099")
        if w == 22:  # one split in two: both last visited when it was
            parent = towns.pop(QIANXI_TOWNSHIPS[7])
            towns.update({c: r.TownshipState(c, parent.key_managed, parent.last_inspected, parent.last_team)
                          for c in ("520581301", "520581302")})
            towns = dict(sorted(towns.items()))
        result = _draw_both(carry, _inputs(QIANXI, monday, towns, roster, balance))
        balance = result.balance
        done = list(result.visits[1:] if w % 5 == 2 else result.visits)  # every fifth week a visit is missed
        fresh_towns, fresh_roster = dict(towns), dict(roster)
        _record_visits(done, towns, roster, carry=carry)
        _record_visits(done, fresh_towns, fresh_roster)
        assert (towns, roster) == (fresh_towns, fresh_roster)
        assert not result.missed
        assert all(CALENDAR.is_workday(v.date) for v in result.visits)  # none in 春节's week
        drawn += len(result.visits)
    assert drawn > 30 * 4


def test_a_carry_shared_by_two_counties_still_gives_each_its_own_draw():
    carry = Carry()
    other = [f"520582{n:03d}" for n in range(1, 19)]
    for codes, county in ((QIANXI_TOWNSHIPS, QIANXI), (other, "520582"), (QIANXI_TOWNSHIPS, QIANXI)):
        towns = {c: r.TownshipState(c) for c in codes}
        roster = {i.username: i for i in r.default_roster(codes, 6)}
        _draw_both(carry, _inputs(county, START, towns, roster, {}, margin=0))


def test_a_roster_with_a_name_twice_is_refused_with_or_without_a_carry():
    towns = {c: r.TownshipState(c) for c in QIANXI_TOWNSHIPS}
    twice = (r.InspectorState("a", QIANXI_TOWNSHIPS[0]), r.InspectorState("b"), r.InspectorState("a"))
    inputs = DrawInputs(QIANXI, r.week_label(START), 5, tuple(towns.values()), twice, origin=START)
    key = r.derive_week_key(SEED, QIANXI, inputs.week)
    for carry in (None, Carry()):
        with pytest.raises(r.RotationInputError, match="督查员重复"):
            r.draw(inputs, key, carry)


class _Fresh(Carry):
    """A carry that keeps nothing: every week's roster facts and inspector states made afresh."""

    __slots__ = ()
    calls = [0]

    def roster(self, inspectors):
        self.calls[0] += 1
        self._rosters.clear()
        return super().roster(inspectors)

    def moved(self, i, township):
        self._moved.clear()
        return super().moved(i, township)


def test_simulate_with_its_carry_gives_the_json_of_a_simulation_that_carries_nothing(monkeypatch):
    kwargs = dict(county=QIANXI, townships=QIANXI_TOWNSHIPS, capacity=8, weeks=30, seed=3, start_week="2026-12-28",
                  key_managed=KEY_MANAGED, calendar="cn", margin=5, skip_weeks=[4], miss_weeks=[7], miss=3)
    carried = r.simulate(**kwargs)
    monkeypatch.setattr(importlib.import_module("rotation.simulate"), "Carry", _Fresh)
    assert r.simulate(**kwargs) == carried
    assert _Fresh.calls[0] >= 30  # every draw of the second run computed its roster afresh
    assert any(i["draw"] == "makeup-1" for w in carried["weeks"] for i in w["inspections"])  # the faults ran


def test_records_built_without_init_are_the_records_init_builds():
    inputs = DrawInputs(QIANXI, "2026-W53", 5, (r.TownshipState("x"),), (r.InspectorState("a"),), origin=START)
    again = built(DrawInputs, **vars(inputs))
    assert again == inputs and pickle.dumps(again) == pickle.dumps(inputs)
    result = r.draw(inputs, b"k" * 32)
    fields = vars(result)
    assert list(fields) == [f for f in DrawResult.__dataclass_fields__]  # every field, in field order
    assert pickle.dumps(DrawResult(**fields)) == pickle.dumps(result)
    assert hash(result.week_start) and result == DrawResult(**fields)
