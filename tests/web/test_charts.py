"""The SVG charts: drawn on the server, escaped, and with their numbers for screen readers."""

import re

from inspection.web import charts


def ids_of(svg):
    return re.findall(r'id="([^"]+)"', svg)


def test_a_line_chart_has_a_dot_per_score_and_a_row_per_score():
    chart = charts.line_chart(
        [("2026-10-01", 92), ("2026-10-15", 55), ("2026-11-02", 81)],
        title="得分变化", desc="三次", columns=("日期", "得分"), threshold=60, threshold_label="60分", unit="分",
    )
    for svg in (chart.svg, chart.svg_narrow):
        assert svg.count("<circle") == 3
        assert 'class="dot low"' in svg and 'class="dot high"' in svg
        assert "<title>2026-10-15：55分</title>" in svg
        assert 'role="img"' in svg and 'class="threshold"' in svg
    assert chart.rows == [("2026-10-01", "92分"), ("2026-10-15", "55分"), ("2026-11-02", "81分")]


def test_the_low_score_sits_below_the_threshold_line():
    chart = charts.line_chart([("a", 100), ("b", 30)], title="t", desc="d", columns=("x", "y"), threshold=60)
    line_y = float(re.search(r'class="threshold"[^>]*y1="([\d.]+)"', chart.svg).group(1))
    dots = [float(y) for y in re.findall(r'<circle class="dot \w+" cx="[\d.]+" cy="([\d.]+)"', chart.svg)]
    assert dots[0] < line_y < dots[1]  # SVG y grows downwards


def test_labels_and_titles_are_escaped():
    chart = charts.bar_chart([("<script>", 3, "x\" onload=\"y")], title="<b>", desc="&", columns=("a", "b"))
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert "<b>" not in chart.svg and "&amp;" in chart.svg
    assert 'onload="y' not in chart.svg


def test_every_chart_on_a_page_gets_its_own_ids():
    first = charts.hbar_chart([("正常", 3, "a")], title="t", desc="d", columns=("a", "b"))
    second = charts.hbar_chart([("正常", 4, "a")], title="t", desc="d", columns=("a", "b"))
    all_ids = ids_of(first.svg + first.svg_narrow + second.svg + second.svg_narrow)
    assert len(all_ids) == len(set(all_ids)) == 8


def test_bars_are_proportional_and_a_target_line_is_drawn():
    chart = charts.bar_chart([("W1", 10, "c"), ("W2", 20, "c")], title="t", desc="d", columns=("a", "b"),
                             target=20, target_label="全覆盖 20")
    heights = [float(h) for h in re.findall(r'<rect class="bar c"[^>]*height="([\d.]+)"', chart.svg)]
    assert abs(heights[1] - 2 * heights[0]) < 0.2
    assert "全覆盖 20" in chart.svg


def test_an_empty_history_draws_an_empty_chart_not_an_error():
    chart = charts.line_chart([], title="t", desc="尚无", columns=("a", "b"))
    assert "<circle" not in chart.svg and chart.rows == []
