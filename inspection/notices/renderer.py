"""The one notice renderer: frozen snapshot → Jinja2 → HTML → WeasyPrint → PDF bytes.

Everything that is expensive and does not depend on the letter is built once per process
and reused: the Jinja2 environment, one FontConfiguration, the parsed stylesheets (the
@font-face subset files are loaded when the font CSS is parsed).  WeasyPrint and Pango are
not thread-safe, so renders in one process take turns behind a lock.

Layout follows GB/T 9704-2012 (see templates/notices/notice.css for the measurements).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import jinja2
import segno

from . import fonts, pdfwrite, phrasing
from .snapshot import ANNEXES, KIND_LABELS, SEVERITY_LABELS, validate_snapshot

logger = logging.getLogger(__name__)

TEMPLATE_DIR = fonts.PROJECT_ROOT / "templates" / "notices"
TEXT_WIDTH_MM = 156.0
MARK_MAX_PT = 40.0
MARK_MIN_SCALE = 0.6
PT_PER_MM = 72 / 25.4


class NoticeRenderError(RuntimeError):
    """The PDF could not be produced (a template or fetch error); nothing was written."""


@dataclass(frozen=True)
class NoticeDocumentSpec:
    """What one rendered letter needs besides its snapshot."""

    snapshot: dict
    draft: bool = False
    number: str | None = None
    verify_code: str | None = None
    verify_url: str | None = None


# ---------------------------------------------------------------------------
# Jinja2 filters: dates and numerals the way a 公文 writes them
# ---------------------------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"
_WEEKDAYS = "一二三四五六日"


def cn_num(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (heading ordinals 一、 （一）)."""
    n = int(n)
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def cn_date(value: str | dt.date) -> str:
    """GB/T 9704 §7.3.5.2: Arabic numerals, year in full, no leading zeros: 2026年12月1日."""
    d = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.year}年{d.month}月{d.day}日"


def cn_datetime(value: str) -> str:
    """2026-12-03T09:30 → 2026年12月3日（星期四）上午9:30."""
    t = dt.datetime.fromisoformat(value)
    if t.hour < 12:
        part, hour = "上午", t.hour
    elif t.hour < 13:
        part, hour = "中午", t.hour
    else:
        part, hour = ("下午" if t.hour < 18 else "晚上"), t.hour - 12
    return f"{cn_date(t.date())}（星期{_WEEKDAYS[t.weekday()]}）{part}{hour}:{t.minute:02d}"


def score_text(value) -> str:
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def mark_layout(text: str) -> dict:
    """Size of the red authority mark: as large as MARK_MAX_PT allows within the text
    width, squeezed horizontally (as offices do with long names) down to MARK_MIN_SCALE,
    and only then made smaller.  Returned numbers go into a style attribute."""
    n = max(len(text), 1)
    width_mm = TEXT_WIDTH_MM * 0.96
    font_pt = MARK_MAX_PT
    natural_mm = n * font_pt / PT_PER_MM
    scale = min(1.0, width_mm / natural_mm)
    if scale < MARK_MIN_SCALE:
        scale = MARK_MIN_SCALE
        font_pt = width_mm * PT_PER_MM / (n * scale)
        natural_mm = n * font_pt / PT_PER_MM
    return {
        "font_pt": round(font_pt, 2),
        "scale": round(scale, 4),
        "width_mm": round(natural_mm, 2),
        "left_mm": round((TEXT_WIDTH_MM - natural_mm) / 2, 2),
    }


TITLE_EMS_PER_LINE = 20  # 156 mm of 22 pt characters
_BREAK_BEFORE = ("暗查暗访情况", "情况的", "的通知", "的通报", "的函", "进行", "限期", "分管", "有关",
                 "未成年人")
_BREAK_AFTER = ("关于", "周", "镇", "乡", "街道", "对")


def _ems(text: str) -> float:
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in text)


