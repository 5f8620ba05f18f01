"""Shared fixtures: the demo county's places and named people (DESIGN.md §3).

wang: commission of 黔西市 · li: inspector (home 水西街道) · zhang: official of 金碧镇 ·
zhao: outsider, an official of another county (大方县 520521) · qian: observer.
"""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client

from inspection.models import Inspector, Official, Post, Profile, Role
from inspection.services.setup import ensure_default_checklist, import_divisions

# PBKDF2's deliberate cost, paid for every test user, would dominate the suite; the tests check
# behaviour, not the cost of hashing (production keeps Django's default hasher).
django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]



# The files that take longest (measured with --durations and per-file CPU, docs/performance.md
# "The suite"), slowest first. `--dist loadfile` hands whole files to the two workers in collection
# order; xdist's own order (most tests first) left files of a few slow tests (the demo history, the
# browser walks, the backup drill) for the end, where one worker ran them while the other sat idle.
# A file missing here still runs, only later; the rest keep the most-tests-first order.
SLOWEST_FIRST = [
    "tests/security/test_api.py",
    "tests/inspection/test_demo.py",
    "tests/web/test_pages.py",
    "tests/web/test_pages_of_a_visit.py",
    "tests/notices/test_issue.py",
    "tests/notices/test_api.py",
    "tests/security/test_audit_chain.py",
    "tests/browser/test_walkthrough.py",
    "tests/security/test_backup.py",
    "tests/web/test_visibility.py",
    "tests/web/test_audit_filters.py",
    "tests/scale/test_generate_load.py",
    "tests/inspection/test_ledger_and_townships_api.py",
    "tests/inspection/test_foundation.py",
    "tests/inspection/test_demo_calendar.py",
    "tests/inspection/test_escalation.py",
    "tests/inspection/test_public.py",
    "tests/web/test_reports_exports.py",
    "tests/notices/test_gbt9704.py",
]


def pytest_collection_modifyitems(config, items):
    """Slowest files first (SLOWEST_FIRST), then by number of tests; a file's own order is kept.
    pyproject's addopts turn xdist's reordering off (--no-loadscope-reorder) so this order holds."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    counts: dict[str, int] = {}
    for item in items:
        counts[item.nodeid.split("::", 1)[0]] = counts.get(item.nodeid.split("::", 1)[0], 0) + 1
    position = {id(item): i for i, item in enumerate(items)}

    def key(item):
        name = item.nodeid.split("::", 1)[0]
        return rank.get(name, len(rank)), -counts[name], name, position[id(item)]

    items.sort(key=key)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request that switched to English (LocaleMiddleware
    activates it for the thread and leaves it there) must not make the next test read English labels."""
    yield
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)


JINBI = "520581100"  # 金碧镇
SHUIXI = "520581001"  # 水西街道


def _user(username, role, county, full_name):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username, first_name=full_name)
    Profile.objects.create(user=user, role=role, county=county)
    return user


@pytest.fixture
def county(db):
    county, _, _ = import_divisions(county_code="520581")
    return county


@pytest.fixture
def other_county(db):
    county, _, _ = import_divisions(county_code="520521")
    return county


@pytest.fixture
def checklist(county):
    return ensure_default_checklist(county=county)


@pytest.fixture
def jinbi(county):
    return county.townships.get(code=JINBI)


# The named people as plain builders, for fixtures of a wider scope (tests/shared_data.py) as well
# as the function-scoped fixtures below.
def make_wang(county):
    return _user("wang", Role.COMMISSION, county, "王主任")


def make_chen(county):
    user = _user("chen", Role.COMMISSION, county, "陈科长")
    Profile.objects.filter(user=user).update(name="陈明", title="市未保办副主任")
    return user


def make_li(county):
    user = _user("li", Role.INSPECTOR, county, "李督查")
    Inspector.objects.create(user=user, county=county, name="李督查", home_township=county.townships.get(code=SHUIXI))
    return user


def make_zhang(county):
    user = _user("zhang", Role.OFFICIAL, county, "张永燊")
    official = Official.objects.create(user=user, county=county, name="张永燊")
    Post.objects.create(official=official, township=county.townships.get(code=JINBI), started_on="2025-01-01")
    return user


