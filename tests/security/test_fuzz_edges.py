"""Fuzzing the edge (inspection/security/hygiene.py) with what PostgreSQL, Python's calendar and the
templates cannot hold: every API operation through schemathesis, its free-text values drawn from NUL,
C0 controls, lone surrogates and Unicode digits, its dates, times and weeks from the edges of the
calendar; anonymous, as the commission and as an inspector. No reply is a 5xx, and every refusal is
`{"detail": ...}`. The web pages get the same values in their paths, queries and forms.

Bounded: three derandomized examples per operation and caller, the county built once per test;
run on SQLite and on PostgreSQL (where a NUL that reached a query would be a 500).
"""

import copy

import pytest
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import strategies as st

from tests.conftest import ApiClient
from tests.inspection.field_fixtures import dispatched, sun  # noqa: F401 (fixtures)
from tests.security.openapi_cases import examples, operations

pytestmark = pytest.mark.django_db

EXAMPLES = 3
JINBI = "520581100"

# Values a URL, a query string or a form can carry (a lone surrogate cannot be sent as UTF-8 there)...
HOSTILE_PARAMS = ["\x00", "金碧\x00镇", "\x07", "\x1b[31m", "\x1f", "\x0b", "²", "١٢", "１２", "9" * 25, "-1", ""]
# ...and what a JSON body can carry besides: "\ud800" is valid JSON and decodes to a lone surrogate.
HOSTILE_TEXT = [*HOSTILE_PARAMS, "\ud800", "前\udfff后", "\ud83d"]
EDGE_DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2100-01-01", "1900-01-01", "2099-12-31"]
EDGE_TIMES = ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
              "9999-12-31T23:59:59Z", "1900-01-01T00:00:00+08:00", "2099-12-31T23:59:59-08:00"]
EDGE_WEEKS = ["9999-W52", "0001-W01", "2099-W53", "2000-W01", "2026-W49\x00", "2026-W５"]

FORMATS = {
    "ancha-hostile-param": st.sampled_from(HOSTILE_PARAMS) | st.text(max_size=6).map(lambda s: s + "\x00"),
    "ancha-hostile-text": st.sampled_from(HOSTILE_TEXT) | st.text(max_size=6).map(lambda s: "\x00" + s),
    "ancha-edge-date": st.sampled_from(EDGE_DATES),
    "ancha-edge-date-time": st.sampled_from(EDGE_TIMES),
    "ancha-edge-week": st.sampled_from(EDGE_WEEKS),
}


def _hostile(node: dict, in_body: bool, name: str = "") -> None:
    """Point every free value of a schema node at the hostile formats above, in place."""
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            _hostile(option, in_body, name)
    for prop, child in node.get("properties", {}).items():
        _hostile(child, in_body, prop)
    if isinstance(node.get("items"), dict):
        _hostile(node["items"], in_body, name)
    if node.get("type") != "string" or "enum" in node:
        return
    fmt = node.get("format")
    if fmt == "binary":
        return
    if fmt in ("date", "date-time"):
        node["format"] = f"ancha-edge-{fmt}"
    elif name == "week":
        node["format"] = "ancha-edge-week"
    else:
        node["format"] = "ancha-hostile-text" if in_body else "ancha-hostile-param"
    for bound in ("pattern", "minLength", "maxLength"):
        node.pop(bound, None)  # let the hostile value through the schema, to the server's own checks


def hostile_schema(served: dict) -> dict:
    schema = copy.deepcopy(served)
    for component in schema.get("components", {}).get("schemas", {}).values():
        _hostile(component, in_body=True)
    for methods in schema["paths"].values():
        for spec in methods.values():
            for param in spec.get("parameters", []):
                if param["in"] in ("path", "query"):
                    _hostile(param.get("schema", {}), in_body=False, name=param["name"])
            for media, content in spec.get("requestBody", {}).get("content", {}).items():
                _hostile(content.get("schema", {}), in_body=media == "application/json")
    return schema


@pytest.fixture(scope="module")
def api_schema(django_db_setup, django_db_blocker):
    import schemathesis
    from django.contrib.auth import get_user_model

    for name, strategy in FORMATS.items():
        schemathesis.openapi.format(name, strategy)
    with django_db_blocker.unblock():
        from inspection.api import api

        served = api.get_openapi_schema()
    get_user_model()  # the app registry is ready
    schema = schemathesis.openapi.from_dict(hostile_schema(served))
    schema.app = get_wsgi_application()
    return schema