def title_lines(title: str) -> list[str]:
    """A long title broken where the words allow (GB/T 9704 §7.3.1: 词意完整, 排列对称),
    not wherever the line happens to fill: break candidates sit before or after the
    usual words of a notice title; the most even split whose lines both fit wins."""
    if _ems(title) <= TITLE_EMS_PER_LINE:
        return [title]
    candidates = set()
    for token in _BREAK_BEFORE:
        start = title.find(token, 1)
        while start > 0:
            candidates.add(start)
            start = title.find(token, start + 1)
    for token in _BREAK_AFTER:
        start = title.find(token)
        while start >= 0:
            candidates.add(start + len(token))
            start = title.find(token, start + 1)
    fitting = [i for i in candidates if 0 < i < len(title)
               and _ems(title[:i]) <= TITLE_EMS_PER_LINE and _ems(title[i:]) <= TITLE_EMS_PER_LINE]
    if not fitting:
        return [title]  # let the layout wrap it
    best = min(fitting, key=lambda i: (abs(_ems(title[:i]) - _ems(title[i:])), -i))
    return [title[:best], title[best:]]


def qr_data_uri(url: str) -> str:
    # A fixed mask: segno would otherwise score all eight, a tenth of a warm render; any
    # mask gives a valid code.  A PNG of 4 pixels a module (drawn unsmoothed, see
    # notice.css), not an SVG: WeasyPrint parses an SVG path of a thousand segments on every
    # letter, a sixth of writing the PDF.  One pixel a module no longer scanned once rasterised
    # at 150 dpi (modules of uneven width); four do at 72 to 300 dpi.
    return segno.make(url, error="m", micro=False, mask=4).png_data_uri(scale=4, border=0)


def group_by(items: list[dict], key: str) -> list[tuple[str, list[dict]]]:
    """Items grouped by ``key`` in first-seen order (findings by area for （一）组织领导方面,
    circular problems by township) — Jinja's groupby would sort them."""
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(item[key], []).append(item)
    return list(groups.items())


def you(township_name: str) -> str:
    """How a letter addresses its township: 你镇, 你乡, 你街道."""
    for suffix in ("街道", "镇", "乡"):
        if township_name.endswith(suffix):
            return "你" + suffix
    return "你单位"


def month_day(value: str) -> str:
    d = dt.date.fromisoformat(value)
    return f"{d.month}月{d.day}日"


def make_environment(template_dir: Path = TEMPLATE_DIR) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(
        cn_num=cn_num, cn_date=cn_date, cn_datetime=cn_datetime, score=score_text,
        severity=SEVERITY_LABELS.__getitem__, you=you, md=month_day, sentence=phrasing.item_text,
    )
    env.globals.update(group_by=group_by)
    return env


# ---------------------------------------------------------------------------
# The renderer
# ---------------------------------------------------------------------------

