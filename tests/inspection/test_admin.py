"""The admin never shows the sealed schedule, which is read only where each look is logged."""

import datetime

import pytest
from django.utils import timezone

from inspection.models import Inspection


@pytest.fixture
def staff_wang(wang):
    wang.is_staff = True
    wang.is_superuser = True
    wang.save()
    return wang


def test_the_admin_lists_dispatched_visits_but_never_planned_ones(client, staff_wang, jinbi, checklist):
    today = timezone.localdate()
    planned = Inspection.objects.create(county=jinbi.county, township=jinbi, checklist=checklist,
                                        date=today + datetime.timedelta(days=3))
    dispatched = Inspection.objects.create(county=jinbi.county, township=jinbi, checklist=checklist, date=today,
                                           status="dispatched", dispatched_at=timezone.now())
    client.force_login(staff_wang)
    listing = client.get("/admin/inspection/inspection/")
    assert listing.status_code == 200
    assert f"/admin/inspection/inspection/{dispatched.pk}/change/" in listing.content.decode()
    assert f"/admin/inspection/inspection/{planned.pk}/change/" not in listing.content.decode()
    assert client.get(f"/admin/inspection/inspection/{planned.pk}/change/").status_code == 302  # "not found" → index
