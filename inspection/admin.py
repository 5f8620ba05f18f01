"""The commission's admin, in Chinese. Records that the rules freeze are read-only here too."""

from django import forms
from django.contrib import admin, messages

from inspection import models as m
from inspection.errors import InspectionError
from inspection.services import calendar
from inspection.services.tokens import revoke_token
from inspection.services.lineage import record_lineage


class WrittenByServicesMixin:
    """Rows only the services write (notices, decisions, audit events): every field read-only, none added or
    deleted by hand."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CountyScopedAdmin(admin.ModelAdmin):
    """Staff who are commission users see only their own county's rows."""

    county_path = "county"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        profile = getattr(request.user, "profile", None)
        if profile is None:
            return qs.none()
        return qs.filter(**{f"{self.county_path}_id" if "__" not in self.county_path else self.county_path: profile.county_id})


@admin.register(m.County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "doc_prefix", "inspections_per_week", "key_ratio", "margin_days", "grace_hours"]
    search_fields = ["code", "name"]


@admin.register(m.Township)
class TownshipAdmin(CountyScopedAdmin):
    list_display = ["code", "name", "kind", "level", "key_managed", "active"]
    list_filter = ["county", "kind", "level", "key_managed", "active"]
    search_fields = ["code", "name"]
    readonly_fields = ["level", "key_managed", "key_managed_since"]


@admin.register(m.TownshipLineage)
class TownshipLineageAdmin(CountyScopedAdmin):
    """Lineage entered by hand goes through the service (audited; the predecessor leaves the scope).
    A recorded change is history: it is added, never edited or deleted here."""

    county_path = "township__county"
    list_display = ["township", "predecessor_code", "kind", "changed_on", "source"]
    list_filter = ["kind"]
    search_fields = ["township__code", "township__name", "predecessor_code"]
    fields = ["township", "predecessor_code", "kind", "changed_on", "source"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = record_lineage(township=obj.township, predecessor_code=obj.predecessor_code,
                               changed_on=obj.changed_on, kind=obj.kind, source=obj.source, actor=request.user)
        obj.pk = saved.pk


@admin.register(m.Profile)
class ProfileAdmin(CountyScopedAdmin):
    list_display = ["user", "name", "title", "role", "county", "report_officer", "commission_head"]
    list_filter = ["role", "county"]


@admin.register(m.Inspector)
class InspectorAdmin(CountyScopedAdmin):
    list_display = ["name", "user", "home_township", "active"]
    list_filter = ["active"]


class PostInline(admin.TabularInline):
    model = m.Post
    extra = 0


@admin.register(m.Official)
class OfficialAdmin(CountyScopedAdmin):
    list_display = ["name", "user", "phone"]
    inlines = [PostInline]


class ChecklistItemInline(admin.TabularInline):
    model = m.ChecklistItem
    extra = 0


@admin.register(m.Checklist)
class ChecklistAdmin(CountyScopedAdmin):
    list_display = ["name", "version", "county"]
    inlines = [ChecklistItemInline]

    def has_change_permission(self, request, obj=None):
        # A version in use never changes; the commission makes a new version instead.
        if obj is not None and obj.inspections.exists():
            return False
        return super().has_change_permission(request, obj)


class FindingInline(admin.TabularInline):
    model = m.Finding
    extra = 0
    fields = ["item", "severity", "text", "location", "recorded_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Inspection)
class InspectionAdmin(CountyScopedAdmin):
    list_display = ["township", "date", "status", "kind", "score"]
    list_filter = ["status", "kind"]
    date_hierarchy = "date"
    inlines = [FindingInline]
    readonly_fields = ["status", "score", "submitted_at", "submitted_by", "dispatched_at", "draw", "probability"]

    def get_queryset(self, request):
        # Planned visits are the sealed schedule: read only through the draw pages, which log
        # every look; the admin shows visits from their dispatch on.
        return super().get_queryset(request).exclude(status=m.Inspection.Status.PLANNED)

    def has_add_permission(self, request):
        return False  # visits come from the draw or the ladder, never by hand


@admin.register(m.Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["inspection", "severity", "text", "recorded_by", "created_at"]
    list_filter = ["severity"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        profile = getattr(request.user, "profile", None)
        return qs.filter(inspection__county_id=profile.county_id) if profile else qs.none()

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.inspection.status == m.Inspection.Status.SUBMITTED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.inspection.status == m.Inspection.Status.SUBMITTED:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(m.Notice)
class NoticeAdmin(WrittenByServicesMixin, CountyScopedAdmin):
    list_display = ["__str__", "kind", "state", "township", "issued_at"]
    list_filter = ["kind", "state"]


@admin.register(m.Decision)
class DecisionAdmin(WrittenByServicesMixin, admin.ModelAdmin):
    list_display = ["township", "kind", "from_level", "to_level", "rule", "effective_on"]


@admin.register(m.AuditEvent)
class AuditEventAdmin(WrittenByServicesMixin, admin.ModelAdmin):
    list_display = ["seq", "at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.ApiToken)
class ApiTokenAdmin(CountyScopedAdmin):
    """Tokens are issued by signing in, never made here; the commission revokes them here or on its
    own page (/county/tokens/). Only the secret's hash is stored, so nothing here can be used to sign in."""

    county_path = "user__profile__county_id"
    list_display = ["user", "label", "created_at", "last_used_at", "revoked_at", "revoked_reason"]
    list_filter = ["revoked_reason"]
    search_fields = ["user__username", "label"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a revoked token is kept, so that its holder is told why it stopped working

    @admin.action(description="撤销所选令牌")
    def revoke(self, request, queryset):
        for row in queryset.filter(revoked_at__isnull=True):
            revoke_token(token=row, actor=request.user, reason=m.ApiToken.Revoked.COMMISSION)
        self.message_user(request, "所选令牌已撤销。")


class CalendarDayForm(forms.ModelForm):
    """The admin's entry checked by the same rules as the calendar page (`check_calendar_day`)."""

    class Meta:
        model = m.CalendarDay
        fields = ["county", "date", "kind", "source", "name"]

    def clean(self):
        data = super().clean()
        if self.errors or not data.get("county"):
            return data
        try:
            data["name"] = calendar.check_calendar_day(
                county=data["county"], day=data["date"], kind=data["kind"], source=data["source"], name=data["name"]
            )
        except InspectionError as exc:
            raise forms.ValidationError(exc.detail) from None
        return data


@admin.register(m.CalendarDay)
class CalendarDayAdmin(CountyScopedAdmin):
    """Days off and make-up days: added and removed only through the service, so each change is audited;
    an entry is never edited in place (remove it and add the right one)."""

    form = CalendarDayForm
    list_display = ["date", "kind", "source", "name", "county", "created_by", "created_at"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        profile = getattr(request.user, "profile", None)
        if db_field.name == "county" and not request.user.is_superuser:
            kwargs["queryset"] = m.County.objects.filter(pk=profile.county_id if profile else None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not calendar.is_open(county=obj.county, day=obj.date):
            return False  # its week is drawn or over: the record stays as the draw used it
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = calendar.add_calendar_day(county=data["county"], day=data["date"], kind=data["kind"],
                                          source=data["source"], name=data["name"], actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        calendar.remove_calendar_day(entry=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            try:
                calendar.remove_calendar_day(entry=entry, actor=request.user)
            except InspectionError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
