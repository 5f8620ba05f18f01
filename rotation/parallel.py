"""Counties drawn in parallel worker processes, merged in input order: the same results as one process.

Every county's draw (a national week) or simulation (a province run) depends on its own inputs
alone, so they can run side by side. `map_counties(fn, items, processes)` returns exactly
`[fn(item) for item in items]`: the items are split into contiguous chunks, one per worker, and
the chunks' results are joined in order. Workers are forked, so they inherit the items (and the
calendar caches built so far) instead of receiving them pickled; only results travel back. Where
fork is not available, or for one process or one item, it runs in this process. Standard library
only; the public verifier does not use it (it checks one week, serially).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None  # set before forking; the workers read it


def default_processes() -> int:
    """The CPUs this process may run on (its affinity where the system says, else the CPU count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _run_chunk(bounds: tuple[int, int]) -> list:
    fn, items = _JOB
    return [fn(item) for item in items[bounds[0]:bounds[1]]]


def _chunks(count: int, parts: int) -> list[tuple[int, int]]:
    """`parts` contiguous index ranges covering 0..count, sizes differing by at most one."""
    edges = [count * k // parts for k in range(parts + 1)]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def map_counties(fn: Callable[[Any], Any], items: Sequence[Any], processes: int | None = None) -> list:
    """`[fn(item) for item in items]`, computed in `processes` forked workers (default: every usable CPU).

    The workers inherit `fn` and `items` (any callable will do); its results must be picklable.
    Several chunks per worker even out counties of different sizes; the order of the results is
    always the order of `items`.
    """
    global _JOB
    processes = default_processes() if processes is None else processes
    if processes <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(item) for item in items]
    processes = min(processes, len(items))
    _JOB = (fn, items)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_run_chunk, _chunks(len(items), min(len(items), processes * 4)), chunksize=1)
    finally:
        _JOB = None
    return [result for part in parts for result in part]
