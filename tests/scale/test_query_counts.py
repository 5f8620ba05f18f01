"""The number of SQL queries a page makes does not grow with the data (issue 9).

Every page is fetched twice with the real client as the same signed-in user: once with one
county of generated data, once after nine more counties were loaded; and the same page of a
county with a short history is compared with one of a county with a long history.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspection.models import Draw, Inspection, Notice, Township
from tests.inspection.field_fixtures import dispatched, sun  # noqa: F401
from tests.scale.conftest import TEN, load

COUNTY = "460105"  # 秀英区, 8 townships


def busiest_township(code):
    """The township with the longest record, so every list on its page has rows."""
    return (
        Township.objects.filter(county__code=code)
        .annotate(n=Count("decisions"))
        .order_by("-n", "code")
        .first()
    )


def pages(code):
    """(who, page) → (username, path): the commission's pages and API lists, the observer's and an
    official's; a detail page shows the busiest township, its latest inspection and letter."""
    township = busiest_township(code)
    inspection = Inspection.objects.filter(township=township, status="submitted").order_by("-date").first()
    notice = Notice.objects.filter(township=township, kind="rectification").order_by("-id").first()
    draw = Draw.objects.filter(county__code=code, state=Draw.State.REVEALED).order_by("-week_start").first()
    commission = {
        "dashboard": "/", "townships": "/townships/", "township": f"/townships/{township.code}/",
        "notices": "/notices/", "notice": f"/notices/{notice.pk}/", "draws": "/draws/", "draw": f"/draws/{draw.week}/",
        "inspection": f"/inspections/{inspection.pk}/", "ledger": "/ledger/",
        "api townships": "/api/v1/townships", "api township": f"/api/v1/townships/{township.code}",
        "api inspections": "/api/v1/inspections?limit=200", "api inspection": f"/api/v1/inspections/{inspection.pk}",
        "api notices": "/api/v1/notices", "api ledger": "/api/v1/ledger",
    }
    observer = {"home": "/", "ledger": "/ledger/", "notices": "/notices/"}
    official = {"home": "/", "township": f"/townships/{township.code}/", "notices": "/notices/"}
    result = {}
    for who, username, paths in (
        ("commission", f"{code}-commission", commission),
        ("observer", f"{code}-observer", observer),
        ("official", f"official-{township.code}", official),
    ):
        for page, path in paths.items():
            result[(who, page)] = (username, path)
    return result


def count_queries(code) -> dict[tuple[str, str], int]:
    clients, counts = {}, {}
    for key, (username, path) in pages(code).items():
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(get_user_model().objects.get(username=username))
        clients[username].get(path)  # steady state: the session settled, the page's caches filled
        with CaptureQueriesContext(connection) as queries:
            response = clients[username].get(path)
        assert response.status_code == 200, (username, path, response.status_code)
        counts[key] = len(queries)
    return counts


def differences(a, b):
    return {page: (a[page], b.get(page)) for page in a if a[page] != b.get(page)}


def test_pages_make_the_same_queries_for_one_and_for_ten_counties_of_data(db):
    load([COUNTY], weeks=8)
    one = count_queries(COUNTY)
    load(TEN, weeks=8)
    ten = count_queries(COUNTY)
    assert one[("commission", "dashboard")] > 0
    # Coverage and the escalation board come from the kept summary in one query with the townships
    # (issue 14): the page made 29 before. What is left (3): the session; the user with its profile
    # and county; the townships with their summary rows, every count and every list of the cards
    # (drafts, circular, near draws, the compliance fingerprint's inputs) in one statement
    # (access.commission_dashboard). The capacity card is cached by what it reads. The count never
    # grows with the data.
    assert one[("commission", "dashboard")] <= 3
    assert differences(one, ten) == {}


def test_pages_make_the_same_queries_for_a_short_and_a_long_history(db):
    load(["469001"], weeks=8)  # 五指山市, 8 townships
    load([COUNTY], weeks=26)
    short, long = count_queries("469001"), count_queries(COUNTY)
    inspections = Inspection.objects.values("county__code").annotate(n=Count("id"))
    sizes = {row["county__code"]: row["n"] for row in inspections}
    assert sizes[COUNTY] > 2 * sizes["469001"]
    assert differences(short, long) == {}


# ---------------------------------------------------------------------------
# Filing a finding (issue 14): the request a team on a phone waits for.

FILING_BUDGET = 8  # every statement the connection sends, BEGIN and COMMIT included


def _file(client, inspection, body, key):
    return client.post_json(f"/api/v1/inspections/{inspection.pk}/findings", body, **{"Idempotency-Key": key})


def test_filing_a_finding_takes_at_most_eight_statements_with_its_key_and_audit_event_in_one_transaction(
    transactional_db, api, li, dispatched
):
    # transactional_db: the request runs its own outermost transaction, as in production (inside
    # a test's transaction it would pay savepoints that production never does).
    from inspection.models import AuditEvent, Finding, IdempotencyRecord
    from tests.inspection.field_fixtures import item

    client = api(li)
    body = {"item_id": item(dispatched, 9).pk, "text": "两名留守儿童已辍学，台账未更新", "location": "某村小学"}
    assert _file(client, dispatched, body, "warm-up").status_code == 201  # the token's use noted once a minute
    with CaptureQueriesContext(connection) as queries:
        response = _file(client, dispatched, {**body, "text": "儿童之家未开放"}, "counted")
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= FILING_BUDGET, "\n".join(s[:160] for s in statements)
    # What was counted did the whole filing, in one transaction and no savepoint.
    finding = Finding.objects.get(pk=response.json()["id"])
    record = IdempotencyRecord.objects.get(user=li, key="counted")
    assert bytes(record.response_body) == response.content and record.status_code == 201
    assert AuditEvent.objects.filter(action="finding.added", object_id=str(finding.pk)).count() == 1
    assert sum(s.upper().startswith(("BEGIN", "SAVEPOINT")) for s in statements) <= 1
    # The audit append comes last: nothing but the chain's own statements after its head is locked.
    first = {name: next(i for i, s in enumerate(statements) if name in s)
             for name in ("inspection_finding", "inspection_idempotencyrecord", "inspection_audithead")}
    assert first["inspection_finding"] < first["inspection_idempotencyrecord"] < first["inspection_audithead"]
    assert all("inspection_audit" in s or s.upper().startswith("COMMIT") for s in statements[first["inspection_audithead"]:])
    # A replay and a concurrent-free second key still answer as before, with the same count or fewer.
    with CaptureQueriesContext(connection) as replay:
        again = _file(client, dispatched, {**body, "text": "儿童之家未开放"}, "counted")
    assert (again.status_code, again.content) == (201, response.content)
    assert Finding.objects.filter(inspection=dispatched).count() == 2
    assert len(replay) > 0
