"""Fixtures for the web pages: a county with a few weeks of real work behind it.

Inspections are made as the draw's dispatch leaves them (tests.inspection.field_fixtures), then
filled and submitted through the field services, so scores, escalation and notices come from
the real code paths.
"""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from django.contrib.auth import get_user_model

from inspection.models import Inspection, Inspector, Profile, Role
from inspection.services.inspections import FindingData, add_evidence, add_finding, submit_inspection
from tests.inspection.field_fixtures import make_inspection


def make_team(county, prefix="team"):
    """Two inspectors who never sign in here (no password hashing: it is slow on purpose)."""
    users = []
    for i in range(2):
        user = get_user_model().objects.create(username=f"{prefix}{county.code}{i}", first_name=f"督查{i}")
        Profile.objects.create(user=user, role=Role.INSPECTOR, county=county)
        Inspector.objects.create(user=user, county=county, name=f"督查员{county.code[-2:]}{i}")
        users.append(user)
    return users


def photo(name="photo.jpg", colour=(170, 60, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def submit_visit(*, township, checklist, team, day, findings=(), photos=0):
    """A visit on `day` with `findings` [(item position or None, severity or None, text)], submitted;
    `photos` pictures of the first finding as evidence."""
    inspection = make_inspection(township=township, checklist=checklist, team=team, day=day)
    for i, (position, severity, text) in enumerate(findings):
        item = checklist.items.get(position=position) if position else None
        finding = add_finding(
            inspection=inspection,
            user=team[0],
            data=FindingData(text=text, item_id=item.id if item else None, severity=severity),
        )
        for n in range(photos if i == 0 else 0):
            add_evidence(finding=finding, user=team[0], upload=photo(f"现场{n}.jpg", (170, 60 + 40 * n, 40)))
    inspection, _ = submit_inspection(inspection=inspection, user=team[0])
    return inspection


def fill_county(county, checklist, *, townships=6, weeks=4, team=None):
    """`weeks` past weeks of visits to the first `townships` townships, with a spread of findings."""
    team = team or make_team(county)
    today = timezone.localdate()
    made = []
    places = list(county.townships.order_by("code")[:townships])
    for w in range(weeks):
        for i, township in enumerate(places):
            if (i + w) % 2:
                continue
            day = today - timedelta(days=7 * (weeks - w) - i % 5)
            findings = []
            if (i + w) % 4 == 0:
                findings.append((2, None, f"{township.name}包保联系记录缺失"))
            if i == 0 and w == weeks - 2:
                findings.append((6, None, "孤儿基本生活费未按时发放"))
            made.append(submit_visit(township=township, checklist=checklist, team=team, day=day, findings=findings))
    return made


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    """Evidence and notice PDFs made by these tests stay out of the project's media folder; and
    passwords are hashed cheaply here (the real hasher takes a deliberate ~0.3 s per user)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(county):
    return make_team(county)


@pytest.fixture
def history(county, checklist, team):
    """Four past weeks of submitted visits in 黔西市."""
    return fill_county(county, checklist, team=team)


@pytest.fixture
def jinbi_visit(jinbi, checklist, team, zhang):
    """A submitted visit to 金碧镇 a week ago with a critical and a minor finding; zhang holds the post."""
    return make_jinbi_visit(jinbi, checklist, team)


def make_jinbi_visit(jinbi, checklist, team):
    return submit_visit(
        township=jinbi,
        checklist=checklist,
        team=team,
        day=timezone.localdate() - timedelta(days=7),
        findings=[(6, None, "孤儿基本生活费未按标准发放"), (2, None, "包保联系无工作记录")],
        photos=2,
    )


@pytest.fixture
def planned_visit(county, checklist, team):
    """Next week's visit to 水西街道: part of the sealed schedule."""
    return make_inspection(
        township=county.townships.get(code="520581001"), checklist=checklist, team=team,
        status=Inspection.Status.PLANNED, day=timezone.localdate() + timedelta(days=7),
    )
