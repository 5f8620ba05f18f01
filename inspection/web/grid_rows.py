"""The dashboard's coverage section, each piece drawn once per content (issue 14).

The section is three pieces, each cached under what it shows and the language, so every process
agrees and nothing stale is served: the head (the period and its weeks), one piece per grid row
(`CoverageRow.key`, a digest of its cells) and the tail (legend, chart of the cumulative coverage,
tally). The page asks the cache for all of them in one call and draws only those it lacks: after a
dispatched visit, the one row it changed and, when a count moved, the tail. The head is drawn by its
template (once a week), the rows and the tail in Python (web/grid_html.py).
"""

import hashlib

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from inspection.web.grid_html import row_html, tail_html

HEAD_TEMPLATE = "web/_coverage_head.html"
KEEP_SECONDS = 86400
ROW_GAP = "\n        "  # as web/dashboard.html placed each row in its table body


def _digest(shown) -> str:
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()


def _head_key(grid, language: str) -> str:
    return f"ancha:grid-head:{language}:" + _digest((grid.start, grid.end, [(w.start, w.end, w.future) for w in grid.weeks]))


def _tail_key(grid, language: str) -> str:
    """The tail shows the counts and, in its chart, the cumulative coverage of each elapsed week."""
    cumulative = [(week.label, n) for week, n in grid.cumulative]
    return f"ancha:grid-tail:{language}:" + _digest((grid.total, grid.covered, grid.near, grid.overdue, cumulative))


def coverage_section_html(grid, language: str, chart) -> str:
    """The whole coverage section of web/dashboard.html; `chart()` draws the cumulative chart, asked
    only when the tail is not cached."""
    head, tail = _head_key(grid, language), _tail_key(grid, language)
    rows = {f"ancha:grid-row:{language}:{row.key}": row for row in grid.rows}
    found = cache.get_many([head, *rows, tail])
    drawn = {}
    if head not in found:
        drawn[head] = get_template(HEAD_TEMPLATE).render({"grid": grid})
    missing = [key for key in rows if key not in found]
    # The rows and the tail in Python (web/grid_html.py): the template engine cost more than the rest
    # of the read for the one row a dispatch changes.
    drawn.update({key: row_html(rows[key]) for key in missing})
    if tail not in found:
        drawn[tail] = tail_html(grid, chart())
    if drawn:
        cache.set_many(drawn, KEEP_SECONDS)
    piece = {**found, **drawn}
    return mark_safe(piece[head] + "".join(piece[key] + ROW_GAP for key in rows) + piece[tail])
