"""The one label table (`scoring.LABELS`) in templates, for values stored as text where no model
field gives a `get_..._display`: `{{ finding.severity|label:"severity" }}`, `{{ r.light|label:"light" }}`;
a decision's rule by its Chinese title (`{{ d.rule|rule_title }}`), and an ISO week by its dates
(`{{ draw.week|week_dates }}` → 第48周（11月23日—29日）): no code a person has to decode."""

import re
from datetime import date, timedelta

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


@register.filter
def rule_title(rule: str) -> str:
    title = scoring.RULES.get(rule)
    return gettext(title) if title else gettext("其他规则")


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@register.filter
def week_dates(week: str) -> str:
    """第48周（11月23日—29日）; a week across two months or years names both ends in full."""
    match = _WEEK.match(str(week or ""))
    if not match:
        return str(week or "")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return str(week)
    sunday = monday + timedelta(days=6)
    ends = {"y1": monday.year, "m1": monday.month, "d1": monday.day,
            "y2": sunday.year, "m2": sunday.month, "d2": sunday.day}
    if monday.year != sunday.year:
        span = gettext("%(y1)d年%(m1)d月%(d1)d日—%(y2)d年%(m2)d月%(d2)d日") % ends
    elif monday.month != sunday.month:
        span = gettext("%(m1)d月%(d1)d日—%(m2)d月%(d2)d日") % ends
    else:
        span = gettext("%(m1)d月%(d1)d日—%(d2)d日") % ends
    return gettext("第%(n)s周（%(span)s）") % {"n": int(match[2]), "span": span}
