"""What the county publishes about its draws, and the pseudonyms inspectors wear there.

Read only; the level of `access`. Anyone outside the commission and the observer who reads a
revealed draw (a township official, the public page and feed) gets it from `public_record`:
inspectors as pseudonyms, no home township, no inspector's last township, no township's last
team. Those fields steer only who is sent, never which township or day is drawn, so the
published inputs still recompute the sample, the days and every probability (docs/draw.md).

Pseudonyms are keyed with the county's own secret (`County.pseudonym_secret`), never with the
period seed: the seed is published after its period, and a pseudonym keyed with it could then be
matched to every name by anyone who guesses the roster. They change with the seed period, so a
face seen at one township's door cannot be followed through a whole year of records.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import date

from inspection.chain import Head, root_hash
from inspection.models import AuditHead, County, Draw, SeedPeriod

LABEL = "督查员"
# Crockford's base 32: no I, L, O or U, so a label read out over the phone is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT, LONG = 4, 8


def _code(secret: str, username: str, period_start: date | None, length: int) -> str:
    message = f"{period_start.isoformat() if period_start else '-'}:{username}".encode()
    number = int.from_bytes(hmac.new(secret.encode(), message, hashlib.sha256).digest()[:8], "big")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


def pseudonym(county: County, username: str, *, period_start: date | None = None) -> str:
    """A short stable label such as "督查员 A7F3": the same person, county and period give the same label."""
    return f"{LABEL} {_code(county.pseudonym_secret, username, period_start, SHORT)}"


def pseudonym_map(county: County, usernames: Iterable[str], *, period_start: date | None = None) -> dict[str, str]:
    """Each username's pseudonym, all distinct: two that share a short label both get the long one."""
    names = sorted(set(usernames))
    short = {u: pseudonym(county, u, period_start=period_start) for u in names}
    counts: dict[str, int] = {}
    for label in short.values():
        counts[label] = counts.get(label, 0) + 1
    return {
        u: label if counts[label] == 1 else f"{LABEL} {_code(county.pseudonym_secret, u, period_start, LONG)}"
        for u, label in short.items()
    }


def _usernames(inputs: dict, result: dict) -> set[str]:
    names = {i.get("username") for i in inputs.get("inspectors", [])}
    names |= {u for t in inputs.get("townships", []) for u in t.get("last_team", [])}
    names |= {u for v in result.get("visits", []) for u in v.get("inspectors", [])}
    return {n for n in names if n}


def _masked_inputs(inputs: dict, names: dict[str, str]) -> dict:
    masked = dict(inputs)
    masked["townships"] = [{**t, "last_team": []} for t in inputs.get("townships", [])]
    masked["inspectors"] = sorted(
        ({"username": names[i["username"]], "home": None, "last_township": None} for i in inputs.get("inspectors", [])),
        key=lambda i: i["username"],
    )
    return masked


def _masked_result(result: dict, names: dict[str, str]) -> dict:
    masked = dict(result)
    masked["visits"] = [
        {**v, "inspectors": sorted(names.get(u, u) for u in v.get("inspectors", []))} for v in result.get("visits", [])
    ]
    return masked


def public_record(draw: Draw, *, names: bool = False) -> dict:
    """What a revealed week publishes: enough for anyone to re-check it (docs/draw.md).

    `names=True` (the commission and the observer only) keeps the record as sealed, with usernames
    and homes, which `verify_draw` needs to check the teams and the recusals.
    """
    period = draw.period
    inputs, result = draw.inputs or {}, draw.result or {}
    if not names:
        mapping = pseudonym_map(draw.county, _usernames(inputs, result), period_start=period.starts_on)
        inputs, result = _masked_inputs(inputs, mapping), _masked_result(result, mapping)
    return {
        "county": draw.county.code,
        "week": draw.week,
        "commitment": period.commitment,
        "period": [period.starts_on.isoformat(), period.ends_on.isoformat()],
        "seed": period.seed if period.revealed_at else None,
        "result_hash": draw.result_hash,
        "pseudonymous": not names,
        "inputs": inputs,
        "result": result,
    }


def _period(period: SeedPeriod) -> dict:
    return {
        "starts_on": period.starts_on.isoformat(),
        "ends_on": period.ends_on.isoformat(),
        "commitment": period.commitment,
        "published_at": period.created_at.isoformat(),
        "seed": period.seed if period.revealed_at else None,
        "revealed_at": period.revealed_at.isoformat() if period.revealed_at else None,
    }


def county_by_code(code: str) -> County | None:
    """The county a public address names, or None: only six ASCII digits reach the database."""
    if not re.fullmatch(r"[0-9]{6}", code or ""):
        return None
    return County.objects.filter(code=code).first()


def public_feed(county: County) -> dict:
    """The county's 公开 record (DESIGN.md §4): every period's commitment, every revealed week and seed.

    Three queries whatever the county's history: the periods, the revealed draws with their
    period, the audit chain's head. A sealed week shows nothing but its period's commitment.
    """
    periods = list(SeedPeriod.objects.filter(county=county).order_by("starts_on"))
    draws = (
        Draw.objects.filter(county=county, state=Draw.State.REVEALED)
        .select_related("period")
        .order_by("week_start", "id")
    )
    weeks = []
    for draw in draws:
        draw.county = county  # one county for the whole feed: no query per week
        weeks.append(public_record(draw))
    # The county's own chain head and the root over every chain's head, as the heads stand now: a
    # copy of this feed kept elsewhere is a checkpoint that a later cut of the log cannot match.
    heads = [Head(h.chain, h.seq, h.hash) for h in AuditHead.objects.all()]
    own = next((h for h in heads if h.chain == county.code), None)
    head = {"seq": own.seq, "hash": own.hash, "root": root_hash(heads)} if own else None
    return {
        "county": county.code,
        "name": county.name,
        "periods": [_period(p) for p in periods],
        "weeks": weeks,
        "audit_head": head,
    }
