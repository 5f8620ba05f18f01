"""The dashboard's coverage grid rows and tail drawn in Python (issue 14): the same HTML, byte for
byte, as the templates web/_grid_row.html and _coverage_tail.html drew it until session seven, at a
fraction of the template engine's cost. web/grid_rows.py keeps each piece under what it shows; these draw a missing one.

Every value from the database goes through `escape`; translated labels too, as the template's
autoescaping did.
"""

from django.template.defaultfilters import date as date_filter
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from inspection.web.pieces import Pieces

ROW_HEAD = '\n        <tr class="st-{state}">\n          <th scope="row" class="sticky"><span class="sdot" aria-hidden="true"></span><a href="{href}">{name}</a></th>\n          '
BRANCH_GAP = "\n            "
NONE_MARK = '<span class="none" aria-hidden="true">·</span>'
_VISITS = Pieces(kept=16384)  # a county's period holds a few hundred visits


def _score_class(score) -> str:
    if score is None:
        return "open"
    if score < 60:
        return "low"
    return "mid" if score < 80 else "high"


def _visit_html(v, md: str) -> str:
    day = date_filter(v.date, "Y-m-d")
    title = day
    if v.score is not None:
        title += f" · {v.score}{escape(_('分'))}"
    if v.follow_up:
        title += f" · {escape(_('回头看'))}"
    shown = "…" if v.score is None else str(v.score)
    return (f'<a class="v {_score_class(v.score)}{" fu" if v.follow_up else ""}" '
            f'href="{escape(reverse("web:inspection", args=[v.inspection_id]))}" title="{title}">{shown}'
            f'<span class="sr-only"> {escape(date_filter(v.date, md))}</span></a>')


def _cell_html(cell, md: str) -> str:
    css = "c" + (" hit" if cell.visits else "") + (" future" if cell.future else "")
    if cell.visits:
        # Each visit's link is kept too: a row that changed redraws only the visit that is new.
        where = (get_language(), get_script_prefix())
        inner = "".join(_VISITS.get((*where, v.inspection_id, v.date, v.score, v.follow_up),
                                    lambda v=v: _visit_html(v, md)) for v in cell.visits)
    else:
        inner = "" if cell.future else NONE_MARK
    return f'<td class="{css}">{inner}</td>'


def _deadline_html(row) -> str:
    if row.state == "covered":
        chip = f'<span class="chip ok">{escape(_("已覆盖"))}</span>'
    elif row.state == "overdue":
        chip = f'<span class="chip bad">{escape(_("已逾期"))}</span>'
    elif row.state == "near":
        chip = f'<span class="chip warn">{_("剩%(n)s天") % {"n": escape(row.days_left)}}</span>'
    else:
        chip = f'<span class="chip">{escape(_("未查"))}</span>'
    if row.state in ("covered", "overdue", "near"):
        chip += BRANCH_GAP  # the template's line break after each branch but the last
    date = "" if row.state == "covered" else f'<span class="date">{escape(date_filter(row.deadline, "n/j"))}</span>'
    return f'\n          <td class="dl">\n            {chip}{BRANCH_GAP}{date}\n          </td>\n        </tr>'


def row_html(row) -> str:
    """One row of the grid (a `board.CoverageRow`), as web/_grid_row.html drew it."""
    md = _("n月j日")
    township = row.township
    head = ROW_HEAD.format(state=escape(row.state), href=escape(reverse("web:township", args=[township.code])),
                           name=escape(township.name))
    return head + "".join(_cell_html(cell, md) for cell in row.cells) + _deadline_html(row)


def chart_html(chart) -> str:
    """A chart with its table for screen readers (a `charts.Chart`), as web/_chart.html draws it (the
    template stays for the other pages' charts; tests/web/test_dashboard_reads.py compares the two)."""
    narrow = f'\n<div class="chart-narrow">{chart.svg_narrow}</div>' if chart.svg_narrow else ""
    rows = "".join(f'<tr><th scope="row">{escape(label)}</th><td>{escape(value)}</td></tr>' for label, value in chart.rows)
    return (f'<figure class="chart-fig{" two" if chart.svg_narrow else ""}">\n<div class="chart-wide">{chart.svg}</div>'
            f'{narrow}\n<table class="sr-only"><caption>{escape(chart.title)}</caption>\n'
            f'<thead><tr><th scope="col">{escape(chart.columns[0])}</th><th scope="col">{escape(chart.columns[1])}</th>'
            f'</tr></thead>\n<tbody>{rows}</tbody>\n</table>\n</figure>\n')


def _tally_html(grid) -> str:
    def item(css, label, value):
        return f'\n        <div{css}><dt>{escape(label)}</dt><dd>{escape(value)}</dd></div>'

    return ('\n      <dl class="tally">' + item(' class="ok"', _("已覆盖"), grid.covered)
            + item("", _("未查"), grid.uncovered)
            + item(f' class="{"warn" if grid.near else ""}"', _("临近期限"), grid.near)
            + item(f' class="{"bad" if grid.overdue else ""}"', _("逾期未查"), grid.overdue) + "\n      </dl>")


def tail_html(grid, chart) -> str:
    """The coverage section below its rows (legend, the cumulative chart, the tally), as
    web/_coverage_tail.html drew it; `chart` a `charts.Chart`."""
    t = {key: escape(_(key)) for key in ("已暗查（得分）", "低于60分", "检查中", "剩N天", "尚未到来", "本期已覆盖", "临近期限", "已逾期")}
    return (
        "\n        </tbody>\n      </table>\n      </div>\n      <ul class=\"legend\">\n"
        f'        <li><span class="v high">85</span> {t["已暗查（得分）"]}</li>\n'
        f'        <li><span class="v low">52</span> {t["低于60分"]}</li>\n'
        f'        <li><span class="v open">…</span> {t["检查中"]}</li>\n'
        f'        <li><span class="chip warn">{t["剩N天"]}</span> {_("期限在14天内")}</li>\n'
        f'        <li><span class="swatch future"></span> {t["尚未到来"]}</li>\n'
        f'        <li class="st-covered"><span class="sdot"></span>{t["本期已覆盖"]}</li>\n'
        f'        <li class="st-near"><span class="sdot"></span>{t["临近期限"]}</li>\n'
        f'        <li class="st-overdue"><span class="sdot"></span>{t["已逾期"]}</li>\n'
        "      </ul>\n    </div>\n    <div class=\"split-side\">\n      "
        + chart_html(chart) + _tally_html(grid) + "\n    </div>\n  </div>\n</section>"
    )
