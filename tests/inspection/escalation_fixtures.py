"""Fixtures for the sanction ladder on the real services (issue 5).

Visits are made as the draw's dispatch leaves them, then filed and submitted through the field
services, which call the escalation service; time is frozen on the day of each step.
Import what a module needs: `from tests.inspection.escalation_fixtures import squad, visit, ...`.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from inspection.models import Inspection, Inspector, Role
from inspection.services.escalation import run_sweep
from inspection.services.inspections import FindingData, add_finding, submit_inspection
from tests.conftest import _user
from tests.inspection.field_fixtures import make_inspection

SHANGHAI = ZoneInfo("Asia/Shanghai")
D0 = date(2026, 3, 2)  # a Monday

# Checklist v1 positions (inspection/defaults.py): 6 orphan allowances (critical),
# 1 protection station staffed (major), 3 care funds (major), 11 pledges (major), 2 cadre contact (minor).
CRITICAL, MAJOR, MAJOR2, MAJOR3, MINOR = 6, 1, 3, 11, 2


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def at(on: date, hour: int = 10):
    return time_machine.travel(datetime.combine(on, time(hour), tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def squad(county, li):
    """Li and Hu make the regular visits; Ma, Tang and Xu are other inspectors; Jin lives in 金碧镇."""
    return make_squad(county, li)


def make_squad(county, li):
    people = {"li": li}
    for username, name, home in [
        ("hu", "胡督查", "520581002"),
        ("ma", "马督查", "520581101"),
        ("tang", "唐督查", "520581102"),
        ("xu", "徐督查", "520581103"),
        ("jin", "金督查", "520581100"),
    ]:
        user = _user(username, Role.INSPECTOR, county, name)
        Inspector.objects.create(user=user, county=county, name=name, home_township=county.townships.get(code=home))
        people[username] = user
    return people


def visit(township, on: date, *problems, team, checklist, kind=Inspection.Kind.REGULAR, inspection=None):
    """A visit on `on` whose team files `problems` and submits it.

    A problem is a checklist position (the item's own severity) or a severity for a problem
    outside the checklist. `inspection` is an already planned one (a follow-up) to use instead.
    """
    with at(on):
        if inspection is None:
            inspection = make_inspection(township=township, checklist=checklist, team=team, day=on, kind=kind)
        for problem in problems:
            if isinstance(problem, int):
                item = checklist.items.get(position=problem)
                data = FindingData(text=f"{item.area}：检查发现未达标。", item_id=item.pk)
            else:
                data = FindingData(text="清单以外的问题：台账记录不全。", severity=problem)
            add_finding(inspection=inspection, user=team[0], data=data)
        submit_inspection(inspection=inspection, user=team[0])
    inspection.refresh_from_db()
    return inspection


def sweep(county, on: date):
    with at(on, 6):
        return run_sweep(as_of=on, county=county)


def sweep_through(county, first: date, last: date):
    """The daily sweep, every morning from `first` to `last`."""
    decisions = []
    d = first
    while d <= last:
        decisions += sweep(county, d).decisions
        d += timedelta(days=1)
    return decisions


@pytest.fixture
def referred(county, jinbi, checklist, zhang, squad):
    """金碧镇: a critical finding on day 0, never rectified, referred on day 24."""
    return make_referred(county, jinbi, checklist, squad)


def make_referred(county, jinbi, checklist, squad):
    team = [squad["li"], squad["hu"]]
    first = visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    sweep_through(county, day(1), day(24))
    return first


def build_referred() -> dict:
    """`referred` and everyone around it, for data shared by a module or class (tests/shared_data.py):
    黔西市 with wang, qian, zhang, li (and the squad), zhao of 大方县; 金碧镇 referred on day 24."""
    from inspection.services.setup import ensure_default_checklist, import_divisions
    from tests.conftest import make_li, make_qian, make_wang, make_zhang, make_zhao

    county, _, _ = import_divisions(county_code="520581")
    other_county, _, _ = import_divisions(county_code="520521")
    checklist = ensure_default_checklist(county=county)
    people = {"wang": make_wang(county), "qian": make_qian(county), "zhang": make_zhang(county),
              "li": make_li(county), "zhao": make_zhao(other_county)}
    squad = make_squad(county, people["li"])
    jinbi = county.townships.get(code="520581100")
    referred = make_referred(county, jinbi, checklist, squad)
    return {"county": county, "jinbi": jinbi, "checklist": checklist, "squad": squad, "referred": referred, **people}
