"""How a letter words the ladder's reasons: one reviewed table, read aloud as an office writes.

The ladder (`scoring.rules`) states each reason tersely for the decision log ("存在较重问题3项，
达到3项"); a letter must say the same fact as a sentence a county office would sign.  Each row
below is one kind of reason the rules produce (the rule ids beside it), the pattern of its terse
form and the letter's sentence for it.  `compose` passes every ground through `ground` when it
freezes a letter, so an issued letter's words never change on a later edit of this table.

A reason that no row matches (a ground typed by hand, a future rule) keeps its words and gets
its full stop: the letter never drops a ground.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Phrasing:
    rules: tuple[str, ...]  # the scoring rule ids that give such a ground
    pattern: re.Pattern
    sentence: str  # str.format with the pattern's named groups


def _p(rules: tuple[str, ...], pattern: str, sentence: str) -> Phrasing:
    return Phrasing(rules, re.compile(pattern), sentence)


# Reviewed sentence by sentence; first match wins, so the narrower pattern comes first.
GROUNDS: tuple[Phrasing, ...] = (
    # prominent.summons: many major problems (when major is not itself the grave severity)
    _p(("prominent.summons", "referral.recurrence"), r"^存在较重问题(?P<n>\d+)项，达到(?P<limit>\d+)项$",
       "检查发现较重问题{n}项，达到突出问题认定标准（{limit}项及以上）。"),
    # prominent.summons / referral.recurrence: grave problems found
    _p(("prominent.summons", "referral.recurrence"), r"^存在(?P<what>(严重|较重)问题\d+项.*)$",
       "检查发现{what}，属突出问题。"),
    # prominent.summons: a low score
    _p(("prominent.summons", "referral.recurrence"), r"^(检查)?得分(?P<score>[\d.]+)分，低于(?P<line>\d+)分$",
       "检查得分{score}分，低于{line}分。"),
    # referral.recurrence: prominent problems again while under key management
    _p(("referral.recurrence",), r"^纳入重点管理期间再次出现突出问题（(?P<seen>.+)）$",
       "纳入重点管理期间，{seen}再次发现突出问题。"),
    # referral.third_summons
    _p(("referral.third_summons",), r"^(?P<months>\d+)个月内已第(?P<n>\d+)次被约谈（(?P<dates>.+)）$",
       "{months}个月内已第{n}次被约谈（分别于{dates}）。"),
    # overdue.summons / referral.overdue
    _p(("overdue.summons", "referral.overdue"),
       r"^整改期限(?P<due>.+?)已过，(?P<basis>催办提醒|上次升级处理)（(?P<since>.+?)）后已(?P<days>\d+)日仍未完成整改，"
       r"超过(?P<limit>\d+)日$",
       "整改期限已于{due}届满，{since}{basis_words}后{days}日仍未完成整改，超过规定的{limit}日。"),
)

_BASIS_WORDS = {"催办提醒": "发出催办提醒", "上次升级处理": "升级处理"}
_END = ("。", "！", "？", "；", "：")


def sentence(text: str) -> str:
    """``text`` as one sentence: a closing full stop added when it has none (never doubled)."""
    text = text.strip()
    return text if not text or text.endswith(_END) else text + "。"


def ground(text: str) -> str:
    """The letter's sentence for one of the ladder's grounds."""
    bare = text.strip().rstrip("。")
    for row in GROUNDS:
        match = row.pattern.match(bare)
        if match:
            values = match.groupdict()
            if "basis" in values:
                values["basis_words"] = _BASIS_WORDS[values["basis"]]
            return row.sentence.format(**values)
    return sentence(bare)


def item_text(text: str) -> str:
    """A list item as the letter numbers it ("1.问题整改方案（加盖公章）。"): stored without its
    full stop, so a page may join items with "；" without "。；"."""
    return sentence(text)
