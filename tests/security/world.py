"""A small county at work, and a neighbour county, built through the real services: every role's
people, inspections in every state, findings with evidence, issued notices with a rectification
report, and sealed draws. Used by the fuzzing, the scope matrix and the official's crawl.

Objects come in bundles (an inspection with its finding, evidence, notice and report) so that a
path with several ids can be filled with one consistent foreign object.
"""

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from inspection.models import (
    Draw, Inspection, Inspector, Notice, Official, Post, Profile, Role, SeedPeriod, TeamMember,
)
from inspection.services.inspections import FindingData, add_evidence, add_finding, submit_inspection
from inspection.services.notices import issue_notices
from inspection.services.responses import acknowledge_notice, file_response
from inspection.services.setup import ensure_default_checklist, import_divisions
from inspection.services.reports import file_report
from inspection.services.tokens import issue_token

PASSWORD = "pw-world"
JINBI, SHUIXI, OTHER_TOWNSHIP, FUTURE_TOWNSHIP, BUSY_TOWNSHIP = (
    "520581100", "520581001", "520581101", "520581102", "520581103",
)
HOME_DRAW_WEEK, FOREIGN_DRAW_WEEK = "2026-W49", "2026-W50"
REPORT_TEXT = "入户走访发现该女童身上多处淤青，疑似遭受家庭暴力"


@dataclass
class Bundle:
    """One inspection and what hangs off it; the ids a path may ask for."""

    inspection_id: int
    township: str
    finding_id: int | None = None
    evidence_id: int | None = None
    notice_id: int | None = None
    response_id: int | None = None
    attachment_id: int | None = None  # the response's attachment
    week: str | None = None
    token_id: int | None = None  # an API token of the township's official
    report_id: int | None = None  # a mandatory-report case (强制报告) filed in the county

    def path_values(self) -> dict:
        return {
            "inspection_id": self.inspection_id, "finding_id": self.finding_id, "evidence_id": self.evidence_id,
            "notice_id": self.notice_id, "response_id": self.response_id,
            "attachment_id": self.attachment_id, "code": self.township, "week": self.week,
            "token_id": self.token_id, "report_id": self.report_id,
        }


@dataclass
class World:
    users: dict = field(default_factory=dict)
    bundles: dict = field(default_factory=dict)  # name -> Bundle
    secrets: dict = field(default_factory=dict)  # what an official must never read: name -> strings


def png_upload(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _person(username, role, county, name, *, township=None, home=None):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=name)
    Profile.objects.create(user=user, role=role, county=county)
    if role == Role.INSPECTOR:
        Inspector.objects.create(user=user, county=county, name=name,
                                 home_township=county.townships.get(code=home) if home else None)
    if role == Role.OFFICIAL:
        official = Official.objects.create(user=user, county=county, name=name)
        Post.objects.create(official=official, township=county.townships.get(code=township), started_on="2025-01-01")
    return user


def _inspection(county, code, checklist, team, *, status=Inspection.Status.DISPATCHED, day=None):
    inspection = Inspection.objects.create(
        county=county, township=county.townships.get(code=code), checklist=checklist,
        date=day or timezone.localdate(), status=status,
        dispatched_at=None if status == Inspection.Status.PLANNED else timezone.now(),
    )
    for user in team:
        TeamMember.objects.create(inspection=inspection, inspector=user.inspector)
    return inspection


def _visited(county, code, checklist, team, *, text):
    """A visit filed with one major finding and a photo, then submitted (notices are drafted)."""
    inspection = _inspection(county, code, checklist, team)
    item = checklist.items.filter(severity="major").order_by("position").first()
    finding = add_finding(inspection=inspection, user=team[0], data=FindingData(text=text, item_id=item.pk))
    evidence, _ = add_evidence(finding=finding, user=team[0], upload=png_upload())
    submit_inspection(inspection=inspection, user=team[0])
    return Bundle(inspection.pk, code, finding_id=finding.pk, evidence_id=evidence.pk)


def _draw(county, week, start, by):
    period, _ = SeedPeriod.objects.get_or_create(
        county=county, starts_on=start - timedelta(days=start.weekday()),
        defaults={"ends_on": start + timedelta(days=60), "seed": "ab" * 32, "commitment": "cd" * 32},
    )
    return Draw.objects.create(
        county=county, week=week, week_start=start, period=period, inputs={"townships": []},
        result={"visits": []}, result_hash="ef" * 32, created_by=by,
    )


