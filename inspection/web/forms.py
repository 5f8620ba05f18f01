"""The forms the web pages post, one per action.

Each limit is the service's own constant, and each message the words the service would use, so a
page refuses exactly what the service (and the API) refuses, in the same words, before anything
is written. The templates draw their fields by hand and read their `maxlength` from these forms.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from inspection.models import CalendarDay, MandatoryReport, Severity
from inspection.security.hygiene import StrictIdField, WeekField
from inspection.services.calendar import NAME_MAX as CALENDAR_NAME_MAX
from inspection.services.inspections import LOCATION_MAX, REASON_MAX, TEXT_MAX, FindingData
from inspection.services.notices import MAX_REASON
from inspection.services.reports import MAX_LINE as REPORT_LINE, MAX_TEXT as REPORT_TEXT
from inspection.services.responses import MAX_RESPONSE_FILES, MAX_RESPONSE_TEXT

# The plain form files a finding's photos with it; more are left for the finding's own page.
FILES_PER_FINDING = 10


def _say(message: str, **values):
    """`message` (marked with gettext_noop) translated and filled in when shown, not at import,
    so that a page in English reads English."""
    return lazy(lambda: gettext(message) % values, str)()


def text_field(label, max_length: int, *, required=False, required_message=None, too_long=None) -> forms.CharField:
    """A stripped text field whose messages are the services' (`_clean_text`, `file_response`)."""
    return forms.CharField(
        max_length=max_length,
        required=required,
        error_messages={
            "required": required_message or _say(gettext_noop("%(field)s不能为空"), field=label),
            "max_length": too_long or _say(gettext_noop("%(field)s过长（最多 %(limit)s 字）"), field=label, limit=max_length),
            "null_characters_not_allowed": _say(gettext_noop("%(field)s含有无效的控制字符"), field=label),
        },
    )


