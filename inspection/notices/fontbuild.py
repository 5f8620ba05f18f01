"""Building the notice font subsets (install time): ``python -m inspection.notices.fonts build``.

HarfBuzz's own subsetter (the ``uharfbuzz`` binding) cuts a face in about a second where
fontTools took ~33 s; fontTools stays as the fallback when the binding is missing.  Both give
the same faces in coverage: the same characters, the same glyphs, the same tables (the
vertical-writing tables dropped: a letter is set horizontally, and they were ~20% of every
font embedded in a PDF).  The work is cached by the SHA-256 of each source font, of its
subset file, and the build options: a face whose manifest entry matches is skipped.  Every
step prints a progress line, so an install never sits silent.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import fonts

logger = logging.getLogger(__name__)

# Bump when the character set or the subsetting options change, so `build` redoes the work.
BUILD_VERSION = 3
# Vertical metrics and baselines: never used by a horizontal letter.
DROP_TABLES = ("vhea", "vmtx", "VORG", "BASE")


def uharfbuzz_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# ---------------------------------------------------------------------------
# One face
# ---------------------------------------------------------------------------

def _hb_subset(source: str, index: int) -> bytes:
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(source), index)
    request = hb.SubsetInput()
    for char in fonts.subset_characters():
        request.unicode_set.add(ord(char))
    request.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NOTDEF_OUTLINE
    drop = request.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in DROP_TABLES:
        drop.add(int.from_bytes(tag.encode("ascii"), "big"))
    subset = hb.subset(face, request)
    if subset is None:
        raise RuntimeError(f"HarfBuzz could not subset {source}#{index}")
    return subset.blob.data


def _fonttools_subset(source: str, index: int):
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.hinting = False  # WeasyPrint embeds without hinting anyway
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_bounds = True
    options.drop_tables += list(DROP_TABLES)
    font = TTFont(source, fontNumber=index, lazy=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=fonts.subset_characters())
    subsetter.subset(font)
    return font


def build_face(face: fonts.SubsetFace, source: str, index: int, out_path: str, *,
               use_harfbuzz: bool = True) -> str:
    """Cut one subset face and write it to ``out_path`` (atomically); may run in a worker."""
    from fontTools.ttLib import TTFont

    # fontTools reports every pruned table and each code point a face lacks: noise here.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    if use_harfbuzz:
        # Only the name table is rewritten; the CFF program is copied as HarfBuzz wrote it
        # (recompiling it in fontTools would cost the 30 s saved).
        font = TTFont(io.BytesIO(_hb_subset(source, index)), lazy=True)
        fonts.rename_face(font, face, cff=False)
    else:
        font = _fonttools_subset(source, index)
        fonts.rename_face(font, face, cff=True)
    data = io.BytesIO()
    font.save(data)
    tmp = f"{out_path}.{os.getpid()}.tmp"
    Path(tmp).write_bytes(data.getvalue())
    os.replace(tmp, out_path)
    return out_path


# ---------------------------------------------------------------------------
# All faces, cached
# ---------------------------------------------------------------------------

def _sources(letter_dir: Path | None, say) -> list[tuple[fonts.SubsetFace, Path, int, str | None]]:
    """What to cut: each installed free face, and each face a county dropped in its folder."""
    from . import letterfaces

    sources = []
    for face in fonts.SUBSET_FACES:
        located = fonts.locate_face(face.source_pattern)
        if located is None:
            say(f"  font {face.source_pattern} is not installed: no subset for it")
            continue
        sources.append((face, *located, None))
    found = letterfaces.scan(letter_dir)
    for line in letterfaces.report(found):
        say(f"  公文字体 {line}")
    for key, letter_face in found.faces.items():
        sources.append((letterfaces.subset_face(letter_face), letter_face.path, letter_face.index, key))
    return sources


def _plan(font_dir: Path, previous: dict, force: bool, say,
          letter_dir: Path | None = None) -> tuple[list[dict], list[tuple]]:
    entries, jobs = [], []
    for face, source, index, role in _sources(letter_dir, say):
        entry = {"family": face.family, "weight": face.weight, "file": face.file_name,
                 "build_version": BUILD_VERSION, "source": str(source), "index": index,
                 "source_sha256": file_sha256(source)}
        if role:
            entry["role"] = role
        out = font_dir / face.file_name
        old = previous.get(face.file_name, {})
        fresh = (not force and out.is_file()
                 and {k: old.get(k) for k in entry} == entry
                 and old.get("sha256") == file_sha256(out))
        if fresh:
            entries.append(old)
        else:
            entries.append(entry)
            jobs.append((face, str(source), index, str(out)))
    return entries, jobs


def build(font_dir: Path = fonts.FONT_DIR, *, force: bool = False, workers: int | None = None,
          use_harfbuzz: bool | None = None,
          progress: Callable[[str], None] | None = None,
          letter_dir: Path | None = None) -> list[Path]:
    """Build the missing or stale subsets into ``font_dir``; returns the files written.
    ``letter_dir``: the folder of a county's licensed faces (default: the setting).

    Idempotent: a face whose source font (by hash), subset file (by hash) and build options
    are unchanged is skipped.  A face whose full font is not installed is skipped with a
    message (the renderer then simply does without it)."""
    say = progress or (lambda line: None)
    if use_harfbuzz is None:
        use_harfbuzz = uharfbuzz_available()
    font_dir.mkdir(parents=True, exist_ok=True)
    previous = {e["file"]: e for e in fonts.read_manifest(font_dir).get("faces", [])}
    entries, jobs = _plan(font_dir, previous, force, say, letter_dir)
    how = "HarfBuzz (uharfbuzz)" if use_harfbuzz else "fontTools (about 30 s a face; pip install uharfbuzz)"
    if jobs:
        say(f"  {len(jobs)} of {len(entries)} faces to build with {how}")
    else:
        say(f"  all {len(entries)} faces up to date (source fonts unchanged)")
    written = [Path(p) for p in _run_jobs(jobs, use_harfbuzz, workers, say)]
    by_file = {e["file"]: e for e in entries}
    for path in written:
        by_file[path.name]["sha256"] = file_sha256(path)
    # The manifest is written last: a half-finished build is never taken for a finished one.
    tmp = font_dir / f"{fonts.MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"faces": entries}, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, font_dir / fonts.MANIFEST)
    return written


def _run_jobs(jobs: list[tuple], use_harfbuzz: bool, workers: int | None, say) -> list[str]:
    def done(n: int, job: tuple, started: float, out: str) -> None:
        face = job[0]
        say(f"  [{n}/{len(jobs)}] {face.family} {face.weight} from {Path(job[1]).name}: "
            f"{os.path.getsize(out) // 1024} KiB in {time.monotonic() - started:.1f} s")

    written: list[str] = []
    if use_harfbuzz:  # about a second a face: a pool would cost more than it saves
        for n, job in enumerate(jobs, 1):
            started = time.monotonic()
            written.append(build_face(*job, use_harfbuzz=True))
            done(n, job, started, written[-1])
        return written
    if not jobs:
        return written
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(build_face, *job, use_harfbuzz=False) for job in jobs]
        for n, (job, future) in enumerate(zip(jobs, futures), 1):
            written.append(future.result())
            done(n, job, started, written[-1])
    return written
