"""The report's charts as inline SVG: presentation attributes only (no stylesheet, no script),
so the same markup draws in a browser, in a mail client's viewer and in WeasyPrint.

Every chart is `role="img"` with an `aria-label`; the numbers themselves are in the data
table printed beside it, which is what screen readers and the CSV use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from xml.sax.saxutils import escape, quoteattr

from plugins.region.coverage import CoverageRow
from plugins.region.mapsvg import render_map
from scheduler.report.german import number

ACCENT = "#b3121f"  # the site's accent colour (theme/static/css/site.css, 6.9:1 on white)
INK, MUTED, LINE = "#141414", "#4d4d4d", "#d9d9d9"
# Five shades from light to the accent, for the map (equal steps of the accent mixed with white).
SHADES = ("#f3d4d7", "#e4a0a7", "#d46b76", "#c43f4c", ACCENT)
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"'


@dataclass(frozen=True)
class Box:
    width: float = 640
    height: float = 240
    left: float = 64
    right: float = 12
    top: float = 12
    bottom: float = 34

    @property
    def inner_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_h(self) -> float:
        return self.height - self.top - self.bottom


def nice_max(value: float) -> float:
    """The next 1/2/2.5/5 × 10^n above value (round grid lines)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def svg_open(box: Box, label: str) -> str:
    return (f'<svg viewBox="0 0 {box.width:.0f} {box.height:.0f}" width="100%" role="img" '
            f'aria-label={quoteattr(label)} xmlns="http://www.w3.org/2000/svg" {FONT} font-size="12">')


def grid(box: Box, top_value: float, floor: float = 0.0, lines: int = 4) -> str:
    parts = []
    for i in range(lines + 1):
        value = floor + (top_value - floor) * i / lines
        y = box.top + box.inner_h * (1 - i / lines)
        parts.append(f'<line x1="{box.left}" x2="{box.width - box.right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{LINE}" stroke-width="1"/>'
                     f'<text x="{box.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{number(value)}</text>')
    return "".join(parts)


def line_chart(points: list[tuple[str, int]], label: str, tick: Callable[[int], bool], box: Box = Box()) -> str:
    """A line over the points; x labels where `tick(index)` (e.g. the first point of a month)."""
    if not points:
        return ""
    values = [v for _, v in points]
    low, high = min(values), max(values)
    floor = max(0.0, low - (high - low or high * 0.1 or 1) * 0.5)  # followers: show the change, not zero
    floor = floor - floor % (nice_max(high - floor) / 4 or 1)
    top = floor + nice_max(high - floor or 1)
    step = box.inner_w / max(len(points) - 1, 1)
    xy = [(box.left + i * step, box.top + box.inner_h * (1 - (v - floor) / (top - floor))) for i, v in enumerate(values)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(xy))
    ticks = "".join(f'<text x="{xy[i][0]:.1f}" y="{box.height - 12}" text-anchor="middle" fill="{MUTED}">'
                    f"{escape(points[i][0])}</text>" for i in range(len(points)) if tick(i))
    end_x, end_y = xy[-1]
    return (svg_open(box, label) + grid(box, top, floor) + ticks
            + f'<path d="{path}" fill="none" stroke="{ACCENT}" stroke-width="2.5" stroke-linejoin="round"/>'
            + f'<circle cx="{end_x:.1f}" cy="{end_y:.1f}" r="4" fill="{ACCENT}"/></svg>')


def bar_chart(points: list[tuple[str, int]], label: str, box: Box = Box()) -> str:
    """Vertical bars (reach per month)."""
    if not points:
        return ""
    top = nice_max(max(v for _, v in points))
    slot = box.inner_w / len(points)
    bars = []
    for i, (name, value) in enumerate(points):
        h = box.inner_h * value / top
        x = box.left + i * slot + slot * 0.15
        bars.append(f'<rect x="{x:.1f}" y="{box.top + box.inner_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{ACCENT}"/><text x="{x + slot * 0.35:.1f}" y="{box.height - 12}" text-anchor="middle" '
                    f'fill="{MUTED}">{escape(name)}</text>')
    return svg_open(box, label) + grid(box, top) + "".join(bars) + "</svg>"


def hbar_chart(rows: list[tuple[str, float]], label: str, highlight: Callable[[str], bool],
               width: float = 640) -> str:
    """Horizontal bars of shares (0…1), e.g. follower ages; highlighted rows in the accent."""
    if not rows:
        return ""
    row_h, left = 30, 70
    box = Box(width=width, height=row_h * len(rows) + 8)
    top = max(share for _, share in rows) or 1
    parts = []
    for i, (name, share) in enumerate(rows):
        y = 4 + i * row_h
        w = (width - left - 70) * share / top
        colour = ACCENT if highlight(name) else "#8c8c8c"
        parts.append(f'<text x="{left - 8}" y="{y + 19}" text-anchor="end" fill="{INK}">{escape(name)}</text>'
                     f'<rect x="{left}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" fill="{colour}"/>'
                     f'<text x="{left + w + 6:.1f}" y="{y + 19}" fill="{INK}">{number(share * 100, 1)} %</text>')
    return svg_open(box, label) + "".join(parts) + "</svg>"


def shade_classes(values: list[int]) -> list[int]:
    """Upper bounds of five classes by quantile of the non-zero values (equal-count classes)."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return [0] * len(SHADES)
    return [positive[min(len(positive) - 1, int(len(positive) * (i + 1) / len(SHADES)) - 1)]
            for i in range(len(SHADES))]


def shade_for(value: int, bounds: list[int]) -> str:
    if value <= 0:
        return "#ffffff"
    for colour, bound in zip(SHADES, bounds):
        if value <= bound:
            return colour
    return SHADES[-1]


def reach_map(rows: list[CoverageRow], reach: dict[str, int], site_url: str, label: str) -> tuple[str, list[int]]:
    """The region's dot map (plugins/region/mapsvg.py), each dot shaded by the reach of its
    municipality's features; a white dot with a grey ring was not featured in the period."""
    bounds = shade_classes([reach.get(r.ags, 0) for r in rows])

    def shade(row: CoverageRow) -> tuple[str, str, str]:
        value = reach.get(row.ags, 0)
        text = f"Reichweite {number(value)}" if row.featured_count else "im Zeitraum nicht vorgestellt"
        return shade_for(value, bounds), (MUTED if not row.featured_count else "#ffffff"), text

    return render_map(rows, site_url, label, shade=shade), bounds
