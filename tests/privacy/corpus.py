"""The fixed corpus of findings (corpus_personal.tsv, corpus_ordinary.tsv), read as plain rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Row:
    text: str
    values: tuple[str, ...] = ()  # the personal values the text carries, as written


def _lines(name: str):
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.split("\t")


def personal() -> list[Row]:
    return [Row(text, tuple(v.strip() for v in values.split(" | "))) for text, values in _lines("corpus_personal.tsv")]


def ordinary() -> list[Row]:
    return [Row(fields[0]) for fields in _lines("corpus_ordinary.tsv")]


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def leaks(values, text: str) -> list[str]:
    """The values still readable in `text`: as written, without the spaces a wrapped line or a
    PDF extraction adds, and (for phone and ID numbers) as their bare digits."""
    flat = re.sub(r"\s+", "", text)
    bare = digits(text)
    out = []
    for value in values:
        number = digits(value)
        if value in text or re.sub(r"\s+", "", value) in flat or (len(number) >= 11 and number in bare):
            out.append(value)
    return out
