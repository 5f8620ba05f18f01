"""Document numbers (发文字号), GB/T 9704-2012 §7.2.4.

The year is written in full inside 六角括号 〔〕; the serial has no leading zeros and no 第;
号 follows it: 黔西未保办约〔2026〕3号.  Assigning the serial (gap-free, per county, series
and year, in the issuing transaction) is the service's job; this module only spells it.
"""

from __future__ import annotations

import re

# One series per kind of notice: 改 整改通知书, 约 约谈通知书, 问 问责建议函, 通 情况通报,
# 移 强制报告线索移送函 (kept in the mandatory-report tables, never a township's notice).
SERIES_BY_KIND = {
    "rectification": "改",
    "summons": "约",
    "referral": "问",
    "circular": "通",
    "transfer": "移",
}

NUMBER_RE = re.compile(r"^(?P<prefix>.+?)(?P<series>[改约问通移])〔(?P<year>\d{4})〕(?P<n>[1-9]\d*)号$")


def format_number(*, prefix: str, series: str, year: int, n: int) -> str:
    if not prefix or series not in SERIES_BY_KIND.values():
        raise ValueError(f"bad number prefix/series: {prefix!r} {series!r}")
    if not (1000 <= int(year) <= 9999) or int(n) < 1:
        raise ValueError(f"bad number year/serial: {year!r} {n!r}")
    return f"{prefix}{series}〔{int(year)}〕{int(n)}号"


def parse_number(number: str) -> dict | None:
    match = NUMBER_RE.match(number)
    if not match:
        return None
    return {"prefix": match["prefix"], "series": match["series"], "year": int(match["year"]),
            "n": int(match["n"])}
