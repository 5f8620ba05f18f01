"""Charts as SVG drawn on the server: no script, no request, readable without colour.

Each chart is an <svg role="img"> with a <title> and a <desc> that says what it shows in one
sentence, every mark has its own <title> (the exact figure on hover), and each chart comes with
a table of its numbers for screen readers (templates/web/_chart.html). Colours come from the
stylesheet through class names.

An SVG scales its text with its width, so one drawing cannot be legible both on a 390 px phone
and on a desktop: a chart is drawn twice, wide and narrow, and the stylesheet shows one of them
(the hidden one, display:none, is out of the accessibility tree too).
"""

from dataclasses import dataclass, field
from itertools import count

from django.utils.html import escape
from django.utils.safestring import mark_safe

_ids = count(1)

WIDE = 960
NARROW = 400


@dataclass
class Chart:
    svg: str  # wide
    title: str
    desc: str
    columns: tuple[str, str]
    rows: list[tuple[str, str]] = field(default_factory=list)
    svg_narrow: str = ""


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(width, height, title, desc, css):
    n = next(_ids)
    return (
        f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-t{n} chart-d{n}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>'
    )


def score_band(score: float, threshold: float = 60) -> str:
    if score < threshold:
        return "low"
    if score < 80:
        return "mid"
    return "high"


def _threshold(left, right_x, y, label):
    return (
        f'<line class="threshold" x1="{left}" x2="{right_x}" y1="{y:.1f}" y2="{y:.1f}"/>'
        f'<text class="threshold-label" x="{right_x}" y="{y - 6:.1f}" text-anchor="end">{escape(label)}</text>'
    )


