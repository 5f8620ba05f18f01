"""The forms of the commission's operations around the draw: ad-hoc orders, leave, replacements.

Limits and words are the services' (`services.leave`, `services.adhoc`), so a page refuses what the
service refuses, in the same words, before anything is written.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from inspection.models import Inspection
from inspection.services.adhoc import MAX_TEAM
from inspection.services.leave import MAX_REASON
from inspection.web.forms import text_field

DATE_ERRORS = {"required": _("请填写日期"), "invalid": _("日期格式应为 YYYY-MM-DD，如 2026-12-08")}


class AdHocForm(forms.Form):
    township = forms.ModelChoiceField(
        queryset=None, error_messages={k: _("请选择乡镇（街道）") for k in ("required", "invalid_choice")})
    date = forms.DateField(input_formats=["%Y-%m-%d"], error_messages=DATE_ERRORS)
    source = forms.ChoiceField(choices=Inspection.Source.choices, error_messages={
        k: _("来由应为“投诉举报”“问题线索”或“回头看”") for k in ("required", "invalid_choice")})
    reason = text_field(_("事由"), MAX_REASON, required=True, required_message=_("请填写事由"),
                        too_long=_("事由不超过200字"))
    team = forms.ModelMultipleChoiceField(queryset=None, error_messages={
        "required": _("请选择督查组成员"), "invalid_choice": _("所选督查员不在本县在岗名单中"),
        "invalid_pk_value": _("所选督查员不在本县在岗名单中"), "list": _("请选择督查组成员")})

    def __init__(self, *args, townships, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["team"].queryset = inspectors

    def clean_team(self):
        team = self.cleaned_data["team"]
        if len(team) > MAX_TEAM:
            raise forms.ValidationError(_("督查组不超过%(n)s人") % {"n": MAX_TEAM})
        return team


class LeaveForm(forms.Form):
    inspector = forms.ModelChoiceField(
        queryset=None, error_messages={k: _("请选择督查员") for k in ("required", "invalid_choice")})
    starts_on = forms.DateField(input_formats=["%Y-%m-%d"], error_messages=DATE_ERRORS)
    ends_on = forms.DateField(input_formats=["%Y-%m-%d"], error_messages=DATE_ERRORS)
    reason = text_field(_("请假事由"), MAX_REASON, required=True, required_message=_("请填写请假事由"),
                        too_long=_("请假事由不超过200字"))

    def __init__(self, *args, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors


class ReplaceForm(forms.Form):
    inspector = forms.ModelChoiceField(
        queryset=None, error_messages={k: _("请选择要更换的督查员") for k in ("required", "invalid_choice")})
    reason = text_field(_("更换原因"), MAX_REASON, required=True, required_message=_("请填写更换原因"),
                        too_long=_("更换原因不超过200字"))

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = team
