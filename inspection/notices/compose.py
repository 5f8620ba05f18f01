"""Every notice snapshot, composed from plain values (no database, no Django).

The services read what a letter says from their tables (the escalation writer for the ladder's
letters, the notices service for the weekly circular), the load generator from its rows in
memory, and `samples` from made-up values; all of them hand plain values to the functions
here, so a letter's wording and shape are written once.  The shape is the schema of
`inspection.notices.snapshot` (see there); each function returns a snapshot that still has
to pass `validate_snapshot` before it is stored.

Dates come in as `date` objects and leave as ISO strings; times as wall-clock `datetime`s
(Asia/Shanghai, already converted by the caller) and leave as ``YYYY-MM-DDTHH:MM``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import privacy
import rotation
import scoring

from . import phrasing
from .snapshot import SCHEMA_VERSION

OTHER_AREA = "其他问题"  # the area of a finding outside the checklist
MEETING_TIME = time(9, 30)
MEETING_AFTER_DAYS = 3

RECTIFICATION_REQUIREMENTS = (
    "对照问题清单逐项制定整改措施，明确责任人和完成时限。",
    "举一反三开展自查，对同类问题一并整改。",
    "整改完成后通过暗查暗访管理系统报送整改报告，并附整改前后对比照片等佐证材料。",
)
CIRCULAR_REQUIREMENTS = (
    "各乡镇（街道）要对照通报问题开展自查自纠，切实压实分管负责人责任。",
    "收到整改通知书的乡镇（街道）要按期完成整改并报送整改报告。",
    "纳入重点管理的乡镇（街道）要对标对表抓好整改，迎接“回头看”。",
)
# The case history of a referral: which decisions it tells, in the words of the letter.
NOTICE_EVENTS = {
    "rectification": "下发整改通知书",
    "summons": "约谈分管负责人并予以预警",
    "referral": "提出问责建议",
}
DECISION_EVENTS = {
    scoring.DecisionKind.KEY_MANAGEMENT_ENTERED.value: "纳入重点管理",
    scoring.DecisionKind.KEY_MANAGEMENT_EXITED.value: "退出重点管理",
    scoring.DecisionKind.REMINDER.value: "整改逾期，发出催办提醒",
    scoring.DecisionKind.FOLLOW_UP_PASSED.value: "“回头看”通过",
    scoring.DecisionKind.FOLLOW_UP_FAILED.value: "“回头看”未通过",
    scoring.DecisionKind.RECTIFICATION_CLOSED.value: "整改通过验收",
}


@dataclass(frozen=True)
class Letterhead:
    """Who writes: the county and its office (署名, 印发机关, and with 文件 the red mark)."""

    county: str
    authority: str
    doc_prefix: str

    def commission(self) -> str:
        return f"中共{self.county}纪律检查委员会、{self.county}监察委员会"

    def members(self) -> str:
        return f"{self.county}未保委各成员单位"


@dataclass(frozen=True)
class Place:
    """The township a letter goes to or is about."""

    code: str
    name: str
    street: bool = False

    @property
    def addressee(self) -> str:
        return f"{self.name}办事处" if self.street else f"{self.name}人民政府"


@dataclass(frozen=True)
class Visit:
    """The inspection a letter rests on."""

    on: date
    score: int | float
    checklist_version: int
    team: str | None = None  # default: the county's 督查组


# --------------------------------------------------------------------------- pieces


def header(*, kind: str, letterhead: Letterhead, title: str, addressee: str, township: Place | None, on: date,
           copy_to: Sequence[str], attachments: Sequence[str], contact: dict | None = None) -> dict:
    """What every kind shares: 版头, 标题, 主送, 成文日期 and the 版记 (dated the same day)."""
    return {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        "authority": {"name": letterhead.authority, "mark": f"{letterhead.authority}文件"},
        "title": title,
        "addressee": addressee,
        "township": {"code": township.code, "name": township.name} if township else None,
        "date": on.isoformat(),
        "copy_to": list(copy_to),
        "printed_by": letterhead.authority,
        "printed_date": on.isoformat(),
        "attachments": list(attachments),
        "contact": contact,
    }


def finding(*, area: str | None, item: str | None, severity: str, text: str, location: str | None = None,
            observed_at: datetime | None = None) -> dict:
    """One finding as a letter lists it; `area` None for a problem outside the checklist."""
    return {
        "area": area or OTHER_AREA,
        "item": item,
        "severity": severity,
        "text": text,
        "location": location or None,
        "observed_at": observed_at.strftime("%Y-%m-%dT%H:%M") if observed_at else None,
    }


def inspection_facts(letterhead: Letterhead, visit: Visit) -> dict:
    return {
        "date": visit.on.isoformat(),
        "team": visit.team or f"{letterhead.doc_prefix}督查组",
        "score": visit.score,
        "checklist_version": f"第{visit.checklist_version}版",  # kept, never printed in a letter
    }


def person(official: dict | None) -> dict:
    """The official named in a letter: {name, post}, or a placeholder while the post is vacant."""
    return dict(official) if official else {"name": "（待明确）", "post": "分管负责人"}


def sentences(lines: Iterable[str]) -> list[str]:
    """The ladder's grounds as the letter says them (the reviewed table in `phrasing`)."""
    return [phrasing.ground(g) for g in lines]


