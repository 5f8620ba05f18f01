"""Data a whole module or class of tests reads, built once and committed, flushed after them.

The model is tests/security/world.py's world and tests/scale/test_generate_load.py's load: the
builder runs once through the real services with the database unblocked; every test still runs
in its own transaction (pytest-django's `db`), rolled back after it, so what a test writes (a
post, an issue, a void) is gone before the next test reads. A test gets its objects fetched again
by `fresh()`, so no test sees attributes another test set on a Python object.

Evidence and letters are files: the builder's media folder stays the folder of every test that
reads the shared data (`media_root` below), or a photo filed by the builder would be missing.
"""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def committed(django_db_blocker, tmp_path_factory):
    """Inside: the database unblocked and a media folder of the data's own (yielded). After: the
    database flushed, the cache cleared (the pages' caches are keyed by ids a next build reuses)."""
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("shared-media")
    media = override_settings(MEDIA_ROOT=str(folder))
    media.enable()
    try:
        with django_db_blocker.unblock():
            try:
                yield folder
            finally:
                call_command("flush", "--noinput", verbosity=0)
    finally:
        media.disable()
        cache.clear()


def fresh(obj):
    """The same row, read again in the current test's transaction."""
    return type(obj)._default_manager.get(pk=obj.pk)


def shared(source: str, *keys: str):
    """A function-scoped fixture for one object of the wider-scoped fixture `source` (a dict; `keys`
    the way into it), read again for each test; a module's function or a test class's method alike.
    The module or class must name `source` in `@pytest.mark.usefixtures`: only then is it built
    before the test's transaction opens (a wider scope first), and so committed, not rolled back."""
    import pytest

    @pytest.fixture
    def fixture(*_self, request, db):
        obj = request.getfixturevalue(source)
        for key in keys:
            obj = obj[key]
        return fresh(obj)

    return fixture
