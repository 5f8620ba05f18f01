"""Fixtures for the draw (issue 3): a county with its roster, and a sealed week.

Import what a module needs: `from tests.inspection.draw_fixtures import roster, sealed, at, ...`.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from django.contrib.auth import get_user_model

from inspection.models import Inspector, Profile, Role
from inspection.services.draws import seal_draw

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = "2026-W49"
FRIDAY_BEFORE = date(2026, 11, 27)
MONDAY = date(2026, 11, 30)
AFTER_WEEK = date(2026, 12, 8)
AFTER_PERIOD = date(2027, 1, 5)  # the Nov–Dec seed period runs to Sunday 3 January


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime.combine(day, time(hour), tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def roster(county, checklist):
    """黔西市 with 12 inspectors, inspector1..12, homes spread over the county as in the demo."""
    return make_roster(county)


def make_roster(county):
    townships = list(county.townships.filter(active=True).order_by("code"))
    for i in range(1, 13):
        user = get_user_model().objects.create(username=f"inspector{i}")  # no password: nobody signs in here
        Profile.objects.create(user=user, role=Role.INSPECTOR, county=county)
        Inspector.objects.create(user=user, county=county, name=f"督查员{i}", home_township=townships[(i * 5) % len(townships)])
    return county


@pytest.fixture
def sealed(roster, wang):
    """Week 2026-W49, sealed by wang on the Friday before."""
    return make_sealed(roster, wang)


def make_sealed(roster, wang):
    with at(FRIDAY_BEFORE):
        return seal_draw(county=roster, week=WEEK, actor=wang)


@pytest.fixture
def revealed(sealed, roster):
    """Week 2026-W49 revealed with its period's seed, as after the period."""
    from inspection.services.draws import reveal_due

    with at(AFTER_PERIOD):
        reveal_due(county=roster)
    sealed.refresh_from_db()
    return sealed