class NoticeRenderer:
    def __init__(self, *, template_dir: Path = TEMPLATE_DIR, font_dir: Path = fonts.FONT_DIR,
                 use_subset: bool = True, letter_dir: Path | None = None):
        """``letter_dir``: the folder of a county's licensed faces (default: the setting)."""
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from . import letterfaces
        from .fetcher import LockedURLFetcher

        self.template_dir = Path(template_dir)
        self.font_dir = Path(font_dir)
        self.env = make_environment(self.template_dir)
        self.letter_faces = letterfaces.scan(letter_dir)
        letterfaces.log_problems(self.letter_faces)
        stacks = fonts.font_stacks(self.font_dir, self.letter_faces)
        if not use_subset:
            stacks = _without_subset(stacks)
        self.stacks = stacks
        # A dropped face not yet cut into the subset cache is read from its own folder.
        self.allowed_dirs = (self.template_dir, self.font_dir, *sorted(
            {str(Path(f["path"]).resolve().parent) for f in stacks.font_faces}))
        self.uses_subset = any("role" not in f for f in stacks.font_faces)
        if not self.uses_subset:
            logger.warning("notice fonts: no subset in %s, rendering with the full faces (slower)",
                           self.font_dir)
        self.font_config = FontConfiguration()
        fetcher = LockedURLFetcher(self.allowed_dirs)
        layout_css = (self.template_dir / "notice.css").read_text("utf-8")
        # CSS objects, never an inline <style>: autoescape would mangle it, and parsing once
        # here is a tenth of every render saved.
        self.stylesheets = [
            CSS(string=fonts.font_css(stacks), font_config=self.font_config, url_fetcher=fetcher),
            CSS(string=layout_css, font_config=self.font_config, url_fetcher=fetcher),
        ]
        self._lock = threading.RLock()
        self._report_css = None  # parsed on the first report: most processes render letters only

    # -- HTML ---------------------------------------------------------------

    def html(self, spec: NoticeDocumentSpec) -> str:
        snapshot = validate_snapshot(spec.snapshot)
        if not spec.draft and not (spec.number and spec.verify_code and spec.verify_url):
            raise ValueError("an issued notice needs its number, verify_code and verify_url")
        template = self.env.get_template(f"{snapshot['kind']}.html.j2")
        return template.render(
            s=snapshot,
            draft=spec.draft,
            number=None if spec.draft else spec.number,
            verify_code=None if spec.draft else spec.verify_code,
            verify_url=None if spec.draft else spec.verify_url,
            qr=None if spec.draft else qr_data_uri(spec.verify_url),
            mark=mark_layout(snapshot["authority"]["mark"]),
            title_lines=title_lines(snapshot["title"]),
            kind_label=KIND_LABELS[snapshot["kind"]],
            annexes=[{"number": n, "name": name, "macro": ANNEXES[name]}
                     for n, name in enumerate(snapshot["attachments"], start=1)],
        )

    # -- PDF ----------------------------------------------------------------

    def document(self, spec: NoticeDocumentSpec):
        """The laid-out WeasyPrint Document of one letter (pages can be copied into a batch)."""
        from weasyprint import HTML

        from .fetcher import LockedURLFetcher, RefusedFetch

        html = self.html(spec)
        fetcher = LockedURLFetcher(self.allowed_dirs)
        with self._lock:
            try:
                # No base_url: a relative reference resolves to nothing at all.
                return HTML(string=html, base_url=None, url_fetcher=fetcher).render(
                    stylesheets=self.stylesheets, font_config=self.font_config)
            except RefusedFetch as exc:
                raise NoticeRenderError(str(exc)) from None

    def render(self, spec: NoticeDocumentSpec) -> bytes:
        document = self.document(spec)
        return self._write(document)

    def render_batch(self, specs: Iterable[NoticeDocumentSpec]) -> bytes:
        """Many letters as one PDF (each keeps its own page numbers): laying them out one
        by one and writing once shares the font embedding, about twice as fast."""
        documents = [self.document(spec) for spec in specs]
        if not documents:
            raise ValueError("render_batch needs at least one notice")
        pages = [page for document in documents for page in document.pages]
        return self._write(documents[0].copy(pages))

    def render_report(self, template_name: str, context: dict) -> bytes:
        """A plain report (tables of figures, not a GB/T 9704 letter): its own template and
        `report.css`, with the letters' fonts, fetch rules and lock."""
        from weasyprint import CSS, HTML

        from .fetcher import LockedURLFetcher, RefusedFetch

        if self._report_css is None:
            css = (self.template_dir / "report.css").read_text("utf-8")
            fetcher = LockedURLFetcher(self.allowed_dirs)
            self._report_css = CSS(string=css, font_config=self.font_config, url_fetcher=fetcher)
        html = self.env.get_template(template_name).render(**context)
        with self._lock:
            try:
                document = HTML(string=html, base_url=None, url_fetcher=LockedURLFetcher(self.allowed_dirs)).render(
                    stylesheets=[self.stylesheets[0], self._report_css], font_config=self.font_config)
            except RefusedFetch as exc:
                raise NoticeRenderError(str(exc)) from None
        return self._write(document)

    def _write(self, document) -> bytes:
        from .fetcher import RefusedFetch

        with self._lock, pdfwrite.writing():
            try:
                return document.write_pdf(pdf_identifier=b"ancha-notice")
            except RefusedFetch as exc:
                raise NoticeRenderError(str(exc)) from None


def _without_subset(stacks: fonts.FontStacks) -> fonts.FontStacks:
    subset_families = {f["family"] for f in stacks.font_faces}

    def strip(stack):
        return [f for f in stack if f not in subset_families]

    return fonts.FontStacks(
        fangsong=strip(stacks.fangsong), xiaobiaosong=strip(stacks.xiaobiaosong),
        xiaobiaosong_is_gov=stacks.xiaobiaosong_is_gov, heiti=strip(stacks.heiti),
        kaiti=strip(stacks.kaiti), songti=strip(stacks.songti), font_faces=[])


_renderer: NoticeRenderer | None = None
_renderer_lock = threading.Lock()


