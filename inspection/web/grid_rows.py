"""The rows of the dashboard's coverage grid, each drawn once per content (issue 14).

A row's HTML is cached under the digest of everything it shows (`CoverageRow.key`) and the
language, so every process agrees and nothing stale is served; the page asks the cache for all
rows in one call and draws only those it lacks: after a dispatched visit, the one row it changed.
"""

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import mark_safe

ROW_TEMPLATE = "web/_grid_row.html"
KEEP_SECONDS = 86400


def grid_rows_html(grid, language: str) -> str:
    """The grid's rows as web/dashboard.html places them in its table body."""
    keys = {f"ancha:grid-row:{language}:{row.key}": row for row in grid.rows}
    found = cache.get_many(list(keys))
    drawn = {}
    if len(found) < len(keys):
        template = get_template(ROW_TEMPLATE)
        drawn = {key: template.render({"row": row}) for key, row in keys.items() if key not in found}
        cache.set_many(drawn, KEEP_SECONDS)
    return mark_safe("".join((found.get(key) or drawn[key]) + "\n        " for key in keys))
