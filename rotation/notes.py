"""What a draw says about itself: its warnings, in the words a commission reads (part of the record)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rotation.inputs import DrawInputs
from rotation.slots import share, week_workdays


@dataclass(slots=True)  # read-only once built (not frozen: cheaper to build, twice a draw)
class Facts:
    shortfall: int | None  # date ordinal
    missed: list[str]
    ratio_lowered: bool
    effective: float
    key_count: int
    unstaffed: tuple[str, ...]


def warnings_v1(inputs: DrawInputs, week, facts: Facts) -> tuple[str, ...]:
    warnings = []
    if facts.shortfall is not None:
        warnings.append(
            f"每周 {inputs.capacity} 次的检查能力无法保证覆盖要求，"
            f"{date.fromordinal(facts.shortfall).isoformat()} 前将有乡镇逾期"
        )
    if facts.missed:
        warnings.append("以下乡镇本周无法按期检查：" + "、".join(facts.missed))
    if facts.ratio_lowered:
        warnings.append(
            f"检查能力不足以实现重点管理 {inputs.ratio:g} 倍的检查频次，本周按 {facts.effective:.2f} 倍抽取"
        )
    return tuple(warnings)


def warnings_v2(inputs: DrawInputs, week, facts: Facts) -> tuple[str, ...]:
    """v1's warnings in the same words, and what the calendar, the roster and the key-managed list change."""
    warnings = list(warnings_v1(inputs, week, Facts(facts.shortfall, facts.missed,
                                                     facts.ratio_lowered and facts.key_count < len(week.frame),
                                                     facts.effective, facts.key_count, ())))
    if not week.slot_days:
        warnings.insert(0, "本周没有工作日，不安排检查" if inputs.from_day is None else "本周剩余时间没有工作日，不安排检查")
    else:
        days = len({d for d in week.slot_days})
        wanted = inputs.capacity if inputs.from_day else share(inputs.capacity, len(week_workdays(
            inputs.calendar, week.start_ord)))
        if week.slots < wanted and week.slots < len(week.frame):  # below min(wanted, frame), without a min() call
            warnings.append(f"每天最多安排 {week.per_day} 个督查组，本周只能安排 {week.slots} 次检查（{days} 个检查日）")
    if facts.key_count == len(week.frame) and inputs.ratio != 1:
        warnings.append(f"全部乡镇均为重点管理，重点管理 {inputs.ratio:g} 倍的检查频次不起作用")
    if facts.unstaffed:
        reason = "未登记督查员" if not inputs.inspectors else "当天可派的非本乡镇督查员不足"
        warnings.append(
            f"{reason}，以下乡镇的检查无法组成 {inputs.team_size} 人督查组，须由委员会另行派员："
            + "、".join(facts.unstaffed)
        )
    return tuple(warnings)
