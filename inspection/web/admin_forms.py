"""The forms of the commission's own administration: accounts, checklist versions, transfers.

Limits are the services' constants, and messages the words the services use, so a page refuses what
the service and the API refuse, in the same words, and a refused form comes back with what was typed.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from inspection.models import Role, Severity
from inspection.services.accounts import NAME_MAX, USERNAME_MAX
from inspection.services.checklists import AREA_MAX, ITEMS_MAX, NAME_MAX as CHECKLIST_NAME_MAX, TEXT_MAX
from inspection.services.officials import TITLE_MAX
from inspection.web.forms import text_field

ROLE_REQUIRED = _("请选择角色")


class _TownshipField(forms.ModelChoiceField):
    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, required=False, to_field_name="code",
                         error_messages={"invalid_choice": _("本县没有该乡镇（街道）")}, **kwargs)


class AccountForm(forms.Form):
    username = text_field(_("登录名"), USERNAME_MAX, required=True)
    full_name = text_field(_("姓名"), NAME_MAX, required=True)
    role = forms.ChoiceField(choices=Role.choices, error_messages={"required": ROLE_REQUIRED, "invalid_choice": ROLE_REQUIRED})
    home_township = _TownshipField(None)
    township = _TownshipField(None)

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_township"].queryset = townships
        self.fields["township"].queryset = townships


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, error_messages={"required": ROLE_REQUIRED, "invalid_choice": ROLE_REQUIRED})


class ActiveForm(forms.Form):
    reason = text_field(_("原因"), 500)


LEAVE = "leave"


class TransferForm(forms.Form):
    """`township` is a code, or LEAVE for leaving the county's townships: a choice made on purpose, never
    the default of an untouched form."""

    township = forms.CharField(max_length=12, error_messages={"required": _("请选择新任职的乡镇（街道），或选择调离本县乡镇（街道）职务")})
    on = forms.DateField(error_messages={"required": _("请填写调任日期"), "invalid": _("调任日期格式应为 年-月-日")})
    title = text_field(_("职务"), TITLE_MAX)
    note = text_field(_("说明"), 500)

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.townships = townships

    def clean_township(self):
        code = self.cleaned_data["township"]
        if code == LEAVE:
            return None
        township = self.townships.filter(code=code).first()
        if township is None:
            raise forms.ValidationError(_("本县没有该乡镇（街道）"))
        return township


class ChecklistItemForm(forms.Form):
    area = text_field(_("领域"), AREA_MAX, required=True)
    text = text_field(_("检查内容"), TEXT_MAX, required=True)
    severity = forms.ChoiceField(
        choices=Severity.choices,
        error_messages={"required": _("请选择未达标严重程度"), "invalid_choice": _("严重程度应为一般、较重或严重")},
    )
    position = forms.IntegerField(required=False, min_value=1, max_value=ITEMS_MAX,
                                  error_messages={"invalid": _("序号应为正整数"), "min_value": _("序号应为正整数"),
                                                  "max_value": _("序号超出范围")})


ChecklistItemFormSet = forms.formset_factory(ChecklistItemForm, extra=3, can_delete=True, max_num=ITEMS_MAX,
                                             absolute_max=ITEMS_MAX + 10, validate_max=True)


class ChecklistMetaForm(forms.Form):
    name = text_field(_("名称"), CHECKLIST_NAME_MAX, required=True)


class PublishForm(forms.Form):
    effective_on = forms.DateField(error_messages={"required": _("请填写施行日期"),
                                                   "invalid": _("施行日期格式应为 年-月-日")})