def _line_svg(points, width, height, *, title, desc, y_max, threshold, threshold_label, unit, max_labels):
    left, right, top, bottom = 38, 18, 18, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [_open(width, height, title, desc, "line" + (" narrow" if width <= NARROW else ""))]

    def y_at(value):
        return top + plot_h * (1 - min(max(value, 0), y_max) / y_max)

    for tick in range(0, y_max + 1, max(y_max // 5, 1)):
        y = y_at(tick)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 8}" y="{y + 5:.1f}" text-anchor="end">{tick}</text>')
    if threshold is not None:
        parts.append(_threshold(left, width - right, y_at(threshold), threshold_label))
    if not points:
        parts.append(f'<text class="empty" x="{width / 2}" y="{height / 2}" text-anchor="middle">—</text></svg>')
        return "".join(parts)
    step = plot_w / max(len(points) - 1, 1)
    xy = [(left + (i * step if len(points) > 1 else plot_w / 2), y_at(v)) for i, (_, v) in enumerate(points)]
    parts.append('<polyline class="series" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy) + '"/>')
    every = max(1, -(-len(points) // max_labels))  # never so many dates that they overlap
    for i, ((label, value), (x, y)) in enumerate(zip(points, xy)):
        band = score_band(value, threshold if threshold is not None else 60)
        parts.append(
            f'<circle class="dot {band}" cx="{x:.1f}" cy="{y:.1f}" r="6">'
            f"<title>{escape(label)}：{_num(value)}{escape(unit)}</title></circle>"
        )
        if i % every == 0 or i == len(points) - 1:
            anchor = "start" if i == 0 and len(points) > 1 else ("end" if i == len(points) - 1 and i else "middle")
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{height - 10}" text-anchor="{anchor}">{escape(label[-5:])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(points, *, title, desc, columns, y_max=100, threshold=None, threshold_label="", unit=""):
    """`points`: [(label, value)] in order. A line with a dot per point, y from 0 to `y_max`."""
    common = dict(title=title, desc=desc, y_max=y_max, threshold=threshold, threshold_label=threshold_label, unit=unit)
    wide = _line_svg(points, WIDE, 280, max_labels=12, **common)
    narrow = _line_svg(points, NARROW, 230, max_labels=4, **common)
    rows = [(label, f"{_num(value)}{unit}") for label, value in points]
    return Chart(mark_safe(wide), title, desc, columns, rows, mark_safe(narrow))


def _bars_svg(bars, width, height, *, title, desc, target, target_label, unit):
    left, right, top, bottom = 12, 12, 28, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([v for _, v, _ in bars] + [target or 0, 1])
    parts = [_open(width, height, title, desc, "bars")]

    def y_at(value):
        return top + plot_h * (1 - value / top_value)

    parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y_at(0):.1f}" y2="{y_at(0):.1f}"/>')
    if target is not None:
        parts.append(_threshold(left, width - right, y_at(target), target_label))
    slot = plot_w / max(len(bars), 1)
    bar_w = min(slot * 0.7, 56)
    for i, (label, value, css) in enumerate(bars):
        x = left + i * slot + (slot - bar_w) / 2
        y = y_at(value)
        parts.append(
            f'<rect class="bar {escape(css)}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
            f'height="{max(y_at(0) - y, 0):.1f}"><title>{escape(label)}：{_num(value)}{escape(unit)}</title></rect>'
            f'<text class="value" x="{x + bar_w / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle">{_num(value)}</text>'
            f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{height - 10}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(bars, *, title, desc, columns, target=None, target_label="", unit="", width=360, height=240):
    """Vertical bars: `bars` is [(label, value, css_class)]; an optional target line. Drawn for a
    column about `width` px wide, on a phone as on a desktop."""
    svg = _bars_svg(bars, width, height, title=title, desc=desc, target=target, target_label=target_label, unit=unit)
    rows = [(label, f"{_num(value)}{unit}") for label, value, _ in bars]
    return Chart(mark_safe(svg), title, desc, columns, rows)


def _hbars_svg(bars, width, *, title, desc, unit, label_w):
    row = 36
    height = row * len(bars) + 8
    top_value = max([v for _, v, _ in bars] + [1])
    plot_w = width - label_w - 52
    parts = [_open(width, height, title, desc, "hbars" + (" narrow" if width <= NARROW else ""))]
    for i, (label, value, css) in enumerate(bars):
        y = 4 + i * row
        w = max(plot_w * value / top_value, 0)
        parts.append(
            f'<text class="label" x="{label_w - 10}" y="{y + row / 2 + 5:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="track" x="{label_w}" y="{y + 8}" width="{plot_w}" height="{row - 16}" rx="4"/>'
            f'<rect class="bar {escape(css)}" x="{label_w}" y="{y + 8}" width="{w:.1f}" height="{row - 16}" rx="4">'
            f"<title>{escape(label)}：{_num(value)}{escape(unit)}</title></rect>"
            f'<text class="value" x="{label_w + w + 8:.1f}" y="{y + row / 2 + 5:.1f}">{_num(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _text_width(text: str, size: float = 15) -> float:
    """Roughly how wide a label sets: a CJK character is one em, a Latin one a little over half."""
    return sum(size if ord(c) > 0x2E80 else size * 0.56 for c in text)


def hbar_chart(bars, *, title, desc, columns, unit=""):
    """Horizontal bars, one row per label (long Chinese labels fit): [(label, value, css_class)]."""
    common = dict(title=title, desc=desc, unit=unit)
    label_w = max([_text_width(str(label)) for label, _, _ in bars] + [40]) + 18
    wide = _hbars_svg(bars, 640, label_w=round(min(label_w, 260)), **common)
    narrow = _hbars_svg(bars, NARROW, label_w=round(min(label_w, 170)), **common)
    rows = [(label, f"{_num(value)}{unit}") for label, value, _ in bars]
    return Chart(mark_safe(wide), title, desc, columns, rows, mark_safe(narrow))


def meter(value: float, *, title, desc, maximum=1.0, css="") -> str:
    """A thin horizontal gauge (e.g. coverage 18 of 30); the figure itself is printed beside it."""
    share = 0 if maximum <= 0 else min(max(value / maximum, 0), 1)
    n = next(_ids)
    return mark_safe(
        f'<svg class="meter {escape(css)}" viewBox="0 0 200 10" preserveAspectRatio="none" role="img" '
        f'aria-labelledby="meter-t{n}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="meter-t{n}">{escape(title)}：{escape(desc)}</title>'
        f'<rect class="track" x="0" y="0" width="200" height="10" rx="5"/>'
        f'<rect class="fill" x="0" y="0" width="{200 * share:.1f}" height="10" rx="5"/></svg>'
    )