def id_field(message) -> forms.IntegerField:
    return StrictIdField(required=False, min_value=1, error_messages={"invalid": message, "min_value": message})


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class UploadsField(forms.Field):
    """The uploaded files as they came; their type and size are the upload services' to judge."""

    widget = MultipleFileInput

    def __init__(self, *, max_count: int | None = None, too_many=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.max_count, self.too_many = max_count, too_many

    def clean(self, value):
        files = list(value or [])
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if self.max_count is not None and len(files) > self.max_count:
            raise forms.ValidationError(self.too_many, code="max_count")
        return files


class FindingForm(forms.Form):
    """A finding, or the correction of one (`corrects`), as the inspector's page posts it."""

    idempotency_key = forms.CharField(required=False)
    item_id = id_field(_("检查项无效"))
    severity = forms.ChoiceField(
        choices=Severity.choices,
        required=False,
        error_messages={"invalid_choice": _("严重程度应为一般、较重或严重")},
    )
    text = text_field(_("问题描述"), TEXT_MAX, required=True)
    location = text_field(_("地点"), LOCATION_MAX)
    corrects = id_field(_("要更正的问题无效"))
    correction_reason = text_field(_("更正理由"), REASON_MAX)
    files = UploadsField()

    def finding(self) -> FindingData:
        data = self.cleaned_data
        return FindingData(
            text=data["text"], item_id=data["item_id"], severity=data["severity"] or None, location=data["location"]
        )

    def payload(self) -> dict:
        """What the request asks for, for its idempotency fingerprint."""
        data = self.cleaned_data
        return {"item_id": data["item_id"], "severity": data["severity"] or None, "text": data["text"],
                "location": data["location"], "corrects": data["corrects"],
                "correction_reason": data["correction_reason"]}


class SubmitForm(forms.Form):
    confirm = forms.ChoiceField(
        choices=[("yes", "yes")],
        error_messages={k: _("请先勾选确认，再提交检查结果。") for k in ("required", "invalid_choice")},
    )


class ResponseForm(forms.Form):
    """整改报告: the text and its attachments (`file_response` judges each file)."""

    text = text_field(_("整改情况"), MAX_RESPONSE_TEXT, required=True, required_message=_("请填写整改情况"),
                      too_long=_say(gettext_noop("整改情况不超过%(n)s字"), n=MAX_RESPONSE_TEXT))
    attachments = UploadsField(max_count=MAX_RESPONSE_FILES,
                               too_many=_say(gettext_noop("附件最多%(n)s个"), n=MAX_RESPONSE_FILES))


class ReviewForm(forms.Form):
    """验收 or 退回 a report; a reason is the service's to require (only a return needs one)."""

    decision = forms.ChoiceField(choices=[("accept", "accept"), ("return", "return")])
    comment = text_field(_("审核意见"), MAX_REASON, too_long=_say(gettext_noop("审核意见不超过%(n)s字"), n=MAX_REASON))


class ReasonForm(forms.Form):
    """Why a visit was not carried out, or withdrawn, or why a draw goes ahead below the minimum."""

    reason = text_field(_("原因"), MAX_REASON, required=True, required_message=_("请填写原因"),
                        too_long=_say(gettext_noop("原因不超过%(n)s字"), n=MAX_REASON))


class SealForm(forms.Form):
    """A week's draw from the draw page; below the minimum capacity only with a reason."""

    week = forms.CharField(
        max_length=8,  # YYYY-Www
        error_messages={k: _("周次格式应为 YYYY-Www，如 2026-W49") for k in ("required", "max_length")},
    )
    accept_shortfall = text_field(_("确认能力不足的理由"), MAX_REASON,
                                  too_long=_say(gettext_noop("确认能力不足的理由不超过%(n)s字"), n=MAX_REASON))


class CircularForm(forms.Form):
    week = WeekField(error_messages={k: _("周次格式应为 YYYY-Www，如 2026-W49") for k in ("required", "max_length")})


class VerifyForm(forms.Form):
    file = UploadsField(required=True, error_messages={"required": _("请选择要比对的 PDF 文件")})

    def upload(self):
        return self.cleaned_data["file"][0]


class VisitCodeForm(forms.Form):
    """A visit code as typed at the door or in the township's portal (services.visit_codes.parse
    judges its shape, forgiving spaces and dashes)."""

    code = forms.CharField(
        max_length=64, strip=True,
        error_messages={"required": _("请输入督查组出示的核验码"), "max_length": _("核验码过长，请核对后重新输入")},
    )



class CalendarDayForm(forms.Form):
    """A day off or a make-up working day, as the calendar page posts it (`add_calendar_day` judges the rest)."""

    date = forms.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={"required": _("请填写日期"), "invalid": _("日期格式应为 YYYY-MM-DD，如 2027-02-08")},
    )
    kind = forms.ChoiceField(
        choices=CalendarDay.Kind.choices,
        error_messages={k: _("类别应为“放假”或“调休上班”") for k in ("required", "invalid_choice")},
    )
    source = forms.ChoiceField(
        choices=CalendarDay.Source.choices,
        error_messages={k: _("依据应为“国务院通知”或“本县安排”") for k in ("required", "invalid_choice")},
    )
    name = text_field(_("名称或事由"), CALENDAR_NAME_MAX, required=True)


# --------------------------------------------------------------------------- mandatory reports (强制报告)


class _WhenField(forms.DateTimeField):
    """A wall-clock time as a phone's datetime-local input sends it (Asia/Shanghai)."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def __init__(self, label, **kwargs):
        super().__init__(error_messages={"required": _say(gettext_noop("请填写%(field)s"), field=label),
                                         "invalid": _say(gettext_noop("%(field)s格式不正确"), field=label)},
                         **kwargs)


class ReportForm(forms.Form):
    what = text_field(_("线索情况"), REPORT_TEXT, required=True, required_message=_("请填写线索情况"))
    location = text_field(_("发现地点"), REPORT_LINE, required=True, required_message=_("请填写发现地点"))
    discovered_at = _WhenField(_("发现时间"))
    child_description = text_field(_("未成年人情况描述"), REPORT_LINE, required=True,
                                   required_message=_("请填写未成年人情况描述"))
    child_identity = text_field(_("需移送的身份信息"), REPORT_TEXT)
    agency = forms.ChoiceField(choices=MandatoryReport.Agency.choices,
                               error_messages={"required": _("请选择接收单位"), "invalid_choice": _("请选择接收单位")})
    agency_name = text_field(_("接收单位名称"), 128)


class ReceiptForm(forms.Form):
    received_at = _WhenField(_("接收时间"))
    received_by = text_field(_("接收人"), 64, required=True, required_message=_("请填写接收人"))
    receipt_number = text_field(_("接收回执编号"), 64, required=True, required_message=_("请填写接收回执编号"))


class ReportRolesForm(forms.Form):
    profile = StrictIdField(min_value=1, error_messages={"required": _("未找到"), "invalid": _("未找到")})
    report_officer = forms.BooleanField(required=False)
    commission_head = forms.BooleanField(required=False)
