"""Loaded with `-p tests.testenv` before Django reads its settings: the test environment.

Tests run with debug off, as production does; only the TLS redirect is off, since the test
client speaks plain HTTP.
"""

import os
import sys

import pytest

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("ANCHA_SECURE", "0")
# The test runner flushes databases between tests; no test writes checkpoints unless it asks to.
os.environ.setdefault("ANCHA_ALLOW_FLUSH", "1")
os.environ.setdefault("ANCHA_AUDIT_CHECKPOINT_FILE", "")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

# Compiled modules are cached for the run, whatever the shell says: with PYTHONDONTWRITEBYTECODE
# set (as on the shared machine), each xdist worker and every manage.py a drill starts compiled
# the project from source again, and pytest rewrote every test module's asserts again
# (about half of collection's CPU). __pycache__ is ignored by git.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown to a run without xdist
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with the files that read the demo's played history (tests/demo_history.py
    SHARED_FILES) handed out as one unit: one worker plays the history once for all of them."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    from tests.demo_history import SHARED_FILES

    class SharedHistoryScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            name = super()._split_scope(nodeid)
            return SHARED_FILES[0] if name in SHARED_FILES else name

    return SharedHistoryScheduling(config, log)
