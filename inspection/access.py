"""Who may see what (DESIGN.md §1). Every view and endpoint scopes its querysets through here.

An object outside the caller's scope is reported as not found, never as forbidden, so that
its existence does not leak.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from inspection.errors import NotFound
from inspection.models import (
    ApiToken,
    AuditEvent,
    CalendarDay,
    AuditHead,
    DamagedFile,
    Decision,
    Draw,
    Evidence,
    Inspection,
    Notice,
    NoticeResponse,
    Official,
    Profile,
    Role,
    Township,
    grace_hours,
)
from inspection.publication import public_record
from scoring import DecisionKind


def profile_of(user) -> Profile | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    profile = profile_of(user)
    return profile.role if profile else None


def require_role(user, *roles: str) -> Profile:
    profile = profile_of(user)
    if profile is None or profile.role not in roles:
        raise NotFound("未找到")
    return profile


def official_of(user) -> Official | None:
    try:
        return user.official
    except (AttributeError, Official.DoesNotExist):
        return None


def official_township(user) -> Township | None:
    official = official_of(user)
    if official is None:
        return None
    post = official.current_post()
    return post.township if post else None


def _of_county(user, model) -> tuple[Profile | None, QuerySet]:
    """The caller's profile and the rows of `model` in their county (none without a profile):
    the outer bound of every rule below."""
    profile = profile_of(user)
    if profile is None:
        return None, model.objects.none()
    return profile, model.objects.filter(county_id=profile.county_id)


def visible_townships(user) -> QuerySet[Township]:
    profile, qs = _of_county(user, Township)
    if profile is None:
        return qs
    if profile.role == Role.OFFICIAL:
        township = official_township(user)
        return qs.filter(pk=township.pk) if township else qs.none()
    if profile.role == Role.INSPECTOR:
        return qs.none()
    return qs


def visible_inspections(user) -> QuerySet[Inspection]:
    profile, qs = _of_county(user, Inspection)
    if profile is None or profile.role == Role.COMMISSION:
        return qs
    if profile.role == Role.INSPECTOR:
        return qs.filter(
            members__inspector__user=user,
            # a visit marked missed stays the team's: its late filing turns it back to submitted
            status__in=[Inspection.Status.DISPATCHED, Inspection.Status.SUBMITTED, Inspection.Status.MISSED],
        )
    if profile.role == Role.OFFICIAL:
        township = official_township(user)
        if township is None:
            return qs.none()
        return qs.filter(township=township, status=Inspection.Status.SUBMITTED)
    if profile.role == Role.OBSERVER:
        return qs.filter(status=Inspection.Status.SUBMITTED)
    return qs.none()


def visible_visits(user) -> QuerySet[Inspection]:
    """The inspections the caller may see outside the draw pages: a planned visit is the sealed
    schedule, read (and each look logged) only through the draws."""
    return visible_inspections(user).exclude(status=Inspection.Status.PLANNED)


def counted_visits(county, *, as_of=None) -> QuerySet[Inspection]:
    """The visits of `county` that count for coverage and deadlines (the same rule as the draw's
    inputs, `InspectionQuerySet.counted`): submitted, or still within their grace; never a missed
    or cancelled one."""
    return Inspection.objects.counted(as_of=as_of or timezone.now(), grace=grace_hours(county)).filter(county=county)


def visible_evidence(user) -> QuerySet[Evidence]:
    return Evidence.objects.filter(finding__inspection__in=visible_inspections(user))


def sees_team(user) -> bool:
    """Who on the team filed what is the commission's and the team's business: a township (and
    the observer) reads the findings as the team's, never as a named inspector's."""
    return role_of(user) in (Role.COMMISSION, Role.INSPECTOR)


def visible_decisions(user, township: Township | None = None) -> QuerySet[Decision]:
    """The escalation history the caller may read, of one township or of every visible one.

    The follow-up is unannounced, so its planning (the window) is the commission's alone; an
    official never sees the decisions behind a letter not yet issued to them (a draft, or a
    voided one, is the commission's).
    """
    role = role_of(user)
    if role not in (Role.COMMISSION, Role.OBSERVER, Role.OFFICIAL):
        return Decision.objects.none()
    qs = Decision.objects.filter(township__in=visible_townships(user))
    if township is not None:
        qs = qs.filter(township=township)
    if role == Role.COMMISSION:
        return qs
    qs = qs.exclude(kind=DecisionKind.FOLLOW_UP_WANTED.value)
    if role == Role.OFFICIAL:
        qs = qs.exclude(notice__state__in=[Notice.State.DRAFT, Notice.State.VOID])
    return qs


def visible_draws(user) -> QuerySet[Draw]:
    """The commission reads every draw of its county (a sealed one's look is logged by the
    caller); everyone else in the county only the revealed ones."""
    profile, draws = _of_county(user, Draw)
    if profile is None or profile.role == Role.COMMISSION:
        return draws
    return draws.filter(state=Draw.State.REVEALED)


def visible_calendar_days(user) -> QuerySet[CalendarDay]:
    """The commission's calendar entries: its county's, to it alone (the calendar is part of the schedule's
    making, and changing it is the commission's)."""
    profile, days = _of_county(user, CalendarDay)
    if profile is None or profile.role != Role.COMMISSION:
        return days.none()
    return days


def sees_roster(user) -> bool:
    """Who reads inspectors by name in a revealed draw: the commission and the observer. Everyone
    else (a township official) reads the public record: pseudonyms, no homes, no last teams."""
    return role_of(user) in (Role.COMMISSION, Role.OBSERVER)


def draw_record_for(user, draw: Draw) -> dict:
    """A revealed draw's record as `user` may read it (names only for those who see the roster)."""
    return public_record(draw, names=sees_roster(user))


def visible_audit_events(user) -> QuerySet[AuditEvent]:
    profile = profile_of(user)
    if profile is None or profile.role not in (Role.COMMISSION, Role.OBSERVER):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(county_code=profile.county.code)


def visible_audit_head(user) -> AuditHead | None:
    """The head of the caller's county's audit chain (the readers of its audit log), else None."""
    profile = profile_of(user)
    if profile is None or profile.role not in (Role.COMMISSION, Role.OBSERVER):
        return None
    return AuditHead.objects.filter(chain=profile.county.code).first()


def visible_damaged_files(user) -> QuerySet[DamagedFile]:
    """Archive copies found damaged (inspection/services/stored_files.py): the commission's, of its county."""
    profile = profile_of(user)
    if profile is None or profile.role != Role.COMMISSION:
        return DamagedFile.objects.none()
    return DamagedFile.objects.filter(county=profile.county)


def ledger_county(user):
    """The county whose accountability ledger (and its export) the caller reads, else NotFound."""
    return require_role(user, Role.COMMISSION, Role.OBSERVER).county


def visible_officials(user) -> QuerySet[Official]:
    """The officials whose record the caller may read by name: the ledger's readers, their county's."""
    profile, officials = _of_county(user, Official)
    if profile is None or profile.role not in (Role.COMMISSION, Role.OBSERVER):
        return officials.none()
    return officials


def visible_notices(user) -> QuerySet[Notice]:
    profile, qs = _of_county(user, Notice)
    if profile is None or profile.role == Role.COMMISSION:
        return qs
    issued = qs.exclude(state=Notice.State.DRAFT)
    if profile.role == Role.OBSERVER:
        return issued
    if profile.role == Role.OFFICIAL:
        official = official_of(user)
        if official is None:
            return qs.none()
        return issued.filter(Q(official=official) | Q(kind="circular")).exclude(state=Notice.State.VOID, official__isnull=True)
    return qs.none()


def visible_responses(user) -> QuerySet[NoticeResponse]:
    """Rectification reports (and their attachments) go with the notice they answer."""
    return NoticeResponse.objects.filter(notice__in=visible_notices(user))


def get_visible(queryset: QuerySet, **lookup):
    """The one object of `queryset` matching `lookup`, or NotFound."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound("未找到") from None



def own_tokens(user) -> QuerySet[ApiToken]:
    """A user's own API tokens, live or dead (the list says which)."""
    if user is None or not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).select_related("user")


def county_tokens(user) -> QuerySet[ApiToken]:
    """The commission sees the API tokens of its county's accounts, to revoke a lost device's."""
    profile = profile_of(user)
    if profile is None or profile.role != Role.COMMISSION:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user__profile__county_id=profile.county_id).select_related("user", "user__profile")
