"""The JSON-walk property (issue 13): every JSON value of every endpoint a township official, an
inspector and an anonymous client can reach holds no inspector's username or name, no team, no
sealed date and no draft letter.

It replaces the crawl that followed only list items with an `id` (and so never opened a revealed
draw's nested record, where the roster leaked). Here every id, code and week found anywhere in any
reply, at any depth, is fed back into every GET path of the served schema, and every value of every
reply is checked. The world (world.py) is given a real revealed draw with the roster in its inputs
and an unissued draft letter to its official's township, so both leak classes are present to find.
"""

import json
from datetime import timedelta
from itertools import islice, product

import pytest
from django.test import Client

import rotation
from inspection.models import Draw, Notice, SeedPeriod
from inspection.services.draws import draw_inputs, period_span, result_hash
from inspection.services.inspections import FindingData, add_finding, submit_inspection
from tests.conftest import ApiClient
from tests.security.openapi_cases import operations
from tests.security.world import JINBI, _inspection

REVEALED_WEEK = "2026-W37"
PER_OPERATION = 80  # the world is small: this bounds the walk, it does not cut it short
# The list a nested object sits in names the path parameter its `id` fills.
LIST_PARAM = {"findings": "finding_id", "evidence": "evidence_id", "responses": "response_id"}
TOP_PARAM = {"inspections": "inspection_id", "notices": "notice_id", "townships": "code", "draws": "week"}
KEY_PARAM = {"township": "code", "code": "code", "week": "week", "county": "county", "verify_code": "code",
             "inspection": "inspection_id", "inspection_id": "inspection_id", "notice_id": "notice_id"}
ROSTER_KEYS = ("home", "last_township", "last_team")


@pytest.fixture(scope="module")
def walked(world, django_db_blocker):
    """The world with a revealed draw computed for real from its roster, and a draft letter to 金碧镇."""
    with django_db_blocker.unblock():
        county = world.users["wang"].profile.county
        start = rotation.parse_week(REVEALED_WEEK)
        starts_on, ends_on = period_span(start)
        seed = b"\x2a" * 32
        period = SeedPeriod.objects.create(county=county, starts_on=starts_on, ends_on=ends_on, seed=seed.hex(),
                                           commitment=rotation.seed_commitment(seed))
        SeedPeriod.objects.filter(pk=period.pk).update(revealed_at=period.created_at)
        inputs = draw_inputs(county=county, week=REVEALED_WEEK)
        result = rotation.draw(inputs, rotation.derive_week_key(seed, county.code, REVEALED_WEEK)).to_dict()
        Draw.objects.create(county=county, week=REVEALED_WEEK, week_start=start, period=period,
                            inputs=rotation.canonical_inputs(inputs), result=result, result_hash=result_hash(result),
                            state=Draw.State.REVEALED, revealed_at=period.created_at)
        li = world.users["li"]
        checklist = county.checklists.order_by("-version").first()
        drafted = _inspection(county, JINBI, checklist, [li, world.users["sun"]],
                              day=start + timedelta(days=1))
        item = checklist.items.filter(severity="critical").order_by("position").first()
        add_finding(inspection=drafted, user=li, data=FindingData(text="孤儿基本生活费未按时发放", item_id=item.pk))
        submit_inspection(inspection=drafted, user=li)
        drafts = list(Notice.objects.filter(inspection=drafted, state=Notice.State.DRAFT))
        assert drafts, "submitting a critical finding drafts a letter"
        assert any(u in json.dumps(result) for u in ("li", "sun", "ma")), "the roster is in the record"
    return world, drafts


def clients(world):
    return {"zhang": ApiClient(world.users["zhang"]), "li": ApiClient(world.users["li"]), "anonymous": Client()}


def forbidden(world, drafts, who: str) -> dict:
    """What `who` must never read: exact strings (usernames), substrings (names, sealed facts)."""
    usernames = {"li", "sun", "ma", "ding", "deng"}
    names = {"李督查", "孙督查", "马督查", "丁外县", "邓外县"}
    if who == "li":  # their own teams' members are theirs to see; the other team's are not
        usernames -= {"li", "sun"}
        names -= {"李督查", "孙督查"}
    sealed = [s for s in world.secrets["tomorrow's visit"] + world.secrets["the sealed draw"]]
    return {"usernames": usernames, "names": names, "sealed": sealed, "drafts": {d.pk for d in drafts}}


