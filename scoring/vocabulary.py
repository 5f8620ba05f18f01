"""The vocabulary of the record, declared once: severities, levels, lights, kinds of letter and
of decision, the rules that take decisions, and the one table of their Chinese labels.

Pure Python (no Django). The models derive their choices from these enums and this table, the
ladder writes its reasons with the same labels, and the web translates them through the
catalogue (the labels are the msgids; `gettext_noop` marks them for makemessages).
"""

from __future__ import annotations

import enum


class PolicyError(ValueError):
    """A policy (scoring or escalation) that cannot be used as written."""


def gettext_noop(message: str) -> str:
    """Marks a label for makemessages; the web layer translates it when it shows it."""
    return message


class Labelled(enum.Enum):
    """An enum whose members have a label in `LABELS`."""

    @property
    def label(self) -> str:
        return LABELS.get(self, "")


class Severity(Labelled):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, value: Severity | str) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls(value)
        except ValueError:
            raise PolicyError(f"unknown severity {value!r}; expected minor, major or critical") from None


class Level(Labelled):
    NORMAL = "normal"
    RECTIFICATION = "rectification"
    SUMMONS = "summons"
    ACCOUNTABILITY = "accountability"

    @property
    def rank(self) -> int:
        return _LEVELS.index(self)

    def up(self) -> Level:
        return _LEVELS[min(self.rank + 1, len(_LEVELS) - 1)]


class Light(Labelled):
    NONE = "none"  # stored as '' on a rectification row
    YELLOW = "yellow"
    RED = "red"


class NoticeKind(Labelled):
    """Every kind of letter the county sends. The ladder asks for the first three; the weekly
    circular and the reminder letter are written by the services."""

    RECTIFICATION = "rectification"
    SUMMONS = "summons"
    REFERRAL = "referral"
    CIRCULAR = "circular"
    REMINDER = "reminder"


class DecisionKind(enum.Enum):
    LEVEL_CHANGE = "level_change"
    RECTIFICATION_OPENED = "rectification_opened"
    RECTIFICATION_CLOSED = "rectification_closed"
    RECTIFICATION_ESCALATED = "rectification_escalated"
    NOTICE = "notice"
    KEY_MANAGEMENT_ENTERED = "key_management_entered"
    KEY_MANAGEMENT_EXITED = "key_management_exited"
    FOLLOW_UP_WANTED = "follow_up_wanted"
    FOLLOW_UP_PASSED = "follow_up_passed"
    FOLLOW_UP_FAILED = "follow_up_failed"
    LIGHT = "light"
    REMINDER = "reminder"


_SEVERITY_RANK = {Severity.MINOR: 1, Severity.MAJOR: 2, Severity.CRITICAL: 3}
_LEVELS = (Level.NORMAL, Level.RECTIFICATION, Level.SUMMONS, Level.ACCOUNTABILITY)

# The one table of labels a reader sees (no light is shown as nothing, so it has none).
LABELS: dict[Labelled, str] = {
    Severity.MINOR: gettext_noop("一般"),
    Severity.MAJOR: gettext_noop("较重"),
    Severity.CRITICAL: gettext_noop("严重"),
    Level.NORMAL: gettext_noop("正常"),
    Level.RECTIFICATION: gettext_noop("限期整改"),
    Level.SUMMONS: gettext_noop("约谈预警"),
    Level.ACCOUNTABILITY: gettext_noop("问责"),
    Light.YELLOW: gettext_noop("黄灯"),
    Light.RED: gettext_noop("红灯"),
    NoticeKind.RECTIFICATION: gettext_noop("整改通知书"),
    NoticeKind.SUMMONS: gettext_noop("约谈通知书"),
    NoticeKind.REFERRAL: gettext_noop("问责建议函"),
    NoticeKind.CIRCULAR: gettext_noop("暗查暗访情况通报"),
    NoticeKind.REMINDER: gettext_noop("整改催办通知"),
}


def label_of(kind: type[Labelled], value: str) -> str:
    """The label of a stored value (e.g. `label_of(Severity, "major")` is 较重); '' for none."""
    try:
        return kind(value).label
    except ValueError:
        return ""


# Rule ids and their titles. Every decision names one of these.
RULES: dict[str, str] = {
    "rectification.notice": "发现问题下发整改通知书",
    "rectification.accepted": "整改验收通过",
    "level.restored": "整改完成恢复正常",
    "prominent.summons": "突出问题约谈预警",
    "prominent.key_management": "突出问题纳入重点管理",
    "key_management.follow_up": "重点管理“回头看”",
    "follow_up.conclude": "“回头看”结论",
    "key_management.exit": "退出重点管理",
    "light.yellow": "整改临期黄灯",
    "light.red": "整改逾期红灯",
    "overdue.reminder": "整改逾期催办",
    "overdue.summons": "催办后仍逾期升级约谈",
    "referral.overdue": "催办后仍逾期提出问责建议",
    "referral.recurrence": "重点管理期间突出问题复发提出问责建议",
    "referral.third_summons": "12个月内多次约谈提出问责建议",
}
# The only rules that may lower a level.
EXIT_RULES = frozenset({"key_management.exit", "level.restored"})
