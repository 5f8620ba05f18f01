"""A letter's bytes depend on its snapshot only: not on which renderer, process or worker made it.

The warm renderer keeps fonts, stylesheets and a pool of worker processes between letters;
none of that may leak into the output, and a pool that breaks must not lose a batch.
"""

from __future__ import annotations

import os
import signal

import pytest

from inspection.notices import renderer as R
from inspection.notices.samples import sample_snapshot
from inspection.notices.snapshot import SnapshotError
from tests.notices import pdftools as P
from tests.notices.conftest import issued

WORKERS = 2


def _letters(n: int) -> list[R.NoticeDocumentSpec]:
    kinds = ("rectification", "summons", "referral")
    specs = []
    for i in range(n):
        township = ("520581107", "永燊彝族苗族乡") if i % 4 == 0 else ("520581100", "金碧镇")
        snapshot = sample_snapshot(kinds[i % 3], township=township)
        specs.append(issued(snapshot, f"黔西未保办改〔2026〕{i + 1}号"))
    return specs


@pytest.fixture(scope="module")
def letters():
    return _letters(4 * WORKERS)  # enough for render_many to start its workers


@pytest.fixture(scope="module")
def expected(renderer, letters):
    return [renderer.render(spec) for spec in letters]


@pytest.fixture(scope="module")
def pool():
    """The worker processes, started at most twice for the module (the dying-worker test
    breaks them); stopped at its end so no other test file inherits them."""
    yield
    R.shutdown_pool()


def test_a_fresh_renderer_gives_the_warm_renderers_bytes(renderer, letters, expected):
    fresh = R.NoticeRenderer()
    assert fresh is not renderer
    assert fresh.render(letters[1]) == expected[1]
    assert renderer.render(letters[1]) == expected[1]  # and the warm one again, after it


def test_worker_processes_give_the_same_bytes_as_this_process(letters, expected, pool):
    pdfs = R.render_many(letters, processes=WORKERS)  # starts the workers if none run
    assert R._pool_running(WORKERS), "the batch did not go to the worker processes"
    worker_pids = R._get_pool(WORKERS).map(R._pool_ready, range(WORKERS))
    assert os.getpid() not in set(worker_pids)
    assert pdfs == expected
    # A character outside the subset (燊) still prints from the full face behind it.
    assert "永燊彝族苗族乡" in P.text(pdfs[0])


def test_a_running_pool_takes_a_smaller_batch_and_keeps_the_order(letters, expected, pool):
    R.warm_pool(WORKERS)
    small = letters[: 2 * WORKERS]
    assert R.render_many(small, processes=WORKERS) == expected[: 2 * WORKERS]
    assert R.render_many(list(reversed(small)), processes=WORKERS) == list(reversed(expected[: 2 * WORKERS]))


def test_a_worker_that_dies_loses_no_letter(letters, expected, pool, caplog):
    R.warm_pool(WORKERS)
    victim = next(iter(R._get_pool(WORKERS)._processes))
    os.kill(victim, signal.SIGKILL)  # a worker we started, killed as the OOM killer would
    pdfs = R.render_many(letters, processes=WORKERS)
    assert pdfs == expected
    assert "rendering this batch in-process" in caplog.text
    assert not R._pool_running(WORKERS)  # the broken pool is dropped; the next batch starts anew


def test_a_letter_that_cannot_be_rendered_fails_the_batch_from_a_worker(letters, pool):
    R.warm_pool(WORKERS)
    bad = sample_snapshot("rectification")
    bad["kind"] = "no-such-kind"
    with pytest.raises(SnapshotError, match="kind"):  # raised in the worker, reported here
        R.render_many([*letters[:2 * WORKERS - 1], issued(bad)], processes=WORKERS)
    assert R._pool_running(WORKERS)  # a bad letter is not a broken pool
