"""The frozen snapshot a notice is rendered from, per kind, and its validation.

At issue time the service copies everything a letter says onto the notice as one JSON
object; the PDF is rendered from that object only, so re-rendering a notice years later
prints the same letter even if townships, people or rules have changed since.  The number
and the verification code are not part of the snapshot: they are passed to the renderer
beside it (a draft has neither).

Keys are strict: an unknown key is an error, so nothing (a child's name, say) can ride
along into a letter unnoticed.  ``Opt`` keys may be absent or null and are filled with
None.  Dates are ISO ``YYYY-MM-DD`` strings, times ``YYYY-MM-DDTHH:MM`` (Asia/Shanghai
wall-clock time, as printed).

Common to every kind::

    schema        1
    kind          "rectification" | "summons" | "referral" | "circular"
    authority     {name: 发文机关全称 (署名, 印发机关), mark: 发文机关标志 (红头, e.g. "…办公室文件")}
    title         标题
    addressee     主送机关, without the colon
    township      {code, name} of the recipient township; null for a circular
    date          成文日期
    copy_to       [抄送机关]              (may be empty: no 抄送 line)
    printed_by    印发机关
    printed_date  印发日期
    attachments   [附件名称]              (may be empty: no 附件 note)
    contact       Opt {name, phone}       (联系人)

rectification (整改通知书)::

    inspection    {date, team, score, checklist_version}
    findings      [FINDING, ...]  (at least one)
    deadline      整改期限 (date)
    requirements  [整改要求]

summons (约谈通知书, with the warning and the key-management decision)::

    inspection    {date, team, score, checklist_version}
    findings      [FINDING, ...]  (the findings behind the summons)
    grounds       [突出问题认定依据]  (e.g. "存在严重问题1项", "得分52分，低于60分")
    official      {name, post}    (被约谈人)
    meeting       {start: time, place, host: 约谈人, attendees: [参加人员], bring: [需携带材料]}
    warning       预警内容
    key_management {start: date, ratio: 抽取权重倍数, min_weeks, follow_up: 回头看安排}
    requirements  [有关要求]

referral (问责建议函, to the discipline commission)::

    official      {name, post}
    grounds       [问责事由]
    history       [{date, event, number: Opt 文号}]   (the escalation so far)
    findings      [FINDING, ...]
    suggestion    问责建议

circular (暗查暗访情况通报, weekly; townships named, never a child)::

    week          {iso: "2026-W49", label: "2026年第49周", start: date, end: date}
    summary       {inspections, townships, findings, critical, major, average_score}
    inspections   [{rank, township: {code, name}, date, team, score, findings, major, critical}]
    problems      [{township: name, area, severity, text}]
    requirements  [下步工作要求]

FINDING::

    {area: 检查领域, item: Opt 检查项目, severity: "minor" | "major" | "critical",
     text: 问题描述, location: Opt 地点, observed_at: Opt 发现时间}
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

KINDS = ("rectification", "summons", "referral", "circular")
KIND_LABELS = {
    "rectification": "整改通知书",
    "summons": "约谈通知书",
    "referral": "问责建议函",
    "circular": "暗查暗访情况通报",
}
SEVERITIES = ("minor", "major", "critical")
SEVERITY_LABELS = {"minor": "一般", "major": "较重", "critical": "严重"}
SCHEMA_VERSION = 1


class SnapshotError(ValueError):
    """A snapshot that does not match its kind's schema; the message names the path."""


@dataclass(frozen=True)
class Opt:
    spec: object


@dataclass(frozen=True)
class OneOf:
    values: tuple


class _Date:
    pass


class _DateTime:
    pass


DATE, DATETIME = _Date(), _DateTime()
NUMBER = (int, float)

_INSPECTION = {"date": DATE, "team": str, "score": NUMBER, "checklist_version": str}
_FINDING = {
    "area": str, "item": Opt(str), "severity": OneOf(SEVERITIES), "text": str,
    "location": Opt(str), "observed_at": Opt(str),
}
_PERSON = {"name": str, "post": str}
_TOWNSHIP = {"code": str, "name": str}