def history_event(*, on: date, decision_kind: str, notice_kind: str | None, number: str | None) -> dict | None:
    """One line of a referral's case history, or None for a decision the history leaves out."""
    if decision_kind == scoring.DecisionKind.NOTICE.value:
        label = NOTICE_EVENTS.get(notice_kind)
    else:
        label = DECISION_EVENTS.get(decision_kind)
    if label is None:
        return None
    return {"date": on.isoformat(), "event": label, "number": number or None}


def meeting_facts(letterhead: Letterhead, township: Place, on: date) -> dict:
    """The summons meeting: the third day after the letter (moved off a weekend), 09:30."""
    day = on + timedelta(days=MEETING_AFTER_DAYS)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return {
        "start": datetime.combine(day, MEETING_TIME).strftime("%Y-%m-%dT%H:%M"),
        "place": f"{letterhead.authority}会议室",
        "host": f"{letterhead.county}未保委负责同志",
        "attendees": [f"{township.name}分管负责人", f"{township.name}未保工作站负责人"],
        # No full stops: the letter numbers them as sentences, a page joins them with "；".
        "bring": ["问题整改方案（加盖公章）", "发现问题涉及的工作台账及整改佐证材料"],
    }


def key_management_facts(*, start: date, policy: scoring.EscalationPolicy) -> dict:
    weeks = (policy.follow_up_after_min_days // 7, policy.follow_up_after_max_days // 7)
    return {
        "start": start.isoformat(),
        "ratio": policy.key_management_ratio,
        "min_weeks": max(1, policy.exit_min_days // 7),
        "follow_up": f"整改期限届满后{weeks[0]}至{weeks[1]}周内由其他督查组不打招呼开展“回头看”",
    }


# --------------------------------------------------------------------------- the letters


def rectification(*, letterhead: Letterhead, township: Place, on: date, visit: Visit, findings: list[dict],
                  deadline: date, copy_to: Sequence[str] | None = None, attachments: Sequence[str] = ("暗查暗访问题清单",),
                  requirements: Sequence[str] = RECTIFICATION_REQUIREMENTS, contact: dict | None = None) -> dict:
    """整改通知书."""
    return {
        **header(kind="rectification", letterhead=letterhead, title=f"关于{township.name}限期整改暗查暗访发现问题的通知",
                 addressee=township.addressee, township=township, on=on,
                 copy_to=[letterhead.members()] if copy_to is None else copy_to, attachments=attachments,
                 contact=contact),
        "inspection": inspection_facts(letterhead, visit),
        "findings": list(findings),
        "deadline": deadline.isoformat(),
        "requirements": list(requirements),
    }


def summons_requirements(deadline: date) -> list[str]:
    return [
        "高度重视约谈工作，认真分析问题产生的原因，深刻剖析责任。",
        f"立即组织整改，于{deadline.year}年{deadline.month}月{deadline.day}日前完成整改并报送整改报告。",
        "举一反三，全面排查辖区未成年人保护工作薄弱环节，建立长效机制。",
    ]


def summons(*, letterhead: Letterhead, township: Place, on: date, visit: Visit, findings: list[dict],
            grounds: Iterable[str], official: dict | None, key_management: dict, requirements: Sequence[str],
            meeting: dict | None = None, warning: str | None = None, copy_to: Sequence[str] | None = None,
            attachments: Sequence[str] = ("暗查暗访问题清单",), contact: dict | None = None) -> dict:
    """约谈通知书, with the warning (预警) and the key-management decision (重点管理)."""
    name = township.name
    return {
        **header(kind="summons", letterhead=letterhead, title=f"关于对{name}分管负责人进行约谈的通知",
                 addressee=township.addressee, township=township, on=on,
                 copy_to=[letterhead.commission(), letterhead.members()] if copy_to is None else copy_to,
                 attachments=attachments, contact=contact),
        "inspection": inspection_facts(letterhead, visit),
        "findings": list(findings),
        "grounds": sentences(grounds),
        "official": person(official),
        "meeting": meeting or meeting_facts(letterhead, township, on),
        "warning": warning or f"对{name}予以预警，预警等级为“{scoring.Level.SUMMONS.label}”。",
        "key_management": key_management,
        "requirements": list(requirements),
    }


def referral(*, letterhead: Letterhead, township: Place, on: date, official: dict | None, grounds: Iterable[str],
             history: list[dict], findings: list[dict], copy_to: Sequence[str] | None = None,
             attachments: Sequence[str] = ("暗查暗访及整改情况汇总表",), contact: dict | None = None) -> dict:
    """问责建议函, to the discipline commission."""
    name, who = township.name, person(official)
    return {
        **header(kind="referral", letterhead=letterhead, title=f"关于建议对{name}有关责任人员进行问责的函",
                 addressee=letterhead.commission(), township=township, on=on,
                 copy_to=[f"{letterhead.county}未保委主任、副主任"] if copy_to is None else copy_to,
                 attachments=attachments, contact=contact),
        "official": who,
        "grounds": sentences(grounds),
        "history": list(history),
        "findings": list(findings),
        "suggestion": f"建议对{name}{who['post']}{who['name']}同志进行问责，并督促{name}限期完成整改。",
    }


# --------------------------------------------------------------------------- a ladder decision's letter


@dataclass(frozen=True)
class LetterFacts:
    """What a decision's letter needs besides the decision, read by the caller on the decision's day."""

    letterhead: Letterhead
    township: Place
    on: date
    policy: scoring.EscalationPolicy
    official: dict | None  # {name, post} of the post holder that day
    visit: Visit | None
    findings: list[dict]  # the decision's findings, composed with `finding`
    key_managed_since: date | None = None
    history: list[dict] = field(default_factory=list)  # a referral's case so far (`history_event`)


def _rectification_letter(d: scoring.Decision, f: LetterFacts) -> dict:
    return rectification(letterhead=f.letterhead, township=f.township, on=f.on, visit=f.visit, findings=f.findings,
                         deadline=d.deadline)


def _summons_letter(d: scoring.Decision, f: LetterFacts) -> dict:
    return summons(letterhead=f.letterhead, township=f.township, on=f.on, visit=f.visit, findings=f.findings,
                   grounds=d.grounds, official=f.official,
                   key_management=key_management_facts(start=f.key_managed_since or f.on, policy=f.policy),
                   requirements=summons_requirements(d.deadline))


def _referral_letter(d: scoring.Decision, f: LetterFacts) -> dict:
    return referral(letterhead=f.letterhead, township=f.township, on=f.on, official=f.official, grounds=d.grounds,
                    history=f.history, findings=f.findings)


LETTERS: dict[scoring.NoticeKind, Callable[[scoring.Decision, LetterFacts], dict]] = {
    scoring.NoticeKind.RECTIFICATION: _rectification_letter,
    scoring.NoticeKind.SUMMONS: _summons_letter,
    scoring.NoticeKind.REFERRAL: _referral_letter,
}


def decision_letter(decision: scoring.Decision, facts: LetterFacts) -> dict:
    """The snapshot of the letter a ladder decision (kind notice) calls for."""
    return LETTERS[decision.notice](decision, facts)


def carrying(snapshot: dict, *, covers: Sequence[str], rectification_due: date | None) -> dict:
    """The higher letter of one event standing for the lower ones (snapshot, MERGED): the kinds it
    covers and, for a rectification notice it replaces, that notice's demands and due date."""
    if not covers:
        return snapshot
    out = {**snapshot, "covers": list(covers)}
    if rectification_due is not None:
        out["rectification"] = {"deadline": rectification_due.isoformat(),
                                "requirements": list(RECTIFICATION_REQUIREMENTS)}
    return out


# --------------------------------------------------------------------------- the weekly circular


@dataclass(frozen=True)
class CircularVisit:
    """One submitted inspection of the week, with the findings that count (in id order)."""

    code: str
    name: str
    on: date
    follow_up: bool
    score: int | float | None
    findings: list[dict]  # {area, severity, text}: townships are named, never a person
    team: tuple = ()  # who went (inspector ids): the circular numbers the week's teams, names no one


_CN_ORDINALS = "一二三四五六七八九十"


def team_labels(visits: Sequence[CircularVisit]) -> list[str]:
    """第一组, 第二组 … for the week's teams, numbered in the order they went out (date, then
    township), the same team the same number; a 回头看 says so.  Inspectors stay anonymous."""
    numbers: dict[tuple, int] = {}
    for visit in sorted(visits, key=lambda v: (v.on, v.code)):
        if visit.team and visit.team not in numbers:
            numbers[visit.team] = len(numbers) + 1
    labels = []
    for visit in visits:
        n = numbers.get(visit.team)
        name = "督查组" if n is None else f"第{_CN_ORDINALS[n - 1] if n <= 10 else n}组"
        labels.append(name + ("（回头看）" if visit.follow_up else ""))
    return labels


def circular_tables(visits: Iterable[CircularVisit]) -> tuple[list[dict], list[dict], dict]:
    """Rows (ranked: equal scores share a rank), problems (worst first) and the totals, from
    the week's visits already ordered by score, then date and township code."""
    rows, problems = [], []
    rank, previous = 0, None
    visits = list(visits)
    for position, (visit, team) in enumerate(zip(visits, team_labels(visits)), start=1):
        counts = {s: sum(1 for f in visit.findings if f["severity"] == s) for s in ("critical", "major")}
        if visit.score != previous:
            rank, previous = position, visit.score
        rows.append({
            "rank": rank, "township": {"code": visit.code, "name": visit.name}, "date": visit.on.isoformat(),
            "team": team,
            "score": visit.score or 0, "findings": len(visit.findings), **counts,
        })
        ordered = sorted(enumerate(visit.findings), key=lambda p: (-scoring.Severity(p[1]["severity"]).rank, p[0]))
        problems += [{"township": visit.name, "area": f["area"], "severity": f["severity"], "text": f["text"]}
                     for _, f in ordered]
    summary = {
        "inspections": len(rows), "townships": len({r["township"]["code"] for r in rows}),
        "average_score": round(sum(r["score"] for r in rows) / len(rows), 1) if rows else 0,
        "findings": sum(r["findings"] for r in rows),
        "critical": sum(r["critical"] for r in rows), "major": sum(r["major"] for r in rows),
    }
    return rows, problems, summary


def circular(*, letterhead: Letterhead, on: date, week_start: date, rows: list[dict], problems: list[dict],
             summary: dict, requirements: Sequence[str] = CIRCULAR_REQUIREMENTS, addressee: str | None = None,
             copy_to: Sequence[str] | None = None, contact: dict | None = None,
             compliance: dict | None = None) -> dict:
    """暗查暗访情况通报 of one ISO week (Monday `week_start`); `compliance`: the period's estimate
    so far (`inspection.statistics.circular_block`), printed as its own section when given."""
    year, number, _ = week_start.isocalendar()
    county = letterhead.county
    return {
        **header(kind="circular", letterhead=letterhead, title=f"关于{year}年第{number}周未成年人保护工作暗查暗访情况的通报",
                 addressee=addressee or f"各乡镇人民政府、街道办事处，{letterhead.members()}", township=None, on=on,
                 copy_to=[f"中共{county}委办公室", f"{county}人民政府办公室"] if copy_to is None else copy_to,
                 attachments=[], contact=contact),
        "week": {"iso": rotation.week_label(week_start), "label": f"{year}年第{number}周",
                 "start": week_start.isoformat(), "end": (week_start + timedelta(days=6)).isoformat()},
        "summary": summary,
        "inspections": rows,
        "problems": problems,
        "requirements": list(requirements),
        "compliance": compliance,
    }


# --------------------------------------------------------------------------- 强制报告线索移送函


def _letter_text(text: str) -> str:
    """Every free-text field of a transfer letter passes here on its way into the letter: an ID number,
    a phone, a child's name, a class or a house address is masked (the designated officer passes an
    identity the agency needs through the agency's own channel, never in the letter)."""
    return privacy.mask(" ".join(text.split()))


TRANSFER_REQUIREMENTS = (
    "请你单位收到本函后立即依法核查处置，并将接收情况（接收人、接收时间、回执编号）即时告知我办。",
    "需移送的未成年人身份等信息，由我办指定专员通过你单位渠道另行告知，本函不予载明。",
    "请依法保护未成年人隐私和个人信息，处置情况及时反馈我办。",
)


def transfer(*, letterhead: Letterhead, on: date, addressee: str, what: str, location: str, discovered_at: datetime,
             child: str, reported_by: str, agency: str, contact: dict | None = None) -> dict:
    """强制报告线索移送函 to the receiving agency (Minors' Protection Law art. 11): the child
    appears only as described, never named."""
    return {
        **header(kind="transfer", letterhead=letterhead, title="关于移送强制报告线索的函", addressee=addressee,
                 township=None, on=on, copy_to=[], attachments=[], contact=contact),
        "report": {
            "what": _letter_text(what),
            "location": _letter_text(location),
            "discovered_at": discovered_at.strftime("%Y-%m-%dT%H:%M"),
            "child": _letter_text(child),
            "reported_by": _letter_text(reported_by),
            "agency": agency,
        },
        "requirements": list(TRANSFER_REQUIREMENTS),
    }