def make_zhao(other_county):
    user = _user("zhao", Role.OFFICIAL, other_county, "赵外县")
    official = Official.objects.create(user=user, county=other_county, name="赵外县")
    Post.objects.create(official=official, township=other_county.townships.order_by("code").first(), started_on="2025-01-01")
    return user


def make_qian(county):
    return _user("qian", Role.OBSERVER, county, "钱观察")


@pytest.fixture
def wang(county):
    return make_wang(county)


@pytest.fixture
def chen(county):
    """A second person of the office: signs off (审核签发) what wang drafted, since no one signs their own draft."""
    return make_chen(county)


@pytest.fixture
def li(county):
    return make_li(county)


@pytest.fixture
def zhang(county, jinbi):
    return make_zhang(county)


@pytest.fixture
def zhao(other_county):
    return make_zhao(other_county)


@pytest.fixture
def qian(county):
    return make_qian(county)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests run on a file, not in memory: in-memory shared-cache SQLite refuses a second
    writer at once (SQLITE_LOCKED) instead of queuing it, so concurrency tests and the live
    server's threads would fail for a reason production never meets."""
    from django.conf import settings

    for alias, db in settings.DATABASES.items():
        if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
            db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / f"test_{alias}.sqlite3")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request, tmp_path_factory):
    """The test database, and, when drills were collected, a copy of it as the migrations left it
    (tests/security/conftest.py): the drills' template, without migrating a third database."""
    from tests.security import conftest as drills

    template = None
    if drills.uses_drills(request.session.items):
        template = drills.drill_template(request.session.items, tmp_path_factory, django_db_blocker)
        request.config.stash[drills.DRILL_TEMPLATE] = template
    yield
    if template is not None:
        drills.drop_snapshot(template, django_db_blocker)
    from tests import demo_history

    demo_history.drop_snapshots(django_db_blocker)
    _close_every_connection()


def _close_every_connection():
    """Close the connections that Django's `connections` no longer reaches, before the test databases
    are dropped. `connections` keeps one connection per thread and contextvars context. At the end of
    a PostgreSQL run, each worker's main thread held two connections to its test database: the first,
    opened by the early tests, and a second made during a browser test (playwright's sync API switches
    greenlets, which carry contexts of their own). Only the second was closed, so PostgreSQL refused
    to drop the database ("is being accessed by other users"), a warning at the end of every run."""
    import gc

    from django.db.backends.base.base import BaseDatabaseWrapper

    for wrapper in [o for o in gc.get_objects() if isinstance(o, BaseDatabaseWrapper)]:
        if wrapper.connection is not None:
            wrapper.close()


@pytest.fixture
def patient_writers(settings):
    """A concurrency test whose writers must all get through, however slow the machine: they queue
    behind one another for up to two minutes instead of the product's 20 s (IDEMPOTENCY_WAIT_SECONDS,
    and SQLite's busy timeout, which is the same wait). Four submissions of one inspection each wait
    for every writer ahead of them; on a machine running a browser and another worker beside them
    that queue has passed 20 s, and the request got the product's answer to a slow database
    ("database is locked"). The bound itself is tested on its own (test_findings_api's in-flight
    test, with a 0.5 s bound; the thirty replays there are sent again after a 409, as the app does)."""
    from django.db import connections

    options = connections["default"].settings_dict.setdefault("OPTIONS", {})
    before = options.get("timeout")
    settings.IDEMPOTENCY_WAIT_SECONDS = 120.0
    if connections["default"].vendor == "sqlite":
        # The threads' connections are opened from this same dict, with this timeout.
        options["timeout"] = 120.0
    yield
    if connections["default"].vendor == "sqlite":
        options["timeout"] = before


class ApiClient:
    """The real HTTP stack with a bearer token, as the field app uses it."""

    def __init__(self, user):
        from inspection.api.auth import _token_hash
        from inspection.models import ApiToken
        import secrets

        token = secrets.token_urlsafe(24)
        ApiToken.objects.create(user=user, token_hash=_token_hash(token))
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def __getattr__(self, name):
        return getattr(self.client, name)

    def post_json(self, path, data=None, **headers):
        return self.client.post(path, data or {}, content_type="application/json", headers=headers)


@pytest.fixture
def api():
    """api(user) → a client that speaks to /api/v1/ as that user."""
    return ApiClient