def values(data, parent=None, top=None):
    """Every (key, value, the list it sits in, the dict holding it) anywhere in a reply."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield key, value, parent, data
            yield from values(value, parent, top)
    elif isinstance(data, list):
        for item in data:
            yield from values(item, parent if parent is not None else top, top)


def ids_in(data, url: str) -> dict[str, set]:
    """Every value a path parameter could take, found anywhere in one reply."""
    top = TOP_PARAM.get(url.split("?")[0].split("/")[3] if url.count("/") >= 3 else "", None)
    found: dict[str, set] = {}

    def walk(node, holder_param):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (list, dict)):
                    walk(value, LIST_PARAM.get(key, holder_param if key == "items" else None))
                elif value not in (None, ""):
                    if key == "id" and holder_param:
                        found.setdefault(holder_param, set()).add(value)
                    elif key in KEY_PARAM:
                        found.setdefault(KEY_PARAM[key], set()).add(value)
        elif isinstance(node, list):
            for item in node:
                walk(item, holder_param)

    walk(data, top)
    return found


def problems(data, rules) -> list:
    out = []
    for key, value, _, holder in values(data):
        if isinstance(value, str):
            if value in rules["usernames"]:
                out.append(f"{key}: username {value!r}")
            out += [f"{key}: name {n!r}" for n in rules["names"] if n in value]
            out += [f"{key}: sealed {s!r}" for s in rules["sealed"] if s in value]
        elif isinstance(value, list) and key in ("inspectors", "last_team", "team", "members"):
            out += [f"{key}: username {v!r}" for v in value if isinstance(v, str) and v in rules["usernames"]]
        if key in ROSTER_KEYS and value not in (None, [], ""):
            out.append(f"{key}: roster {value!r}")
        if key == "status" and value == "planned":
            out.append("a planned (sealed) visit")
        letter = "number" in holder and "kind" in holder  # a notice's shape (DESIGN.md §4)
        if letter and key == "state" and value == "draft":
            out.append("a draft letter")
        if letter and key == "id" and value in rules["drafts"]:
            out.append(f"draft letter {value}")
    return out


def walk(world, who: str, client):
    """GET every path of the schema with every value found so far, until nothing new turns up."""
    gets = [op for op in operations() if op.method == "get"]
    known: dict[str, set] = {k: {v} for k, v in world.bundles["jinbi"].path_values().items() if v is not None}
    known.setdefault("week", set()).add(REVEALED_WEEK)
    known["county"] = {"520581", "520521"}
    seen, replies = set(), {}
    while True:
        queue = []
        for op in gets:
            if not all(known.get(p) for p in op.params):
                continue
            for combo in islice(product(*(sorted(known[p], key=str) for p in op.params)), PER_OPERATION):
                url = op.url(dict(zip(op.params, combo)))
                if url not in seen:
                    queue.append(url)
        if not queue:
            return replies
        for url in queue:
            seen.add(url)
            response = client.get(url)
            assert response.status_code < 500, (who, url, response.status_code)
            if not response["Content-Type"].startswith("application/json"):
                continue
            data = response.json()
            replies[url] = data
            for param, found in ids_in(data, url).items():
                known.setdefault(param, set()).update(found)


@pytest.mark.parametrize("who", ["zhang", "li", "anonymous"])
def test_no_json_value_anyone_outside_the_commission_reaches_shows_the_roster_a_sealed_date_or_a_draft(walked, who, db):
    world, drafts = walked
    replies = walk(world, who, clients(world)[who])
    rules = forbidden(world, drafts, who)
    found = {url: p for url, data in replies.items() if (p := problems(data, rules))}
    assert not found, f"{who}: {json.dumps(found, ensure_ascii=False)[:2000]}"
    reached = " ".join(replies)
    assert f"/public/520581" in reached
    if who != "anonymous":
        assert f"/draws/{REVEALED_WEEK}" in reached and "/inspections/" in reached, sorted(replies)[:40]


def test_the_walk_would_see_a_leak(walked, db):
    """The property is not empty: the commission, who may, reads the roster the walk looks for."""
    world, drafts = walked
    replies = walk(world, "wang", ApiClient(world.users["wang"]))
    rules = forbidden(world, drafts, "wang")
    assert any(problems(data, rules) for data in replies.values())
