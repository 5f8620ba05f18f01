"""The form that edits a draft notice (services.drafts): each limit and message is the service's.

Built for one draft: only the fields its kind lets a person word, its inspection's findings as
the choices, the office's named staff as the 约谈人. `changes()` gives the service only what the
person changed, so an untouched meeting that has since passed does not block a wording fix.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from inspection.errors import InspectionError
from inspection.models import NoticeKind
from inspection.services import drafts
from inspection.web.forms import text_field

MEETING_FORMAT = "%Y-%m-%dT%H:%M"


def _checked(clean, value):
    try:
        return clean(value)
    except InspectionError as exc:
        raise forms.ValidationError(exc.detail) from None


def _say_long(label: str, limit: int) -> str:
    return f"{label}不超过{limit}字"


class DraftForm(forms.Form):
    def __init__(self, *args, notice, pool, quoted, staff, **kwargs):
        self.notice, self.pool, self.staff = notice, pool, staff
        snap = notice.snapshot or {}
        editable = drafts.EDITABLE.get(notice.kind, ())
        initial = {"title": snap.get("title", ""), "requirements": "\n".join(snap.get("requirements") or []),
                   "warning": snap.get("warning") or "", "suggestion": snap.get("suggestion") or "",
                   "findings": [str(i) for i in quoted]}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["title"] = text_field("标题", drafts.TITLE_MAX, required=True, required_message="标题不能为空",
                                          too_long=_say_long("标题", drafts.TITLE_MAX))
        if "requirements" in editable:
            self.fields["requirements"] = text_field(
                "要求", drafts.LINES_MAX * (drafts.LINE_MAX + 1), required=True, required_message="要求至少填写一条")
            self.fields["requirements"].widget = forms.Textarea(attrs={"rows": 6})
        for key in ("warning", "suggestion"):
            if key in editable:
                label = drafts.LABELS[key]
                self.fields[key] = text_field(label, drafts.PARAGRAPH_MAX, required=True,
                                              required_message=f"{label}不能为空",
                                              too_long=_say_long(label, drafts.PARAGRAPH_MAX))
        if pool:
            self.fields["findings"] = forms.MultipleChoiceField(
                choices=[(str(f.pk), f.text) for f in pool], required=True,
                error_messages={"required": "文书至少引用一个问题", "invalid_choice": "只能引用本次暗查发现的问题"})
            self.fields["drop_reason"] = text_field("删去问题的理由", drafts.REASON_MAX,
                                                    too_long=_say_long("删去问题的理由", drafts.REASON_MAX))
        if notice.kind == NoticeKind.SUMMONS:
            self._meeting_fields(snap.get("meeting") or {})

    def _meeting_fields(self, meeting: dict) -> None:
        self.fields["meeting_start"] = forms.DateTimeField(
            input_formats=[MEETING_FORMAT, "%Y-%m-%d %H:%M"], required=True,
            error_messages={"required": "请填写约谈时间", "invalid": "约谈时间格式应为“年-月-日 时:分”"})
        self.fields["meeting_place"] = text_field("约谈地点", drafts.PLACE_MAX, required=True,
                                                  required_message="请填写约谈地点",
                                                  too_long=_say_long("约谈地点", drafts.PLACE_MAX))
        hosts = [(str(p.user_id), drafts.host_label(p)) for p in self.staff]
        current = next((str(p.user_id) for p in self.staff if drafts.host_label(p) == meeting.get("host")), "")
        self.fields["meeting_host"] = forms.ChoiceField(
            choices=[("", "（请选择）")] + hosts, required=False,
            error_messages={"invalid_choice": "约谈人须从本单位未保办人员名单中选择"})
        self.initial.update(meeting_start=meeting.get("start", ""), meeting_place=meeting.get("place", ""),
                            meeting_host=current)
        self.current_host = meeting.get("host", "")

    def clean_requirements(self):
        return _checked(drafts.clean_lines, self.cleaned_data["requirements"])

    def clean_meeting_start(self):
        value = self.cleaned_data["meeting_start"]
        if self._unchanged("meeting_start", value):
            return value
        return _checked(lambda v: drafts.clean_meeting_start(v, self.notice.county), value)

    def _unchanged(self, name, value) -> bool:
        if name == "meeting_start":
            return drafts.wall_clock(value).strftime(MEETING_FORMAT) == self.initial.get("meeting_start")
        return value == self.initial.get(name)

    def changes(self) -> dict:
        """The service's keyword arguments for what differs from the draft as shown."""
        data, out = self.cleaned_data, {}
        for key in ("title", "warning", "suggestion", "meeting_place"):
            if key in data and not self._unchanged(key, data[key]):
                out[key] = data[key]
        if "requirements" in data and data["requirements"] != (self.notice.snapshot or {}).get("requirements"):
            out["requirements"] = data["requirements"]
        if "findings" in data and sorted(data["findings"]) != sorted(self.initial["findings"]):
            out["findings"] = [int(i) for i in data["findings"]]
            out["drop_reason"] = data.get("drop_reason", "")
        if "meeting_start" in data and not self._unchanged("meeting_start", data["meeting_start"]):
            out["meeting_start"] = data["meeting_start"]
        if data.get("meeting_host") and not self._unchanged("meeting_host", data["meeting_host"]):
            out["meeting_host"] = int(data["meeting_host"])
        return out

    def meeting_passed(self) -> bool:
        start = (self.notice.snapshot or {}).get("meeting", {}).get("start")
        if not start:
            return False
        return dt.datetime.fromisoformat(start) <= timezone.localtime().replace(tzinfo=None)