COMMON = {
    "schema": OneOf((SCHEMA_VERSION,)),
    "kind": OneOf(KINDS),
    "authority": {"name": str, "mark": str},
    "title": str,
    "addressee": str,
    "township": Opt(_TOWNSHIP),
    "date": DATE,
    "copy_to": [str],
    "printed_by": str,
    "printed_date": DATE,
    "attachments": [str],
    "contact": Opt({"name": str, "phone": str}),
}

BY_KIND = {
    "rectification": {
        "inspection": _INSPECTION,
        "findings": [_FINDING],
        "deadline": DATE,
        "requirements": [str],
    },
    "summons": {
        "inspection": _INSPECTION,
        "findings": [_FINDING],
        "grounds": [str],
        "official": _PERSON,
        "meeting": {"start": DATETIME, "place": str, "host": str, "attendees": [str], "bring": [str]},
        "warning": str,
        "key_management": {"start": DATE, "ratio": NUMBER, "min_weeks": int, "follow_up": str},
        "requirements": [str],
    },
    "referral": {
        "official": _PERSON,
        "grounds": [str],
        "history": [{"date": DATE, "event": str, "number": Opt(str)}],
        "findings": [_FINDING],
        "suggestion": str,
    },
    "circular": {
        "week": {"iso": str, "label": str, "start": DATE, "end": DATE},
        "summary": {"inspections": int, "townships": int, "findings": int, "critical": int,
                    "major": int, "average_score": NUMBER},
        "inspections": [{"rank": int, "township": _TOWNSHIP, "date": DATE, "team": str,
                         "score": NUMBER, "findings": int, "major": int, "critical": int}],
        "problems": [{"township": str, "area": str, "severity": OneOf(SEVERITIES), "text": str}],
        "requirements": [str],
    },
}

# Lists that must not be empty for the letter to make sense.
NON_EMPTY = {
    "rectification": ("findings",),
    "summons": ("findings", "grounds"),
    "referral": ("grounds",),
    "circular": (),
}


def schema_for(kind: str) -> dict:
    return {**COMMON, **BY_KIND[kind]}


def validate_snapshot(snapshot: dict) -> dict:
    """Check ``snapshot`` against its kind's schema; return a normalized deep copy
    (absent optional keys filled with None).  Raises SnapshotError."""
    if not isinstance(snapshot, dict):
        raise SnapshotError("snapshot: expected an object")
    kind = snapshot.get("kind")
    if kind not in KINDS:
        raise SnapshotError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    result = _check(copy.deepcopy(snapshot), schema_for(kind), "snapshot")
    for key in NON_EMPTY[kind]:
        if not result[key]:
            raise SnapshotError(f"snapshot.{key}: a {kind} needs at least one")
    if kind != "circular" and result["township"] is None:
        raise SnapshotError(f"snapshot.township: a {kind} is addressed to a township")
    return result


def _check(value, spec, path):
    if isinstance(spec, Opt):
        return None if value is None else _check(value, spec.spec, path)
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise SnapshotError(f"{path}: expected an object")
        unknown = sorted(set(value) - set(spec))
        if unknown:
            raise SnapshotError(f"{path}: unknown key(s) {', '.join(map(str, unknown))}")
        out = {}
        for key, sub in spec.items():
            if key not in value and not isinstance(sub, Opt):
                raise SnapshotError(f"{path}.{key}: missing")
            out[key] = _check(value.get(key), sub, f"{path}.{key}")
        return out
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise SnapshotError(f"{path}: expected a list")
        return [_check(item, spec[0], f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(spec, OneOf):
        if value not in spec.values or isinstance(value, bool):
            raise SnapshotError(f"{path}: expected one of {spec.values}, got {value!r}")
        return value
    if spec is DATE:
        try:
            dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise SnapshotError(f"{path}: expected a date YYYY-MM-DD, got {value!r}") from None
        return value
    if spec is DATETIME:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise SnapshotError(f"{path}: expected a time YYYY-MM-DDTHH:MM, got {value!r}") from None
        if parsed.tzinfo is not None:
            raise SnapshotError(f"{path}: give the wall-clock time without a zone")
        return value
    if spec is str:
        if not isinstance(value, str):
            raise SnapshotError(f"{path}: expected text")
        return value
    if spec is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise SnapshotError(f"{path}: expected an integer")
        return value
    if spec is NUMBER:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise SnapshotError(f"{path}: expected a number")
        return value
    raise AssertionError(f"unknown spec at {path}: {spec!r}")  # pragma: no cover
