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
    if monday.year != sunday.year:
        span = f"{monday.year}年{monday.month}月{monday.day}日—{sunday.year}年{sunday.month}月{sunday.day}日"
    elif monday.month != sunday.month:
        span = f"{monday.month}月{monday.day}日—{sunday.month}月{sunday.day}日"
    else:
        span = f"{monday.month}月{monday.day}日—{sunday.day}日"
    return gettext("第%(n)s周（%(span)s）") % {"n": int(match[2]), "span": span}
