"""The commission's operations around the draw (issue 15): ad-hoc inspections, inspectors' leave, and
replacing an inspector of a sealed visit. Commission only: anyone else is told 404, as for a made-up
path. Each call loads through `access`, then calls the service, which checks and audits.
"""

from datetime import date, datetime

from ninja import Field, Router, Schema, Status

from inspection.access import get_visible, profile_of, visible_ad_hoc, visible_inspections, visible_leaves
from inspection.api.common import ErrorOut, Id, SafeDate
from inspection.errors import NotFound, Unprocessable
from inspection.models import Inspection, Inspector, InspectorLeave, Replacement, Role, Township
from inspection.services import adhoc, leave, replacements

router = Router(tags=["operations"])
ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _county(request):
    profile = profile_of(request.auth)
    if profile is None or profile.role != Role.COMMISSION:
        raise NotFound("未找到")
    return profile.county


def _inspectors(county, usernames: list[str]) -> list[Inspector]:
    found = {i.user.get_username(): i for i in Inspector.objects.filter(
        county=county, user__username__in=usernames).select_related("user")}
    unknown = [u for u in usernames if u not in found]
    if unknown:
        raise Unprocessable("本县没有这些督查员：" + "、".join(unknown[:10]))
    return [found[u] for u in usernames]


class AdHocIn(Schema):
    township: str = Field(max_length=12)  # its code
    date: SafeDate
    source: str = Field(max_length=16)  # complaint | lead | review
    reason: str = Field(max_length=2000)  # the service bounds it (200) and says so in Chinese
    team: list[str] = Field(max_length=20)  # usernames


class AdHocOut(Schema):
    id: int
    township: str = Field(alias="township.code")
    date: date
    status: str
    kind: str
    source: str
    reason: str
    team: list[str]

    @staticmethod
    def resolve_team(inspection: Inspection) -> list[str]:
        return sorted(m.inspector.user.get_username() for m in inspection.members.all())


@router.get("ad-hoc-inspections", response=list[AdHocOut], url_name="ad_hoc_inspections")
def list_ad_hoc(request):
    _county(request)
    return (visible_ad_hoc(request.auth).select_related("township").prefetch_related("members__inspector__user")
            .order_by("-date", "-id")[:200])


@router.post("ad-hoc-inspections", response={201: AdHocOut, **ERRORS}, url_name="ad_hoc_order")
def order_ad_hoc(request, body: AdHocIn):
    county = _county(request)
    township = Township.objects.filter(county=county, code=body.township).first()
    if township is None:
        raise Unprocessable(f"本县没有代码为 {body.township[:12]} 的乡镇（街道）")
    visit = adhoc.order_inspection(county=county, township=township, on=body.date, source=body.source,
                                   reason=body.reason, team=_inspectors(county, body.team), actor=request.auth)
    return Status(201, visit)


class LeaveIn(Schema):
    inspector: str = Field(max_length=150)  # username
    starts_on: SafeDate
    ends_on: SafeDate
    reason: str = Field(max_length=2000)


class LeaveOut(Schema):
    id: int
    inspector: str = Field(alias="inspector.user.username")
    starts_on: date
    ends_on: date
    reason: str
    withdrawn_at: datetime | None


@router.get("leave", response=list[LeaveOut], url_name="leave")
def list_leave(request):
    _county(request)
    return visible_leaves(request.auth).select_related("inspector__user").order_by("-starts_on", "-id")[:500]


@router.post("leave", response={201: LeaveOut, **ERRORS}, url_name="leave_add")
def add_leave(request, body: LeaveIn):
    county = _county(request)
    [inspector] = _inspectors(county, [body.inspector])
    entry = leave.add_leave(county=county, inspector=inspector, starts_on=body.starts_on, ends_on=body.ends_on,
                            reason=body.reason, actor=request.auth)
    return Status(201, InspectorLeave.objects.select_related("inspector__user").get(pk=entry.pk))


class ReplacementIn(Schema):
    inspector: str = Field(max_length=150)  # the username of the team member who cannot go
    reason: str = Field(max_length=2000)


class ReplacementOut(Schema):
    index: int
    week: str = Field(alias="draw.week")
    replaced: str = Field(alias="replaced.user.username")
    replacement: str = Field(alias="replacement.user.username")
    reason: str
    candidates: list[str]
    created_at: datetime


@router.post("inspections/{inspection_id}/replacements", response={201: ReplacementOut, **ERRORS},
             url_name="inspection_replacements")
def replace(request, inspection_id: Id, body: ReplacementIn):
    county = _county(request)
    visit = get_visible(visible_inspections(request.auth), pk=inspection_id)
    [inspector] = _inspectors(county, [body.inspector])
    record = replacements.replace_inspector(inspection=visit, inspector=inspector, reason=body.reason,
                                            actor=request.auth)
    return Status(201, Replacement.objects.select_related("draw", "replaced__user", "replacement__user").get(pk=record.pk))
