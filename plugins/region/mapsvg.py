"""The dot map of the region as inline SVG, drawn from coordinates (no map tiles).

Used by the site's municipality overview and by the scheduler's coverage page. The map is
one picture (role="img") with no links inside: 179 focusable dots would be 179 tab stops,
targets of 5 px and interactive content nested in an image. The list of municipalities next
to it is the way in, for keyboards, screen readers and fingers alike; a dot keeps its
<title> as a tooltip for the mouse.
"""

from __future__ import annotations

import math
from typing import Callable, Iterator
from xml.sax.saxutils import escape, quoteattr

from .coverage import CoverageRow

RECENT_DAYS = 30


def project(rows: list[CoverageRow], width: float, padding: float = 14.0) -> tuple[list[tuple[float, float]], float]:
    """Equirectangular projection scaled by cos(latitude): exact enough for a region 100 km wide.

    Returns the (x, y) of every row and the height that keeps the aspect ratio.
    """
    lats = [r.lat for r in rows]
    lons = [r.lon for r in rows]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = (max(lons) - min(lons)) * scale_x or 1.0
    unit = (width - 2 * padding) / span_x
    height = (max(lats) - min(lats)) * unit + 2 * padding
    points = [(padding + (r.lon - min(lons)) * scale_x * unit, padding + (max(lats) - r.lat) * unit) for r in rows]
    return points, height


def dot_class(row: CoverageRow) -> str:
    if row.never_featured:
        return "dot dot--never"
    if row.days_waiting is not None and row.days_waiting <= RECENT_DAYS:
        return "dot dot--recent"
    return "dot dot--earlier"


def dot_radius(row: CoverageRow) -> float:
    return 4.6 + min(row.featured_count, 12) * 0.5


def status_text(row: CoverageRow) -> str:
    if row.never_featured:
        return "noch nie vorgestellt"
    days = row.days_waiting or 0
    when = "heute" if days == 0 else "gestern" if days == 1 else f"vor {days} Tagen"
    return f"{row.featured_count}× vorgestellt, zuletzt {when}"


# A shade says how to draw one municipality instead of the site's classes: (fill, stroke, tooltip).
# Used by the impact report (shaded by reach); the site's map is drawn without one.
Shade = Callable[[CoverageRow], tuple[str, str, str]]


def _dots(rows: list[CoverageRow], points, shade: Shade | None = None) -> Iterator[str]:
    for row, (x, y) in zip(rows, points):
        if shade is None:
            look, text = f'class="{dot_class(row)}"', status_text(row)
        else:
            fill, stroke, text = shade(row)
            look = f'fill="{fill}" stroke="{stroke}" stroke-width="1"'  # attributes: no stylesheet needed
        yield (f'<circle {look} cx="{x:.1f}" cy="{y:.1f}" r="{dot_radius(row):.1f}">'
               f"<title>{escape(row.name)} ({escape(row.district)}): {escape(text)}</title></circle>")


def render_map(rows: list[CoverageRow], site_url: str, label: str, width: float = 640,
               description: str = "", shade: Shade | None = None) -> str:
    """The map as one image (no links inside: one tab stop less per municipality; the list
    beside it is the way in); `label` names it, `description` (optional) says where the same
    information is as text. site_url is kept for callers; the map links nowhere."""
    points, height = project(rows, width)
    desc = f'<desc id="region-map-desc">{escape(description)}</desc>' if description else ""
    described = ' aria-describedby="region-map-desc"' if description else ""
    # The report draws several charts on one page: each labels itself rather than by a shared id.
    labelled = f"aria-label={quoteattr(label)}" if shade is not None else 'aria-labelledby="region-map-title"'
    return (f'<svg class="region-map" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
            f'{labelled}{described} xmlns="http://www.w3.org/2000/svg">'
            f'<title id="region-map-title">{escape(label)}</title>{desc}{"".join(_dots(rows, points, shade))}</svg>')
