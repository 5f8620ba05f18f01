"""Who may see what (DESIGN.md §1). Every view and endpoint scopes its querysets through here.

An object outside the caller's scope is reported as not found, never as forbidden, so that
its existence does not leak.
"""

from django.db.models import Q, QuerySet

from inspection.errors import NotFound
from inspection.models import Decision, Draw, Inspection, Notice, Official, Profile, Role, Township
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


def visible_townships(user) -> QuerySet[Township]:
    profile = profile_of(user)
    if profile is None:
        return Township.objects.none()
    qs = Township.objects.filter(county_id=profile.county_id)
    if profile.role == Role.OFFICIAL:
        township = official_township(user)
        return qs.filter(pk=township.pk) if township else qs.none()
    if profile.role == Role.INSPECTOR:
        return qs.none()
    return qs


def visible_inspections(user) -> QuerySet[Inspection]:
    profile = profile_of(user)
    if profile is None:
        return Inspection.objects.none()
    qs = Inspection.objects.filter(county_id=profile.county_id)
    if profile.role == Role.COMMISSION:
        return qs
    if profile.role == Role.INSPECTOR:
        return qs.filter(
            members__inspector__user=user,
            status__in=[Inspection.Status.DISPATCHED, Inspection.Status.SUBMITTED],
        )
    if profile.role == Role.OFFICIAL:
        township = official_township(user)
        if township is None:
            return qs.none()
        return qs.filter(township=township, status=Inspection.Status.SUBMITTED)
    if profile.role == Role.OBSERVER:
        return qs.filter(status=Inspection.Status.SUBMITTED)
    return qs.none()


def visible_notices(user) -> QuerySet[Notice]:
    profile = profile_of(user)
    if profile is None:
        return Notice.objects.none()
    qs = Notice.objects.filter(county_id=profile.county_id)
    if profile.role == Role.COMMISSION:
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


def get_visible(queryset: QuerySet, **lookup):
    """The one object of `queryset` matching `lookup`, or NotFound."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound("未找到") from None


# Selectors the API needs


def visible_draws(user) -> QuerySet[Draw]:
    """The commission reads every draw of its county, sealed ones included; anyone else of the
    county only the revealed ones (a sealed week is as unknown to them as a week never drawn)."""
    profile = profile_of(user)
    draws = Draw.objects.filter(county_id=profile.county_id) if profile else Draw.objects.none()
    return draws if profile and profile.role == Role.COMMISSION else draws.filter(state=Draw.State.REVEALED)


def visible_decisions(user, township: Township) -> QuerySet[Decision]:
    """The escalation history of a township the caller may see. The follow-up planning is the
    commission's only (the follow-up is unannounced); an official does not see the decisions
    behind a letter not yet issued to them (a draft, or a voided one)."""
    decisions = Decision.objects.filter(township=township)
    role = role_of(user)
    if role != Role.COMMISSION:
        decisions = decisions.exclude(kind=DecisionKind.FOLLOW_UP_WANTED.value)
    if role == Role.OFFICIAL:
        decisions = decisions.exclude(notice__state__in=[Notice.State.DRAFT, Notice.State.VOID])
    return decisions
