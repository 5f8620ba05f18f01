"""The domain model (DESIGN.md §2). Behaviour lives in services; these are the tables.

Constraints that protect the record live in the database (unique codes, foreign keys,
check constraints), so a bug or a hand-written SQL statement cannot quietly break them.
"""

import enum
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import scoring

PROTECT = models.PROTECT


def choices_of(vocabulary: type[enum.Enum]) -> type[models.TextChoices]:
    """Django choices for a `scoring` enum: the same members and values, labelled from the one
    label table (`scoring.LABELS`) and translated where they are shown."""
    members = [(m.name, (m.value, _(m.label))) for m in vocabulary]
    choices = models.TextChoices(vocabulary.__name__, members)
    choices.__module__ = __name__
    return choices


Severity = choices_of(scoring.Severity)
Level = choices_of(scoring.Level)


# ---------------------------------------------------------------------------
# Places and people


class County(models.Model):
    code = models.CharField(_("统计代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    doc_prefix = models.CharField(_("发文机关代字"), max_length=32, help_text=_("如：黔西未保办"))
    authority_name = models.CharField(
        _("发文机关"), max_length=128, help_text=_("如：黔西市未成年人保护工作委员会办公室")
    )
    inspections_per_week = models.PositiveSmallIntegerField(_("每周暗查次数"), default=6)
    key_ratio = models.FloatField(_("重点管理抽取倍率"), default=2.0)
    team_size = models.PositiveSmallIntegerField(_("每组人数"), default=2)
    policy = models.JSONField(
        _("问责规则"), default=dict, blank=True, help_text=_("空表示使用默认规则（第1版）")
    )
    # The draw plans against every deadline this many working days early, so that one lost week
    # or one missed visit does not break coverage (issue 17 "Slack").
    margin_days = models.PositiveSmallIntegerField(
        _("覆盖期限预留工作日"), default=5, help_text=_("抽签按覆盖期限提前这么多个工作日安排，留出补救余地")
    )
    grace_hours = models.PositiveSmallIntegerField(
        _("未报送转为未检查的宽限时间（小时）"), default=72,
        help_text=_("已派出的检查在检查日之后超过这么多小时仍未报送，即记为未检查"),
    )
    # Work state of the scheduled jobs, kept here rather than read back from the audit log.
    last_swept_on = models.DateField(_("最近一次每日核查日期"), null=True, blank=True)
    demo_loaded_at = models.DateTimeField(null=True, blank=True, help_text="when load_demo played its history")
    # Keys the inspectors' pseudonyms in every published draw. Never shown, never exported: unlike
    # the period seed (revealed after its period) it must stay secret for the pseudonyms to hold.
    # 32 random bytes in hex (token_hex's default size): the key of the county's pseudonyms, never shown
    pseudonym_secret = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    # Keys the visit codes a team shows at the door (inspection/services/visit_codes.py). Never
    # shown, never exported, and apart from the pseudonym key so that neither leaks the other.
    visit_code_secret = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    # The mandatory-report fast lane (issue 16): how long the receiving agency has to confirm
    # receipt before the commission's head is told, and how long a closed case keeps its text.
    report_receipt_hours = models.PositiveSmallIntegerField(
        _("强制报告接收确认时限（小时）"), default=1,
        help_text=_("线索移送后，接收单位在此时限内未确认接收的，提醒未保办负责人并在看板标红"),
    )
    objection_days = models.PositiveSmallIntegerField(
        _("申辩期限（工作日）"), default=3,
        help_text=_("文书印发后，乡镇（街道）可在此数个工作日内对所列问题提出申辩（按工作日历计，含调休）"),
    )
    report_retention_days = models.PositiveSmallIntegerField(
        _("强制报告结案后保留全文天数"), default=365,
        help_text=_("结案超过此天数的强制报告线索，其全文（含儿童情况描述）予以清除，只保留摘要值"),
    )
    commitment_channels = models.TextField(
        _("承诺的其他公布渠道"), blank=True,
        help_text=_("每行一处，如：黔西市人民政府门户网站“政务公开”栏目；抄送市纪委监委存档。公开页据此列出。"),
    )

    class Meta:
        verbose_name = _("县（市）")
        verbose_name_plural = _("县（市）")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{6}$"), name="county_code_6_digits"),
            models.CheckConstraint(condition=Q(key_ratio__gte=1.0), name="county_key_ratio_at_least_1"),
            models.CheckConstraint(condition=Q(team_size__gte=2), name="county_team_size_at_least_2"),
            models.CheckConstraint(
                condition=Q(inspections_per_week__gte=1), name="county_capacity_positive"
            ),
            models.CheckConstraint(condition=Q(margin_days__lte=30), name="county_margin_days_at_most_30"),
            models.CheckConstraint(condition=Q(grace_hours__lte=720), name="county_grace_hours_at_most_720"),
            models.CheckConstraint(
                condition=Q(report_receipt_hours__gte=1) & Q(report_receipt_hours__lte=72),
                name="county_report_receipt_hours_1_72",
            ),
            models.CheckConstraint(condition=Q(report_retention_days__gte=1), name="county_report_retention_positive"),
        ]

    def __str__(self):
        return self.name


class CalendarDay(models.Model):
    """A day the commission sets apart from the national calendar the project ships.

    `official`: a day of the State Council's notice for a year the shipped data only estimates;
    once a year has any, they replace the provisional computation for that year. `county`: the
    county's own day off (a local festival, an emergency) or working day. Only the exceptions are
    kept: an off day on a weekday, a make-up working day on a weekend (a county day off may also
    fall on a national make-up Saturday or Sunday).
    """

    class Kind(models.TextChoices):
        OFF = "off", _("放假")
        MAKE_UP = "make_up", _("调休上班")

    class Source(models.TextChoices):
        OFFICIAL = "official", _("国务院通知")
        COUNTY = "county", _("本县安排")

    county = models.ForeignKey(County, PROTECT, related_name="calendar_days", verbose_name=_("县（市）"))
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    source = models.CharField(_("依据"), max_length=8, choices=Source.choices)
    name = models.CharField(_("名称或事由"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["county", "date"], name="calendar_day_one_per_county_date"),
            models.CheckConstraint(condition=Q(kind__in=["off", "make_up"]), name="calendar_day_kind"),
            models.CheckConstraint(condition=Q(source__in=["official", "county"]), name="calendar_day_source"),
            models.CheckConstraint(condition=~Q(name=""), name="calendar_day_has_name"),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class Township(models.Model):
    class Kind(models.TextChoices):
        STREET = "street", _("街道")
        TOWN = "town", _("镇")
        TOWNSHIP = "township", _("乡")
        ETHNIC = "ethnic", _("民族乡")

    county = models.ForeignKey(County, PROTECT, related_name="townships", verbose_name=_("县（市）"))
    code = models.CharField(_("统计代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    active = models.BooleanField(_("在检查范围内"), default=True)
    # Current state, kept by the escalation services; the history is in Decision.
    level = models.CharField(_("问责等级"), max_length=16, choices=Level.choices, default=Level.NORMAL)
    key_managed = models.BooleanField(_("重点管理"), default=False)
    key_managed_since = models.DateField(_("纳入重点管理日期"), null=True, blank=True)
    # A township created by an administrative change starts its two-month clock on this day.
    established_on = models.DateField(_("设立日期"), null=True, blank=True,
                                      help_text=_("区划调整新设的乡镇（街道）填写；原有的留空"))

    class Meta:
        verbose_name = _("乡镇（街道）")
        verbose_name_plural = _("乡镇（街道）")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{9}([0-9]{3})?$"), name="township_code_9_or_12_digits"
            ),
            models.CheckConstraint(
                condition=Q(key_managed=False) | Q(key_managed_since__isnull=False),
                name="township_key_managed_has_start",
            ),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def kind_for(name: str) -> str:
        if name.endswith("街道"):
            return Township.Kind.STREET
        if name.endswith("镇"):
            return Township.Kind.TOWN
        if name.endswith("族乡"):
            return Township.Kind.ETHNIC
        return Township.Kind.TOWNSHIP


class Role(models.TextChoices):
    COMMISSION = "commission", _("未保办")
    INSPECTOR = "inspector", _("督查组成员")
    OFFICIAL = "official", _("乡镇分管负责人")
    OBSERVER = "observer", _("纪委监委")


class Profile(models.Model):
    """What a user account may do, and in which county."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    county = models.ForeignKey(County, PROTECT, related_name="profiles", verbose_name=_("县（市）"))
    # Only meaningful for the commission: who handles mandatory reports (强制报告) in full, and
    # who is told when an agency has not confirmed receipt in time.
    report_officer = models.BooleanField(
        _("强制报告指定专员"), default=False, help_text=_("可查看强制报告线索全文及需移送的身份信息（仅限未保办人员）")
    )
    commission_head = models.BooleanField(
        _("未保办负责人"), default=False, help_text=_("强制报告线索超时未确认接收时接收提醒（仅限未保办人员）")
    )
    # Set when the commission issues a temporary password: until the holder chooses their own, every
    # page leads to the password form and no API token is issued.
    must_change_password = models.BooleanField(_("须修改临时密码"), default=False)
    # How the office's staff are named in a letter (约谈人): the list a summons chooses from.
    name = models.CharField(_("姓名"), max_length=32, blank=True, help_text=_("用于文书署名，如约谈人"))
    title = models.CharField(_("职务"), max_length=48, blank=True, help_text=_("如：市未保办主任"))

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")

    def __str__(self):
        return f"{self.user.get_username()} ({self.get_role_display()})"


class Inspector(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, PROTECT, related_name="inspector")
    county = models.ForeignKey(County, PROTECT, related_name="inspectors")
    name = models.CharField(_("姓名"), max_length=64)
    home_township = models.ForeignKey(
        Township, PROTECT, related_name="resident_inspectors", verbose_name=_("户籍/工作所在乡镇"),
        null=True, blank=True,
    )
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("督查组成员")
        verbose_name_plural = _("督查组成员")
        ordering = ["user__username"]

    def __str__(self):
        return self.name


class Official(models.Model):
    """A person. The record (summons, referrals) belongs to the person, whatever post they hold."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, PROTECT, related_name="official", null=True, blank=True
    )
    county = models.ForeignKey(County, PROTECT, related_name="officials")
    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    # Where reminders reach the person outside the portal (services/outbox.py); the commission edits both.
    email = models.EmailField(_("电子邮箱"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("负责人")
        verbose_name_plural = _("负责人")

    def __str__(self):
        return self.name

    def current_post(self):
        return self.posts.filter(ended_on__isnull=True).select_related("township").first()


class Post(models.Model):
    """An official's post at a township over a span of time."""

    official = models.ForeignKey(Official, PROTECT, related_name="posts")
    township = models.ForeignKey(Township, PROTECT, related_name="posts")
    title = models.CharField(_("职务"), max_length=64, default="分管负责人")
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(
                fields=["township"], condition=Q(ended_on__isnull=True), name="one_current_post_per_township"
            ),
            models.UniqueConstraint(
                fields=["official"], condition=Q(ended_on__isnull=True), name="one_current_post_per_official"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="post_ends_after_start",
            ),
        ]


# ---------------------------------------------------------------------------
# Checklists


class ChecklistQuerySet(models.QuerySet):
    def in_force(self, county, on):
        """The version new visits on `on` use: the newest published one in force that day (a version
        published for a later date waits; none in force yet falls back to the oldest published)."""
        published = self.filter(county=county, draft=False)
        current = published.filter(Q(effective_on__isnull=True) | Q(effective_on__lte=on)).order_by("-version").first()
        return current or published.order_by("version").first()


class Checklist(models.Model):
    """A version of a county's checklist. Items of a published version never change: a change is a new
    version, drafted from the web and published with the day it takes effect; old inspections keep theirs."""

    county = models.ForeignKey(County, PROTECT, related_name="checklists")
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    draft = models.BooleanField(_("草稿"), default=False)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查清单")
        verbose_name_plural = _("检查清单")
        constraints = [models.UniqueConstraint(fields=["county", "version"], name="checklist_version_unique")]

    def __str__(self):
        return f"{self.name}（{self.label}）"

    @property
    def label(self) -> str:
        """第2版（2026年12月1日起施行）: how people read a version, never "v2"."""
        if self.draft:
            return f"第{self.version}版（草稿）"
        if self.effective_on is None:
            return f"第{self.version}版"
        return f"第{self.version}版（{scoring.cn_date(self.effective_on)}起施行）"


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField(_("序号"))
    area = models.CharField(_("领域"), max_length=32)
    text = models.TextField(_("检查内容"))
    severity = models.CharField(_("未达标严重程度"), max_length=8, choices=Severity.choices)

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["checklist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="checklist_item_position_unique")
        ]

    def __str__(self):
        return f"{self.area}：{self.text}"


class TownshipLineage(models.Model):
    """One predecessor of a township after a merge, split or recoding (区划调整), from the date of the change.

    The draw carries the predecessor's last visit and its inspectors' recusal over to the successor.
    """

    class Kind(models.TextChoices):
        MERGE = "merge", _("合并")
        SPLIT = "split", _("拆分")
        RECODE = "recode", _("更名或代码调整")

    township = models.ForeignKey(Township, PROTECT, related_name="predecessors", verbose_name=_("现乡镇（街道）"))
    predecessor_code = models.CharField(_("原统计代码"), max_length=12)
    predecessor = models.ForeignKey(
        Township, PROTECT, null=True, blank=True, related_name="successors", verbose_name=_("原乡镇（街道）"),
    )
    kind = models.CharField(_("调整类型"), max_length=8, choices=Kind.choices, default=Kind.MERGE)
    changed_on = models.DateField(_("调整日期"))
    source = models.CharField(_("依据"), max_length=128, blank=True, help_text=_("如：区划代码文件或批复文号"))

    class Meta:
        verbose_name = _("区划沿革")
        verbose_name_plural = _("区划沿革")
        ordering = ["township", "changed_on", "predecessor_code"]
        constraints = [
            models.UniqueConstraint(fields=["township", "predecessor_code"], name="township_lineage_unique"),
            models.CheckConstraint(
                condition=Q(predecessor_code__regex=r"^[0-9]{9}([0-9]{3})?$"), name="lineage_code_9_or_12_digits"
            ),
        ]

    def __str__(self):
        return f"{self.predecessor_code} → {self.township.code}（{self.changed_on.isoformat()}）"


# ---------------------------------------------------------------------------
# The draw


class SeedPeriod(models.Model):
    """A county's secret seed for one period; its SHA-256 commitment is public from the start."""

    county = models.ForeignKey(County, PROTECT, related_name="seed_periods")
    starts_on = models.DateField()
    ends_on = models.DateField()
    seed = models.CharField(max_length=128, help_text="hex; secret until revealed")
    commitment = models.CharField(max_length=64, help_text="SHA-256 of the seed, hex")
    created_at = models.DateTimeField(auto_now_add=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("抽签种子期")
        verbose_name_plural = _("抽签种子期")
        constraints = [
            models.UniqueConstraint(fields=["county", "starts_on"], name="seed_period_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="seed_period_order"),
        ]


class Draw(models.Model):
    class State(models.TextChoices):
        SEALED = "sealed", _("已封存")
        REVEALED = "revealed", _("已公开")

    county = models.ForeignKey(County, PROTECT, related_name="draws")
    week = models.CharField(_("周"), max_length=8, help_text="YYYY-Www")
    week_start = models.DateField()
    period = models.ForeignKey(SeedPeriod, PROTECT, related_name="draws")
    public_value = models.CharField(_("公开随机值"), max_length=128, blank=True)
    inputs = models.JSONField(help_text="canonical inputs the draw was computed from")
    result = models.JSONField(help_text="the visits drawn, with inclusion probabilities")
    result_hash = models.CharField(max_length=64)
    # "weekly" (sealed before the week), "late" (sealed after the Friday job did not run) or
    # "makeup-<n>" (slots freed by missed or cancelled visits): each has its own randomness label.
    label = models.CharField(_("类别"), max_length=16, default="weekly")
    accepted_shortfall = models.TextField(
        _("确认能力不足的理由"), blank=True, help_text="the commission's reason for drawing below the minimum"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.SEALED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("抽签")
        verbose_name_plural = _("抽签")
        constraints = [
            models.UniqueConstraint(fields=["county", "week", "label"], name="draw_one_per_county_week_label"),
            models.CheckConstraint(
                condition=Q(label__in=["weekly", "late"]) | Q(label__regex=r"^makeup-[1-9][0-9]{0,2}$"),
                name="draw_label_known",
            ),
            models.CheckConstraint(condition=Q(week__regex=r"^[0-9]{4}-W[0-9]{2}$"), name="draw_week_format"),
        ]


# ---------------------------------------------------------------------------
# Inspections


DEFAULT_GRACE_HOURS = 72


def grace_hours(county) -> int:
    """Hours after a visit's day within which its filing may still arrive (the offline outbox)."""
    return county.grace_hours


def counted_cutoff(*, as_of, grace: int):
    """The first visit day that still counts without a submission at `as_of` (`counted` below; the
    dashboard's summary applies the same rule in Python)."""
    return timezone.localtime(as_of - timedelta(hours=grace)).date()


class InspectionQuerySet(models.QuerySet):
    def counted(self, *, as_of, grace: int = DEFAULT_GRACE_HOURS):
        """The visits that count for coverage, deadlines and the draw, as the record stood at `as_of`:
        submitted by then, or planned or dispatched and neither missed nor cancelled by then while
        their day plus `grace` hours has not passed. Never a missed or cancelled one; an ad-hoc visit
        (ordered by hand, not drawn) only once submitted."""
        cutoff = counted_cutoff(as_of=as_of, grace=grace)
        return self.filter(
            Q(submitted_at__lte=as_of)
            | (~Q(kind="ad_hoc") & ~Q(missed_at__lte=as_of) & ~Q(cancelled_at__lte=as_of) & Q(date__gte=cutoff))
        )


class Inspection(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("已计划")
        DISPATCHED = "dispatched", _("已派出")
        SUBMITTED = "submitted", _("已提交")
        MISSED = "missed", _("未实施")
        CANCELLED = "cancelled", _("已撤销")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("暗查暗访")
        FOLLOW_UP = "follow_up", _("回头看")
        AD_HOC = "ad_hoc", _("专项暗访")

    class Source(models.TextChoices):
        """Why the commission ordered an ad-hoc visit by hand (kind ad_hoc only)."""

        COMPLAINT = "complaint", _("投诉举报")
        LEAD = "lead", _("问题线索")
        REVIEW = "review", _("回头看")

    county = models.ForeignKey(County, PROTECT, related_name="inspections")
    township = models.ForeignKey(Township, PROTECT, related_name="inspections")
    draw = models.ForeignKey(Draw, PROTECT, null=True, blank=True, related_name="inspections")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.REGULAR)
    follow_up_of = models.ForeignKey(
        "EscalationCase", PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    date = models.DateField(_("检查日期"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    checklist = models.ForeignKey(Checklist, PROTECT, related_name="inspections")
    probability = models.FloatField(null=True, blank=True, help_text="inclusion probability in its draw")
    team = models.ManyToManyField(Inspector, through="TeamMember", related_name="inspections")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="when the ladder was applied to it")
    # A visit that did not happen. The times stay after a late submission: the draw's verification
    # reads the record as it stood when a later week was sealed (InspectionQuerySet.counted).
    missed_at = models.DateTimeField(null=True, blank=True)
    missed_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    missed_reason = models.TextField(_("未实施原因"), blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    cancelled_reason = models.TextField(_("撤销原因"), blank=True)
    # An ad-hoc visit (kind ad_hoc): ordered by hand, outside the draw and its statistics.
    source = models.CharField(_("来由"), max_length=16, choices=Source.choices, blank=True)
    reason = models.TextField(_("事由"), blank=True)
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("暗查暗访")
        verbose_name_plural = _("暗查暗访")
        ordering = ["-date", "township__code"]
        indexes = [models.Index(fields=["county", "date"]), models.Index(fields=["township", "date"])]
        constraints = [
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="inspection_score_0_100"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | (Q(score__isnull=False) & Q(submitted_at__isnull=False)),
                name="inspection_submitted_has_score",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "cancelled"]) | Q(dispatched_at__isnull=False),
                name="inspection_dispatched_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="missed") | (Q(missed_at__isnull=False) & ~Q(missed_reason="")),
                name="inspection_missed_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled")
                | (Q(cancelled_at__isnull=False) & ~Q(cancelled_reason="") & Q(dispatched_at__isnull=True)),
                name="inspection_cancelled_before_dispatch",
            ),
            models.CheckConstraint(
                condition=(Q(kind="ad_hoc") & ~Q(source="") & ~Q(reason="") & Q(draw__isnull=True))
                | (~Q(kind="ad_hoc") & Q(source="")),
                name="inspection_ad_hoc_has_source",
            ),
        ]

    def __str__(self):
        return f"{self.township} {self.date}"


class InspectorLeave(models.Model):
    """An inspector's leave or unavailability (请假/不可派), entered by the commission: the draw, ad-hoc
    orders and replacements leave them out on these days. Withdrawn, never deleted."""

    county = models.ForeignKey(County, PROTECT, related_name="leaves")
    inspector = models.ForeignKey(Inspector, PROTECT, related_name="leaves", verbose_name=_("督查员"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("督查员请假")
        verbose_name_plural = _("督查员请假")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="leave_ends_after_start"),
        ]


class Replacement(models.Model):
    """One inspector of a sealed visit replaced by another, drawn from the draw's key and `index`
    (rotation.replace). The sealed draw is not edited: verification applies these in order."""

    draw = models.ForeignKey(Draw, PROTECT, related_name="replacements")
    inspection = models.ForeignKey("Inspection", PROTECT, related_name="replacements")
    index = models.PositiveSmallIntegerField()
    replaced = models.ForeignKey(Inspector, PROTECT, related_name="+")
    replacement = models.ForeignKey(Inspector, PROTECT, related_name="+")
    reason = models.CharField(_("更换原因"), max_length=200)
    # The usernames eligible when it was drawn, sorted: what the pick is recomputed over.
    candidates = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("更换督查员")
        verbose_name_plural = _("更换督查员")
        ordering = ["draw_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "index"], name="replacement_index_once"),
            models.CheckConstraint(condition=Q(index__gte=1), name="replacement_index_positive"),
            models.CheckConstraint(condition=~Q(replaced=F("replacement")), name="replacement_not_same"),
        ]


class VisitConfirmation(models.Model):
    """The township official's confirmation, with the team's visit code, that the visit took place
    (无扰督查): one per inspection, written once by services.visit_codes.confirm_visit."""

    inspection = models.OneToOneField(Inspection, PROTECT, related_name="confirmation")
    confirmed_at = models.DateTimeField(_("乡镇确认时间"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, related_name="+")

    class Meta:
        verbose_name = _("乡镇确认")
        verbose_name_plural = _("乡镇确认")


class TeamMember(models.Model):
    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="members")
    inspector = models.ForeignKey(Inspector, PROTECT, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspection", "inspector"], name="team_member_unique")
        ]


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, PROTECT, related_name="findings")
    item = models.ForeignKey(ChecklistItem, PROTECT, null=True, blank=True, related_name="findings")
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices)
    text = models.TextField(_("问题描述"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    observed_at = models.DateTimeField(_("发现时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, related_name="findings")
    created_at = models.DateTimeField(auto_now_add=True)
    corrects = models.ForeignKey("self", PROTECT, null=True, blank=True, related_name="corrections")
    correction_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["inspection", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="finding_correction_has_reason",
            ),
        ]

    def __str__(self):
        return self.text[:40]


class IdempotencyRecord(models.Model):
    """A field request remembered by (user, key): replayed byte for byte, never expired."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight"
        DONE = "done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, related_name="+")
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_FLIGHT)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]


class Evidence(models.Model):
    finding = models.ForeignKey(Finding, PROTECT, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png", "application/pdf"]),
                name="evidence_allowed_type",
            )
        ]


# ---------------------------------------------------------------------------
# Escalation


class EscalationCase(models.Model):
    """One problem episode of a township: opened by an inspection, closed by the exit rules."""

    class State(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    township = models.ForeignKey(Township, PROTECT, related_name="cases")
    official = models.ForeignKey(Official, PROTECT, null=True, blank=True, related_name="cases")
    opened_by = models.ForeignKey(Inspection, PROTECT, related_name="opened_cases")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    policy_version = models.CharField(max_length=32)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("问责案件")
        verbose_name_plural = _("问责案件")


class Rectification(models.Model):
    """A rectification demanded by a notice, tracked to the day."""

    class State(models.TextChoices):
        OPEN = "open", _("整改中")
        REPORTED = "reported", _("已报告")
        ACCEPTED = "accepted", _("已验收")

    case = models.ForeignKey(EscalationCase, PROTECT, related_name="rectifications")
    township = models.ForeignKey(Township, PROTECT, related_name="rectifications")
    official = models.ForeignKey(Official, PROTECT, null=True, blank=True, related_name="rectifications")
    notice = models.ForeignKey("Notice", PROTECT, null=True, blank=True, related_name="rectifications")
    # The inspection whose findings are to be rectified (one rectification per inspection).
    inspection = models.OneToOneField(
        Inspection, PROTECT, null=True, blank=True, related_name="rectification"
    )
    opened_on = models.DateField(_("下发日期"), null=True, blank=True)
    due_on = models.DateField(_("整改期限"))
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    light = models.CharField(max_length=8, blank=True, help_text="'' | yellow | red")
    reminded_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        indexes = [models.Index(fields=["state", "due_on"])]


class Decision(models.Model):
    """One step of the sanction ladder, with the rule that fired and why."""

    township = models.ForeignKey(Township, PROTECT, related_name="decisions")
    official = models.ForeignKey(Official, PROTECT, null=True, blank=True, related_name="decisions")
    case = models.ForeignKey(EscalationCase, PROTECT, null=True, blank=True, related_name="decisions")
    inspection = models.ForeignKey(Inspection, PROTECT, null=True, blank=True, related_name="decisions")
    notice = models.ForeignKey("Notice", PROTECT, null=True, blank=True, related_name="decisions")
    kind = models.CharField(max_length=32)
    from_level = models.CharField(max_length=16, choices=Level.choices, blank=True)
    to_level = models.CharField(max_length=16, choices=Level.choices, blank=True)
    rule = models.CharField(max_length=64)
    policy_version = models.CharField(max_length=32)
    reason = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    effective_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("处置决定")
        verbose_name_plural = _("处置决定")
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(rule=""), name="decision_has_rule"),
            models.CheckConstraint(condition=~Q(reason=""), name="decision_has_reason"),
        ]


# ---------------------------------------------------------------------------
# Notices


NoticeKind = choices_of(scoring.NoticeKind)


# The series character in a document number, per kind.
NOTICE_SERIES = {
    NoticeKind.RECTIFICATION: "改",
    NoticeKind.SUMMONS: "约",
    NoticeKind.REFERRAL: "问",
    NoticeKind.CIRCULAR: "通",
    NoticeKind.REMINDER: "催",
}


class NoticeCounter(models.Model):
    """The last number used per county, series and year; locked while issuing."""

    county = models.ForeignKey(County, PROTECT, related_name="+")
    series = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county", "series", "year"], name="notice_counter_unique")
        ]


class Notice(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已印发")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        RESPONDED = "responded", _("已报告整改")
        ACCEPTED = "accepted", _("已验收")
        VOID = "void", _("已作废")

    county = models.ForeignKey(County, PROTECT, related_name="notices")
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    series = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    number = models.PositiveIntegerField(null=True, blank=True)
    number_text = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    township = models.ForeignKey(Township, PROTECT, null=True, blank=True, related_name="notices")
    official = models.ForeignKey(Official, PROTECT, null=True, blank=True, related_name="notices")
    inspection = models.ForeignKey(Inspection, PROTECT, null=True, blank=True, related_name="notices")
    case = models.ForeignKey(EscalationCase, PROTECT, null=True, blank=True, related_name="notices")
    snapshot = models.JSONField(help_text="everything the letter says, frozen when drafted/issued")
    due_on = models.DateField(null=True, blank=True)
    verify_code = models.CharField(max_length=32, null=True, blank=True, unique=True)
    pdf = models.FileField(upload_to="notices/%Y/", null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="first download by the recipient")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    void_reason = models.TextField(blank=True)
    # 拟稿 → 审核签发: the last person who worded the draft (None: drafted by the system and not
    # yet touched by anyone), who may not also sign it off.
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    # The findings (ids of the notice's inspection) the letter quotes, once a person chose them;
    # None: as the ladder composed it.
    quoted_findings = models.JSONField(null=True, blank=True)
    meeting_host = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["county", "state"]),
            # A county's circular of a week, found by the week: the dashboard reads last week's on every
            # read, and a scan of the county's notices (a year: ~450, 52 of them circulars whose JSON
            # is opened) grew with every year of history. dashboard_sql writes the same expression. Not
            # partial (kind = circular): the dashboard's prepared statement takes the kind as a
            # parameter, and PostgreSQL's generic plan cannot use an index whose condition it cannot prove.
            models.Index(F("county"), KT("snapshot__week__iso"), name="notice_county_week"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "series", "year", "number"],
                condition=Q(number__isnull=False),
                name="notice_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | (Q(number__isnull=False) & Q(verify_code__isnull=False))
                | Q(state="void"),
                name="notice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__gte=1), name="notice_number_positive"
            ),
            # One draft circular per county and week: two first drafts at once must not make two.
            models.UniqueConstraint(
                F("county"), KT("snapshot__week__iso"),
                condition=Q(kind="circular", state="draft"),
                name="notice_one_circular_draft_per_week",
            ),
        ]

    def __str__(self):
        return self.number_text or f"{self.get_kind_display()}（草稿）"


class NoticeResponse(models.Model):
    """A rectification report (整改报告) filed by the addressed official."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACCEPTED = "accepted", _("已验收")
        RETURNED = "returned", _("已退回")

    notice = models.ForeignKey(Notice, PROTECT, related_name="responses")
    official = models.ForeignKey(Official, PROTECT, related_name="responses")
    text = models.TextField(_("整改情况"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    review_comment = models.TextField(blank=True)


class Objection(models.Model):
    """A township's objection (申辩) to a finding a letter quotes, decided by the commission. While it
    is pending, a summons or referral resting on that inspection is not issued (services/objections.py)."""

    class State(models.TextChoices):
        PENDING = "pending", _("待决定")
        UPHELD = "upheld", _("申辩成立")
        REJECTED = "rejected", _("申辩不成立")

    county = models.ForeignKey(County, PROTECT, related_name="objections")
    notice = models.ForeignKey(Notice, PROTECT, related_name="objections")
    finding = models.ForeignKey(Finding, PROTECT, related_name="objections")
    official = models.ForeignKey(Official, PROTECT, related_name="objections")
    reason = models.TextField(_("申辩理由"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
    filed_at = models.DateTimeField(auto_now_add=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+")
    decision_comment = models.TextField(_("决定意见"), blank=True)
    correction = models.ForeignKey(Finding, PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "finding"], name="one_objection_per_finding_and_letter"),
        ]


class ResponseAttachment(models.Model):
    response = models.ForeignKey(NoticeResponse, PROTECT, related_name="attachments")
    file = models.FileField(upload_to="responses/%Y/%m/")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255, blank=True)


# ---------------------------------------------------------------------------
# Audit


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every state change (triggers refuse UPDATE/DELETE).

    One chain per county (`chain` = the county code) and one for the deployment (`chain` = ''),
    which also holds every event recorded before the chains were split (the legacy segment).
    `seq` is the record number across all chains, given by the database in insertion order;
    `chain_seq` is the event's place in its own chain, the number the hashes cover."""

    seq = models.BigAutoField(primary_key=True)
    chain = models.CharField(max_length=12, blank=True, default="")
    chain_seq = models.BigIntegerField(default=0)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, blank=True, help_text="username, or '' for the system")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    county_code = models.CharField(max_length=12, blank=True)
    payload = models.TextField(help_text="canonical JSON")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action"]),
        ]
        constraints = [models.UniqueConstraint(fields=["chain", "chain_seq"], name="audit_event_chain_seq")]


class AuditHead(models.Model):
    """One row per chain, locked by every append to that chain, so a chain never forks and two
    counties never wait for each other. Triggers let it move only to its chain's newest event."""

    chain = models.CharField(max_length=12, blank=True, default="", unique=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class DamagedFile(models.Model):
    """An archive copy (an issued notice's PDF, an evidence file) found, when served or verified,
    not to be the file whose SHA-256 was recorded: changed on disk, or gone. One row per file,
    shown on the commission's dashboard; it goes when the file checks out again (restored)."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("文书")
        EVIDENCE = "evidence", _("证据")
        ATTACHMENT = "attachment", _("整改报告附件")
        REPORT_LETTER = "report_letter", _("强制报告线索移送函")

    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="damaged_files")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    label = models.CharField(max_length=100, blank=True, help_text="the notice's number, or the evidence's finding")
    expected_sha256 = models.CharField(max_length=64)
    found_sha256 = models.CharField(max_length=64, blank=True, help_text="'' when the file is gone")
    first_found_at = models.DateTimeField()
    last_found_at = models.DateTimeField()
    times = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("受损存档文件")
        verbose_name_plural = _("受损存档文件")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="damaged_file_once")]


class SignInAttempt(models.Model):
    """A failed sign-in, counted by the throttle (inspection/security/throttle.py) across app servers.

    `account` is the keyed hash of the attempted username (never the name itself: people type
    their password there), `key` the keyed hash of username and client address, `device` the
    nonce of the device cookie the browser presented for that account ("" without one). Rows
    older than the window are deleted as new ones come; a success deletes its key's rows."""

    key = models.CharField(max_length=64)
    account = models.CharField(max_length=64, default="")
    ip = models.CharField(max_length=64, default="")
    device = models.CharField(max_length=64, default="")
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["key", "at"], name="signin_attempt_key_at"),
            models.Index(fields=["account", "at"], name="signin_attempt_account_at"),
            models.Index(fields=["ip", "at"], name="signin_attempt_ip_at"),
            models.Index(fields=["at"], name="signin_attempt_at"),
        ]


class ApiToken(models.Model):
    """Bearer token for the field app; only its SHA-256 is stored. It dies ANCHA_TOKEN_DAYS after its
    last use (`last_used_at`, written at most once a minute) or when revoked; a revoked row is kept
    so that its holder is told why."""

    class Revoked(models.TextChoices):
        USER = "user", _("本人撤销")
        COMMISSION = "commission", _("县纪委监委撤销")
        PASSWORD = "password", _("密码已修改")
        ROLE = "role", _("角色已变更或停用")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("名称"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=16, choices=Revoked.choices, blank=True, default="")

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user.get_username()} · {self.label or self.pk}"

    @property
    def expires_at(self):
        from datetime import timedelta

        return (self.last_used_at or self.created_at) + timedelta(days=settings.ANCHA_TOKEN_DAYS)


# ---------------------------------------------------------------------------
# The mandatory-report fast lane (强制报告, issue 16)
#
# A suspected harm to a child never enters the township ladder: it is kept here, outside the
# findings, notices, ledger and exports, and only inspection/access.py decides who reads it.


class MandatoryReport(models.Model):
    class Agency(models.TextChoices):
        POLICE = "police", _("公安机关")
        CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
        EDUCATION = "education", _("教育行政部门")

    class State(models.TextChoices):
        OPEN = "open", _("待接收确认")
        CLOSED = "closed", _("已接收，已结案")

    county = models.ForeignKey(County, PROTECT, related_name="mandatory_reports")
    # The visit on which it was discovered, if any: for who may file and for context only.
    inspection = models.ForeignKey(
        Inspection, PROTECT, null=True, blank=True, related_name="mandatory_reports"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    what = models.TextField(_("线索情况"))
    location = models.CharField(_("发现地点"), max_length=200)
    discovered_at = models.DateTimeField(_("发现时间"))
    child_description = models.TextField(
        _("未成年人情况描述"), help_text=_("如：约10岁女童；不得填写姓名、身份证号等身份信息")
    )
    # Shown on screen to the designated officers only, to pass on through the agency's own
    # channel; never in a letter, the audit log or an export.
    child_identity = models.TextField(_("需移送的身份信息"), blank=True)
    agency = models.CharField(_("接收单位"), max_length=16, choices=Agency.choices)
    agency_name = models.CharField(_("接收单位名称"), max_length=128)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, PROTECT, related_name="mandatory_reports")
    reported_at = models.DateTimeField(_("报告时间"))
    due_at = models.DateTimeField(_("应确认接收时间"))
    content_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the case's text when filed")
    # The 强制报告线索移送函: numbered in its own series, stored with its SHA-256 like a notice.
    letter_year = models.PositiveSmallIntegerField(null=True, blank=True)
    letter_serial = models.PositiveIntegerField(null=True, blank=True)
    letter_number = models.CharField(max_length=64, blank=True)
    verify_code = models.CharField(max_length=32, null=True, blank=True, unique=True)
    pdf = models.FileField(upload_to="reports/%Y/", null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    letter_issued_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="when the head was told it is late")
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    received_by = models.CharField(_("接收人"), max_length=64, blank=True)
    receipt_number = models.CharField(_("接收回执编号"), max_length=64, blank=True)
    receipt_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True, help_text="full text removed after retention")

    class Meta:
        verbose_name = _("强制报告线索")
        verbose_name_plural = _("强制报告线索")
        ordering = ["-discovered_at", "-id"]
        indexes = [models.Index(fields=["county", "state"], name="mandatory_report_county_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "letter_year", "letter_serial"],
                condition=Q(letter_serial__isnull=False),
                name="mandatory_report_letter_unique",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(received_at__isnull=False), name="mandatory_report_closed_has_receipt"
            ),
        ]

    def __str__(self):
        return self.letter_number or f"强制报告线索 {self.pk}"


class MandatoryReportEvent(models.Model):
    """One step of a case (filed, letter issued, late, received, purged), with the SHA-256 of
    the case's text at that step; a note only where the step has one (purged with the case)."""

    report = models.ForeignKey(MandatoryReport, models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class Notification(models.Model):
    """A message for one user, shown in the header until read. `channel` is where it was sent:
    'inbox' (in the app) now; issue 15 adds email and SMS as further channels of the same row."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    county = models.ForeignKey(County, PROTECT, related_name="+")
    kind = models.CharField(max_length=32)
    channel = models.CharField(max_length=16, default="inbox")
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    # One notification per cause and recipient, however often the check runs.
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")]


class Delivery(models.Model):
    """One notification to be carried by one outside channel (email, the SMS gateway): the outbox row,
    written in the transaction of its cause, sent by `send_notifications` (services/outbox.py)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("电子邮件")
        WEBHOOK = "webhook", _("短信/政务消息")

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已送达")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(Notification, models.CASCADE, related_name="deliveries")
    county = models.ForeignKey(County, PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # The address when the message was written: a later edit of the profile does not redirect it.
    address = models.CharField(max_length=254)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A sender's claim: until then no other sender takes the row (longer than any channel's timeout).
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("外发通知")
        verbose_name_plural = _("外发通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]


class DeliveryAttempt(models.Model):
    """One try at a delivery, kept whatever its outcome."""

    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="attempt_log")
    channel = models.CharField(max_length=16)
    at = models.DateTimeField()
    ok = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]


class TownshipCoverage(models.Model):
    """The dashboard's summary of one township, kept by `services.coverage_summary.refresh_coverage`
    in the same transaction as every write that changes it, so the commission's dashboard reads one
    row per township instead of recomputing coverage from the whole record.

    It holds what cannot change without a write; what changes with the clock alone (which visits
    still count, the period, the deadline and its light) is derived from it at read time.
    """

    township = models.OneToOneField(Township, models.CASCADE, primary_key=True, related_name="coverage")
    county = models.ForeignKey(County, models.CASCADE, related_name="+")  # indexed: the dashboard's one query
    # The last submitted visit before the visits kept below (their cutoff: the period of the write).
    last_before = models.DateField(null=True, blank=True)
    # [[id, "date", score, follow_up, "submitted_at" | null], ...]: dispatched or submitted, by date.
    visits = models.JSONField(default=list, blank=True)
    # [[predecessor id | null, "changed_on"], ...]: the township's lineage, for the carried last visit.
    lineage = models.JSONField(default=list, blank=True)
    # [[id, "due_on", light, state], ...]: open and reported rectifications, by deadline.
    rectifications = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("覆盖汇总")
        verbose_name_plural = _("覆盖汇总")
