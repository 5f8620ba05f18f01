"""A notice's edit history as its page tells it: who, when, what changed, in Chinese.

Read from the notice's own audit events (`access.notice_events`): the record the office cannot
quietly change is also what the page shows, so a dropped finding is visible to the next reader.
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth import get_user_model

from inspection.models import Profile

ACTIONS = {
    "notice.drafted": "起草",
    "notice.edited": "修改草稿",
    "notice.issued": "审核签发（印发）",
    "notice.delivered": "收文人首次下载",
    "notice.acknowledged": "签收",
}
FIELDS = {
    "title": "标题",
    "requirements": "要求",
    "warning": "预警内容",
    "suggestion": "问责建议",
    "findings": "引用的问题",
    "meeting_start": "约谈时间",
    "meeting_place": "约谈地点",
    "meeting_host": "约谈人",
}


def _value(key: str, value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, list):
        return "；".join(str(v) for v in value) or "（空）"
    if key == "meeting_start":
        try:
            at = dt.datetime.fromisoformat(value)
        except ValueError:
            return str(value)
        return f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"
    return str(value)


def _names(usernames: set[str]) -> dict[str, str]:
    """Account names as people: the profile's name, else the account's full name."""
    users = get_user_model().objects.filter(username__in=usernames)
    names = {u.username: u.get_full_name() or u.username for u in users}
    for username, name in Profile.objects.filter(user__username__in=usernames).exclude(name="").values_list(
            "user__username", "name"):
        names[username] = name
    return names


def _what(action: str, data: dict) -> str:
    if action == "notice.voided":
        return "撤回草稿" if data.get("from") == "draft" else "作废"
    if action == "notice.drafted" and data.get("rule"):
        return "按问责规则自动起草"
    return ACTIONS.get(action, "办理")


def _system(action: str, data: dict) -> bool:
    """The ladder drafts while running under whoever's action set it off (an inspector's submit):
    that person did not word the letter, and the page does not say they did."""
    return action == "notice.drafted" and bool(data.get("rule"))


def history_rows(events) -> list[dict]:
    events = list(events)
    names = _names({e.actor for e in events if e.actor})
    rows = []
    for event in events:
        data = json.loads(event.payload).get("data") or {}
        before, after = data.get("before") or {}, data.get("after") or {}
        changes = [{"label": FIELDS.get(k, k), "before": _value(k, before.get(k)), "after": _value(k, after.get(k))}
                   for k in before if k in FIELDS]
        rows.append({
            "at": event.at,
            "who": "系统" if not event.actor or _system(event.action, data) else names.get(event.actor, event.actor),
            "what": _what(event.action, data),
            "changes": changes,
            "dropped": _value("findings", after["dropped"]) if after.get("dropped") else "",
            "reason": after.get("reason") or data.get("reason") or "",
        })
    return rows