def build_world() -> World:
    world = World()
    county, _, _ = import_divisions(county_code="520581")
    neighbour, _, _ = import_divisions(county_code="520521")
    checklist = ensure_default_checklist(county=county)
    neighbour_checklist = ensure_default_checklist(county=neighbour)
    other_code = neighbour.townships.order_by("code").first().code

    people = [
        ("wang", Role.COMMISSION, county, "王主任", {}),
        ("li", Role.INSPECTOR, county, "李督查", {"home": SHUIXI}),
        ("sun", Role.INSPECTOR, county, "孙督查", {"home": "520581002"}),
        ("ma", Role.INSPECTOR, county, "马督查", {"home": "520581003"}),
        ("zhang", Role.OFFICIAL, county, "张永燊", {"township": JINBI}),
        ("wu", Role.OFFICIAL, county, "吴乡长", {"township": OTHER_TOWNSHIP}),
        ("qian", Role.OBSERVER, county, "钱观察", {}),
        ("chen", Role.COMMISSION, neighbour, "陈外县", {}),
        ("ding", Role.INSPECTOR, neighbour, "丁外县", {}),
        ("deng", Role.INSPECTOR, neighbour, "邓外县", {}),
        ("zhao", Role.OFFICIAL, neighbour, "赵外县", {"township": other_code}),
    ]
    for username, role, where, name, extra in people:
        world.users[username] = _person(username, role, where, name, **extra)
    u = world.users

    world.bundles["jinbi"] = _visited(county, JINBI, checklist, [u["li"], u["sun"]], text="金碧镇未保工作站无人值守")
    world.bundles["other_township"] = _visited(
        county, OTHER_TOWNSHIP, checklist, [u["li"], u["sun"]], text="另一乡镇关爱资金台账缺失")
    world.bundles["other_county"] = _visited(
        neighbour, other_code, neighbour_checklist, [u["ding"], u["deng"]], text="外县问题")

    # Work still going on: today's visit by li's team, another team's visit li is not on, and a
    # visit tomorrow that nobody but the commission may know of.
    today = _inspection(county, JINBI, checklist, [u["li"], u["sun"]])
    world.bundles["dispatched_jinbi"] = Bundle(today.pk, JINBI)
    busy = _inspection(county, BUSY_TOWNSHIP, checklist, [u["sun"], u["ma"]])
    finding = add_finding(inspection=busy, user=u["sun"], data=FindingData(text="另一组发现的问题", severity="minor"))
    world.bundles["other_team"] = Bundle(busy.pk, BUSY_TOWNSHIP, finding_id=finding.pk)
    tomorrow = timezone.localdate() + timedelta(days=1)
    future = _inspection(county, FUTURE_TOWNSHIP, checklist, [u["sun"], u["ma"]],
                         status=Inspection.Status.PLANNED, day=tomorrow)
    world.bundles["future"] = Bundle(future.pk, FUTURE_TOWNSHIP)

    # Notices: every draft issued; each official acknowledges and reports on theirs.
    issue_notices(notices=list(Notice.objects.filter(county=county)), actor=u["wang"])
    issue_notices(notices=list(Notice.objects.filter(county=neighbour)), actor=u["chen"])
    for name, official in [("jinbi", "zhang"), ("other_township", "wu"), ("other_county", "zhao")]:
        bundle = world.bundles[name]
        notice = Notice.objects.filter(inspection_id=bundle.inspection_id).order_by("pk").first()
        acknowledge_notice(notice=notice, user=u[official])
        response = file_response(notice=notice, user=u[official], text="已整改完毕", uploads=[png_upload("report.png")])
        bundle.notice_id, bundle.response_id = notice.pk, response.pk
        bundle.attachment_id = response.attachments.get().pk

    world.bundles["jinbi"].week = HOME_DRAW_WEEK
    world.bundles["other_township"].week = HOME_DRAW_WEEK
    world.bundles["other_county"].week = FOREIGN_DRAW_WEEK
    world.bundles["future"].week = HOME_DRAW_WEEK  # the sealed schedule that holds tomorrow's visit
    home_draw = _draw(county, HOME_DRAW_WEEK, date(2026, 11, 30), u["wang"])
    for name, official in [("jinbi", "zhang"), ("other_county", "zhao")]:
        world.bundles[name].token_id = issue_token(user=u[official], label="world")[0].pk
    _draw(neighbour, FOREIGN_DRAW_WEEK, date(2026, 12, 7), u["chen"])

    # A mandatory-report case in each county: the commission files it; no township ever reads it.
    for name, by in [("jinbi", "wang"), ("other_county", "chen")]:
        world.bundles[name].report_id = file_report(
            actor=u[by], what=REPORT_TEXT, location="某村", discovered_at=timezone.now() - timedelta(hours=2),
            child_description="约9岁女童", agency="police", child_identity="刘某某，身份证另告",
        ).pk

    world.secrets = {
        "the mandatory report": [REPORT_TEXT, "约9岁女童"],
        "inspector names": ["李督查", "孙督查", "马督查"],
        "inspector usernames": ['"li"', '"sun"', '"ma"'],
        "tomorrow's visit": [tomorrow.isoformat(), f"{tomorrow.month}月{tomorrow.day}日"],
        "the sealed draw": [HOME_DRAW_WEEK, home_draw.result_hash],
    }
    return world
