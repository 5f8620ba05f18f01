"""Who may see what (DESIGN.md §1). Every view and endpoint scopes its querysets through here.

An object outside the caller's scope is reported as not found, never as forbidden, so that
its existence does not leak.
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Left, StrIndex
from django.utils import timezone

from inspection.errors import NotFound
from inspection.models import (
    Objection,
    ApiToken,
    AuditEvent,
    CalendarDay,
    Checklist,
    AuditHead,
    DamagedFile,
    Decision,
    Delivery,
    Draw,
    Evidence,
    Inspection,
    InspectorLeave,
    MandatoryReport,
    Notification,
    Notice,
    NoticeResponse,
    ResponseAttachment,
    Official,
    Profile,
    Rectification,
    Role,
    Township,
    grace_hours,
)
from inspection.dashboard_sql import COMMISSION_FIGURES, COMMISSION_LISTS, ListsFor, dashboard_params, dashboard_sql
from inspection.publication import public_record
from inspection.rawrows import plain, prepared_cursor
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


UNISSUED = (Notice.State.DRAFT, Notice.State.VOID)


def _family():
    """A decision's rule family (`prominent` of `prominent.summons`): the decisions one ladder step
    writes (level, deadline, key management, the letter) share it."""
    return Left("rule", StrIndex("rule", Value(".")) - 1)


def _behind_a_draft() -> Q:
    """A decision of an event whose letter is still a draft: one step of the ladder writes its
    decisions on one day, for one inspection (or none, for a sweep's), under one rule family, and
    the letter is what makes them known. Needs the `family` alias on the outer query."""
    draft_letter = Decision.objects.alias(family=_family()).filter(
        township=OuterRef("township"), effective_on=OuterRef("effective_on"), family=OuterRef("family"),
        notice__state=Notice.State.DRAFT,
    )
    return Exists(draft_letter.filter(inspection=OuterRef("inspection"))) | (
        Q(inspection__isnull=True) & Exists(draft_letter.filter(inspection__isnull=True))
    )


def _escalation_rows(user, model, township: Township | None) -> tuple[str | None, QuerySet]:
    """The caller's role (None for one who reads no escalation) and the rows of `model` of the
    townships they see (of `township` alone if given): the outer bound of the two rules below."""
    role = role_of(user)
    if role not in (Role.COMMISSION, Role.OBSERVER, Role.OFFICIAL):
        return None, model.objects.none()
    qs = model.objects.filter(township__in=visible_townships(user))
    return role, qs if township is None else qs.filter(township=township)


def _demands_unissued() -> Q:
    """A decision about an inspection none of whose letters is issued yet: the lights and reminders
    of its rectification tell the deadline the letter will set."""
    letters = Notice.objects.filter(inspection=OuterRef("inspection"))
    return Q(inspection__isnull=False) & Exists(letters) & ~Exists(letters.exclude(state__in=UNISSUED))


def visible_decisions(user, township: Township | None = None) -> QuerySet[Decision]:
    """The escalation history the caller may read, of one township or of every visible one.

    The commission reads it all. The follow-up is unannounced, so its planning (the window) is the
    commission's alone. The observer (纪委) reads everything else, on the web and in the API alike:
    its reading of the record is complete, though a draft letter itself stays the commission's.
    An official reads nothing a letter not yet issued will tell them: no decision of its event
    (level, deadline, key management) until it is issued, and never a draft or voided letter's own.
    """
    role, qs = _escalation_rows(user, Decision, township)
    if role in (None, Role.COMMISSION):
        return qs
    qs = qs.exclude(kind=DecisionKind.FOLLOW_UP_WANTED.value)
    if role == Role.OFFICIAL:
        qs = qs.alias(family=_family()).exclude(notice__state__in=UNISSUED).exclude(_behind_a_draft())
        qs = qs.exclude(_demands_unissued())
    return qs


def visible_rectifications(user, township: Township | None = None) -> QuerySet[Rectification]:
    """The rectifications (deadlines, lights, reminders) the caller may read: an official's only
    once a letter demanding them has been issued (the rectification notice, or the summons that
    carries its demands), never while the letter is a draft."""
    role, qs = _escalation_rows(user, Rectification, township)
    if role != Role.OFFICIAL:
        return qs
    issued = Notice.objects.filter(inspection=OuterRef("inspection")).exclude(state__in=UNISSUED)
    return qs.filter(
        (Q(notice__isnull=False) & ~Q(notice__state__in=UNISSUED))
        | (Q(inspection__isnull=False) & Exists(issued))
    )


def readable_notice_id(user, notice_id: int | None) -> int | None:
    """The id of a letter named inside another record (a decision, a rectification), or None when
    the caller may not read that letter: a draft's id is the commission's."""
    if notice_id is None or role_of(user) == Role.COMMISSION:
        return notice_id
    return notice_id if visible_notices(user).filter(pk=notice_id).exists() else None


def as_seen_by(user, township: Township) -> Township:
    """The township with the level and key management its official may know of: while the
    letter of an event is a draft, its level change and entry into key management are not
    shown (the township row already holds them). Changes the instance in memory only."""
    if role_of(user) != Role.OFFICIAL:
        return township
    changes = Decision.objects.filter(township=township, kind=DecisionKind.LEVEL_CHANGE.value).order_by("effective_on", "id")
    seen = visible_decisions(user, township)
    hidden = Decision.objects.filter(township=township).exclude(pk__in=seen.values("pk"))
    first_hidden = changes.filter(pk__in=hidden.values("pk")).first()
    if first_hidden is not None:
        last_seen = changes.filter(pk__in=seen.values("pk")).last()
        township.level = last_seen.to_level if last_seen else first_hidden.from_level or township.level
    if hidden.filter(kind=DecisionKind.KEY_MANAGEMENT_ENTERED.value).exists():
        township.key_managed, township.key_managed_since = False, None
    return township



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


def visible_leaves(user) -> QuerySet[InspectorLeave]:
    """Inspectors' leave: the commission's own records of its county (who is away is part of making the schedule)."""
    profile, leaves = _of_county(user, InspectorLeave)
    if profile is None or profile.role != Role.COMMISSION:
        return leaves.none()
    return leaves


def visible_ad_hoc(user) -> QuerySet[Inspection]:
    """Ad-hoc inspections with their reasons, as the commission ordered them: the commission alone (a
    team and a township read them as any visit, through `visible_inspections`)."""
    if role_of(user) != Role.COMMISSION:
        return Inspection.objects.none()
    return visible_inspections(user).filter(kind=Inspection.Kind.AD_HOC)


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


def sealed_draws_named_by(events) -> list[Draw]:
    """The sealed draws whose visits these audit events name (a dispatch or submission of a visit
    of a week not yet revealed): reading them is reading the sealed schedule."""
    ids = {int(e.object_id) for e in events if e.object_type == "inspection.inspection" and e.object_id.isascii()
           and e.object_id.isdigit()}
    if not ids:
        return []
    return list(Draw.objects.filter(state=Draw.State.SEALED, inspections__pk__in=ids).distinct().order_by("week_start"))


def ledger_county(user):
    """The county whose accountability ledger (and its export) the caller reads, else NotFound."""
    return require_role(user, Role.COMMISSION, Role.OBSERVER).county


def visible_officials(user) -> QuerySet[Official]:
    """The officials whose record the caller may read by name: the ledger's readers, their county's."""
    profile, officials = _of_county(user, Official)
    if profile is None or profile.role not in (Role.COMMISSION, Role.OBSERVER):
        return officials.none()
    return officials


def visible_deliveries(user) -> QuerySet[Delivery]:
    """The outbox of the caller's county (who was told what, through which channel): the commission's."""
    profile = profile_of(user)
    if profile is None or profile.role != Role.COMMISSION:
        return Delivery.objects.none()
    return Delivery.objects.filter(county_id=profile.county_id).select_related("notification__recipient")


# The letters a township may object to: those addressed to it about an inspection.
OBJECTION_KINDS = ("rectification", "summons", "referral")


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


def visible_attachments(user) -> QuerySet[ResponseAttachment]:
    """A report's attachments go with the report: the commission and the observer of the county,
    and the official the letter was addressed to (never another township's)."""
    return ResponseAttachment.objects.filter(response__in=visible_responses(user))


def visible_objections(user) -> QuerySet[Objection]:
    """申辩 go with the letter they object to: the commission and the observer of the county read them,
    the official those to their own letters (issue 15)."""
    return Objection.objects.filter(notice__in=visible_notices(user), notice__kind__in=OBJECTION_KINDS)


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


# --------------------------------------------------------------------------- mandatory reports (强制报告)
#
# Details: the county's designated officers (Profile.report_officer) and the observer. Other office
# staff: a count. An inspector: what they filed (their confirmation). Officials: nothing at all.
# The identity field: the designated officers only, on screen.


def sees_report_details(user) -> bool:
    profile = profile_of(user)
    return profile is not None and (
        profile.role == Role.OBSERVER or (profile.role == Role.COMMISSION and profile.report_officer)
    )


def sees_child_identity(user) -> bool:
    profile = profile_of(user)
    return profile is not None and profile.role == Role.COMMISSION and profile.report_officer


def visible_reports(user) -> QuerySet[MandatoryReport]:
    profile, reports = _of_county(user, MandatoryReport)
    if profile is None:
        return reports
    if sees_report_details(user):
        return reports
    if profile.role == Role.INSPECTOR:
        return reports.filter(reported_by=user)
    return reports.none()


def report_is_late(report: MandatoryReport, now=None) -> bool:
    """Red on the board: read from the clock, whether or not the job has run."""
    if report.state != MandatoryReport.State.OPEN:
        return False
    return report.due_at <= (now or timezone.now())


def report_counts(user, now=None, *, unescalated: bool = False) -> dict | None:
    """What every member of the office sees on the board: how many cases are open and late (and,
    with `unescalated`, how many late ones the head has not been told of yet), in one aggregate."""
    profile = profile_of(user)
    if profile is None or profile.role not in (Role.COMMISSION, Role.OBSERVER):
        return None
    now = now or timezone.now()
    open_ = MandatoryReport.objects.filter(county_id=profile.county_id, state=MandatoryReport.State.OPEN)
    figures = {"open": Count("id"), "late": Count("id", filter=Q(due_at__lte=now))}
    if unescalated:
        figures["unescalated"] = Count("id", filter=Q(due_at__lte=now, escalated_at__isnull=True))
    return open_.aggregate(**figures)


def visible_notifications(user) -> QuerySet[Notification]:
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def visible_accounts(user):
    """The accounts of the caller's county, for the commission only (账号管理)."""
    profile = profile_of(user)
    users = get_user_model().objects.select_related("profile")
    if profile is None or profile.role != Role.COMMISSION:
        return users.none()
    return users.filter(profile__county_id=profile.county_id)


def visible_checklists(user):
    """Checklist versions: the commission reads and edits them, every version, drafts included."""
    profile, checklists = _of_county(user, Checklist)
    if profile is None or profile.role != Role.COMMISSION:
        return checklists.none()
    return checklists


def commission_staff(county) -> QuerySet[Profile]:
    """The office's named staff of `county`, the people a summons may name as 约谈人. Staff without
    a name on their profile are left out: a letter never names a person by an account name."""
    return (
        Profile.objects.filter(county=county, role=Role.COMMISSION, user__is_active=True)
        .exclude(name="").select_related("user").order_by("id")
    )


def notice_events(user, notice: Notice) -> QuerySet[AuditEvent]:
    """A notice's own audit events (drafted, edited, issued, voided): its edit history, for the
    readers of the audit log (the commission and the observer of its county)."""
    return visible_audit_events(user).filter(
        object_type=Notice._meta.label_lower, object_id=str(notice.pk), action__startswith="notice."
    ).order_by("seq")


def commission_dashboard(user, *, now, week: str, lists: ListsFor):
    """For the commission of a county, in one statement (inspection/dashboard_sql.py):

    - the counts (COMMISSION_FIGURES: notices drafted, unacknowledged and responded, damaged files,
      this `week`'s visits missed or withdrawn, follow-ups short of people, the viewer's unread
      notifications, the mandatory reports open, late, and late and not yet escalated);
    - the lists behind the cards (COMMISSION_LISTS, as text: see `dashboard_sql`), for `lists`;
    - the townships with their summary rows, as `visible_townships(user).select_related("coverage")
      .order_by("code")` gives them (the inactive ones too), as plain rows (`rawrows.plain_class`):
      each township's `coverage` its summary row or None.

    None for anyone but the commission."""
    profile = profile_of(user)
    if profile is None or profile.role != Role.COMMISSION:
        return None
    statement = dashboard_sql(connection.alias)
    (town, kept), (town_class, kept_class) = statement.parts, statement.classes
    with prepared_cursor(connection) as cursor:
        cursor.execute(statement.sql, statement.params(
            dashboard_params(connection, user, profile, now=now, week=week, lists=lists)))
        rows = cursor.fetchall()
    townships = []
    for row in rows:
        if (township := plain(connection, town, town_class, row)) is not None:
            township.coverage = plain(connection, kept, kept_class, row)
            townships.append(township)
    first = rows[0]
    counted = len(COMMISSION_FIGURES)
    return (dict(zip(COMMISSION_FIGURES, first)), dict(zip(COMMISSION_LISTS, first[counted:])), townships)
