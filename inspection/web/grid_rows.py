"""The dashboard's coverage section, each piece drawn once per content (issue 14).

The section is three pieces, each kept under what it shows, the language and the site's script
prefix: the head (the period and its weeks), one piece per grid row (`CoverageRow.key`: its
township, state, deadline and cells) and the tail (legend, chart of the cumulative coverage, tally).
The page draws only the pieces it lacks: after a dispatched visit, the one row it changed and, when
a count moved, the tail. The head is drawn by its template (once a week), the rows and the tail in
Python (web/grid_html.py).

The pieces are kept in this process (web/pieces.py), not in Django's cache: a key is the content
itself, so a lookup is one dict access instead of a digest and a pickled cache entry per row (46 a
read on the largest county).
"""

from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe

from inspection.web.grid_html import row_html, tail_html
from inspection.web.pieces import Pieces

HEAD_TEMPLATE = "web/_coverage_head.html"
ROW_GAP = "\n        "  # as web/dashboard.html placed each row in its table body
# A county's grid is at most a few dozen rows, and a write changes one of them.
_PIECES = Pieces(kept=4096)
_piece = _PIECES.get


def coverage_section_html(grid, language: str, chart) -> str:
    """The whole coverage section of web/dashboard.html; `chart()` draws the cumulative chart, asked
    only when the tail is not kept."""
    where = (language, get_script_prefix())
    head = _piece((*where, "head", grid.start, grid.end, tuple((w.start, w.end, w.future) for w in grid.weeks)),
                  lambda: get_template(HEAD_TEMPLATE).render({"grid": grid}))
    rows = "".join(_piece((*where, "row", row.key), lambda row=row: row_html(row)) + ROW_GAP for row in grid.rows)
    # The tail shows the counts and, in its chart, the cumulative coverage of each elapsed week.
    counts = (grid.total, grid.covered, grid.near, grid.overdue, tuple((w.label, n) for w, n in grid.cumulative))
    tail = _piece((*where, "tail", counts), lambda: tail_html(grid, chart()))
    return mark_safe(head + rows + tail)
