"""Fixtures for field work (issue 4): a second inspector and inspections in each state.

Inspections are made directly (not through the draw), as the draw's dispatch would leave them.
Import the fixtures a module needs: `from tests.inspection.field_fixtures import dispatched, ...`.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from inspection.models import Inspection, Inspector, Role, TeamMember
from tests.conftest import _user


@pytest.fixture
def sun(county):
    """Li's teammate."""
    user = _user("sun", Role.INSPECTOR, county, "孙督查")
    Inspector.objects.create(user=user, county=county, name="孙督查", home_township=county.townships.get(code="520581002"))
    return user


@pytest.fixture
def zhou(county):
    """An inspector of the same county who is not on the team."""
    user = _user("zhou", Role.INSPECTOR, county, "周督查")
    Inspector.objects.create(user=user, county=county, name="周督查")
    return user


def make_inspection(
    *, township, checklist, team, status=Inspection.Status.DISPATCHED, day=None, kind=Inspection.Kind.REGULAR
):
    day = day or timezone.localdate()
    inspection = Inspection.objects.create(
        county=township.county,
        township=township,
        checklist=checklist,
        date=day,
        kind=kind,
        status=status,
        dispatched_at=None if status == Inspection.Status.PLANNED else timezone.now(),
    )
    for user in team:
        TeamMember.objects.create(inspection=inspection, inspector=user.inspector)
    return inspection


@pytest.fixture
def dispatched(jinbi, checklist, li, sun):
    """Today's visit to 金碧镇 by li and sun, dispatched this morning."""
    return make_inspection(township=jinbi, checklist=checklist, team=[li, sun])


@pytest.fixture
def tomorrow(county, checklist, li, sun):
    """Tomorrow's visit, still planned: nobody on the team may know of it yet."""
    township = county.townships.get(code="520581101")
    return make_inspection(
        township=township, checklist=checklist, team=[li, sun], status=Inspection.Status.PLANNED,
        day=timezone.localdate() + timedelta(days=1),
    )


def item(inspection, position):
    return inspection.checklist.items.get(position=position)
