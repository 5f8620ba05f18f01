"""Install: the notice font subset build, ours (HarfBuzz) against fontTools' subsetter.

The slow step of a first `make install` was the font subset: fontTools (the engine of
`pyftsubset`) at ~33 s a face, four faces.  Ours cuts the same faces with HarfBuzz's
subsetter through `uharfbuzz`; the anchor is the very same build done by fontTools, in parallel
processes as `make install` used to run it, both into fresh directories (nothing cached).

The pip part of the install is not timed: this machine installs from a local wheel mirror,
not the network, so a bare `pip install` here would measure the disk, not a newcomer's wait.

    .venv/bin/python -m bench bench_install
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench._results import record


def _timed_build(use_harfbuzz: bool) -> tuple[float, list[Path]]:
    from inspection.notices import fontbuild

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        written = fontbuild.build(Path(tmp), force=True, use_harfbuzz=use_harfbuzz)
        elapsed = time.perf_counter() - start
        names = sorted(p.name for p in written)
    return elapsed, names


def main() -> None:
    from inspection.notices import fontbuild

    if not fontbuild.uharfbuzz_available():
        print("!! uharfbuzz not installed: the install row is skipped")
        return
    ours, ours_faces = _timed_build(use_harfbuzz=True)
    anchor, anchor_faces = _timed_build(use_harfbuzz=False)
    assert ours_faces == anchor_faces and ours_faces, (ours_faces, anchor_faces)
    record(f"install: font subset build, {len(ours_faces)} faces (pip not timed: local mirror)",
           ours=ours, anchor=anchor,
           anchor_name="fontTools subsetter (pyftsubset's engine), same faces, parallel processes",
           unit="s")
