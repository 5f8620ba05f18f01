"""The one label table (`scoring.LABELS`) in templates, for values stored as text where no model
field gives a `get_..._display`: `{{ finding.severity|label:"severity" }}`, `{{ r.light|label:"light" }}`."""

from django import template
from django.utils.translation import gettext

import scoring

register = template.Library()

_VOCABULARY = {
    "severity": scoring.Severity,
    "level": scoring.Level,
    "light": scoring.Light,
    "notice_kind": scoring.NoticeKind,
}


@register.filter
def label(value: str, vocabulary: str) -> str:
    text = scoring.label_of(_VOCABULARY[vocabulary], value)
    return gettext(text) if text else ""