@pytest.fixture(autouse=True)
def cheap_hashing(settings):
    """Hashing strength is not under test: every fuzzed sign-in would pay for it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def keep_connection():
    """The WSGI application must not close the test's connection (and its transaction) per request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def well_formed(response, label: str) -> str | None:
    if response.status_code >= 500:
        return f"{label}: {response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400 and set(response.json()) != {"detail"}:
        return f"{label}: {response.status_code} without a detail: {response.content[:300]!r}"
    return None


def test_hostile_values_get_a_4xx_with_a_detail_never_a_5xx(api_schema, wang, li, dispatched, keep_connection):
    """Every operation, anonymous and signed in; one test, so that the county is built once."""
    from schemathesis.generation import GenerationMode

    callers = {"anonymous": None, **{u.username: ApiClient(u).client.defaults["HTTP_AUTHORIZATION"] for u in (wang, li)}}
    real = {"inspection_id": dispatched.pk, "code": JINBI}
    failures = []
    for op in operations():
        operation = api_schema[op.path][op.method]
        names = set(op.params)
        strategy = operation.as_strategy(GenerationMode.POSITIVE)
        if real.keys() & names:
            strategy = strategy | operation.as_strategy(
                GenerationMode.POSITIVE, path_parameters={k: v for k, v in real.items() if k in names})
        cases = examples(strategy, EXAMPLES)
        for caller, token in callers.items():
            headers = {"Authorization": token} if token else {}
            for case in cases:
                label = f"{op} as {caller}: {case.path_parameters} {case.query} {case.body!r}"[:400]
                problem = well_formed(case.call(headers=headers), label)
                if problem:
                    failures.append(problem)
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------
# The web pages

CONTROLS = ["\x00", "金碧\x00镇", "\x07", "\x1b[31m", "\x1f", "\x0b"]
ODD = ["²", "١٢", "１２", "9" * 25, "-1", "", *EDGE_DATES[:2], *EDGE_WEEKS[:2]]
# Each page with the query parameters it reads.
WEB_PAGES = {
    "/": [],
    "/townships/": ["q", "page", "level", "key"],
    f"/townships/{JINBI}/": ["ip", "fp", "np", "dp", "lp"],
    "/notices/": ["q", "page", "state", "kind"],
    "/draws/": ["page"],
    "/ledger/": ["official", "township", "kind"],
    "/audit/": ["action", "page"],
}


def test_every_page_answers_a_hostile_query_with_a_page_never_a_5xx(client, wang):
    client.force_login(wang)
    for url, params in WEB_PAGES.items():
        for value in CONTROLS:
            response = client.get(url, {"q": value})
            assert response.status_code == 400 and "查询参数“q”" in response.content.decode(), (url, value)
        for param in params:
            for value in ODD:
                assert client.get(url, {param: value}).status_code < 500, (url, param, value)


def test_every_path_with_a_value_answers_a_hostile_one_never_a_5xx(client, wang):
    client.force_login(wang)
    for value in HOSTILE_PARAMS + EDGE_WEEKS:
        for url in (f"/townships/{value}/", f"/draws/{value}/", f"/verify/{value}/", f"/public/{value}/"):
            assert client.get(url).status_code < 500, (url, value)


def test_every_form_field_answers_a_hostile_value_never_a_5xx(client, li, wang, dispatched):
    from inspection.models import Finding

    for value in [*HOSTILE_PARAMS, "\x1e"]:
        client.force_login(li)
        for name in ("idempotency_key", "item_id", "severity", "text", "location", "corrects", "correction_reason"):
            posted = {"idempotency_key": f"k-{name}", "severity": "minor", "text": "有问题", name: value}
            response = client.post(f"/inspector/inspections/{dispatched.pk}/findings/", posted)
            assert response.status_code < 500, (name, value)
        client.force_login(wang)
        assert client.post("/notices/circular/", {"week": value}).status_code < 500, value
        assert Client().post("/login/", {"username": value, "password": value}).status_code < 500, value
    from inspection.security.hygiene import holdable

    kept = [value for f in Finding.objects.all() for value in (f.text, f.location, f.correction_reason)]
    assert kept and all(map(holdable, kept))