@atexit.register
def _drop_renderer():
    # WeasyPrint's FontConfiguration.__del__ calls into Pango; at interpreter shutdown the
    # bindings are already gone and it prints a TypeError. Let it go while they still exist.
    global _renderer
    _renderer = None


def get_renderer() -> NoticeRenderer:
    """The process-wide renderer, built on first use (about a second: WeasyPrint, fonts)."""
    global _renderer
    if _renderer is None:
        with _renderer_lock:
            if _renderer is None:
                _renderer = NoticeRenderer()
    return _renderer


def render_notice(snapshot: dict, *, draft: bool = False, number: str | None = None,
                  verify_code: str | None = None, verify_url: str | None = None) -> bytes:
    """PDF bytes of one notice.  ``draft=True`` prints 草稿 and no number, code or QR;
    otherwise number, verify_code and verify_url are required."""
    return get_renderer().render(NoticeDocumentSpec(snapshot, draft, number, verify_code, verify_url))


def render_report(template_name: str, context: dict) -> bytes:
    """PDF bytes of a plain report (`templates/notices/<template_name>`, laid out by report.css)."""
    return get_renderer().render_report(template_name, context)


def render_batch(specs: Iterable[NoticeDocumentSpec]) -> bytes:
    """One PDF holding every letter, for printing a batch or the week's circulars."""
    return get_renderer().render_batch(specs)


# -- separate PDFs for many notices (a batch issue stores one file per notice) ------
#
# A pool of spawned worker processes, each holding one warm renderer, kept for the life of
# the process: starting a worker (WeasyPrint, Pango, the fonts, a first letter) costs more
# than a dozen letters, so it is paid once, not per batch.  Spawned, never forked: the
# caller may hold threads and DB connections.  A worker renders exactly what this process
# would (same renderer, same fonts), so a letter's bytes do not depend on where it ran.

_pool: ProcessPoolExecutor | None = None
_pool_key: tuple[int, int] | None = None  # (pid that made it, workers)
_pool_lock = threading.Lock()


def worker_count() -> int:
    """Processes for a batch: one per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _pool_init():
    from .samples import sample_snapshot

    # Pay WeasyPrint's start-up, the font loading and a first layout before real work.
    get_renderer().render(NoticeDocumentSpec(sample_snapshot("summons"), draft=True))


def _pool_render(spec: NoticeDocumentSpec) -> bytes:
    return get_renderer().render(spec)


def _pool_ready(_=None) -> int:
    return os.getpid()


def _get_pool(processes: int) -> ProcessPoolExecutor:
    global _pool, _pool_key
    with _pool_lock:
        key = (os.getpid(), processes)
        if _pool is not None and _pool_key != key:
            if _pool_key[0] == os.getpid():
                _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None  # a pool inherited through fork() belongs to the parent
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn"),
                                        initializer=_pool_init)
            _pool_key = key
        return _pool


def _pool_running(processes: int) -> bool:
    return _pool is not None and _pool_key == (os.getpid(), processes)


@atexit.register
def shutdown_pool() -> None:
    """Stop the worker processes (they are started again on the next batch)."""
    global _pool, _pool_key
    with _pool_lock:
        if _pool is not None and _pool_key[0] == os.getpid():
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool, _pool_key = None, None


def warm_pool(processes: int | None = None) -> None:
    """Start the worker processes and wait until each has rendered its first letter (for a
    server's start-up or a benchmark; a batch starts them itself when needed)."""
    processes = processes or worker_count()
    if processes > 1:
        pool = _get_pool(processes)
        list(pool.map(_pool_ready, range(processes)))


def render_many(specs: Sequence[NoticeDocumentSpec], *, processes: int | None = None) -> list[bytes]:
    """One PDF per notice, in order, each byte for byte what ``render`` gives.  Renders in
    the worker processes when there are enough letters to share; few letters, or a
    running pool that broke, render here."""
    specs = list(specs)
    processes = processes or worker_count()
    # A running pool pays off from two letters a worker; starting one from four.
    per_worker = 2 if _pool_running(processes) else 4
    if processes > 1 and len(specs) >= per_worker * processes:
        try:
            return list(_get_pool(processes).map(_pool_render, specs))
        except BrokenProcessPool:
            logger.exception("notice render workers died; rendering this batch in-process")
            shutdown_pool()
    renderer = get_renderer()
    return [renderer.render(spec) for spec in specs]
