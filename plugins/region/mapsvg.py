"""The dot map of the region as inline SVG, drawn from coordinates (no map tiles)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from .registry import Municipality


@dataclass(frozen=True)
class Dot:
    municipality: Municipality
    x: float
    y: float
    featured_count: int
    days_since: int | None  # None: never featured


def project(municipalities: list[Municipality], width: float, padding: float = 14.0) -> tuple[list[tuple[float, float]], float]:
    """Equirectangular projection scaled by cos(latitude): exact enough for a region 100 km wide."""
    lats = [m.lat for m in municipalities]
    lons = [m.lon for m in municipalities]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = (max(lons) - min(lons)) * scale_x
    span_y = max(lats) - min(lats)
    unit = (width - 2 * padding) / span_x
    height = span_y * unit + 2 * padding
    points = [
        (padding + (m.lon - min(lons)) * scale_x * unit, padding + (max(lats) - m.lat) * unit)
        for m in municipalities
    ]
    return points, height


def dot_class(dot: Dot) -> str:
    if dot.days_since is None:
        return "dot dot--never"
    if dot.days_since <= 30:
        return "dot dot--recent"
    return "dot dot--earlier"


def dot_radius(dot: Dot) -> float:
    return 4.6 + min(dot.featured_count, 12) * 0.5


def render_map(dots: list[Dot], width: float, height: float, site_url: str, label: str) -> str:
    parts = [
        f'<svg class="region-map" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="region-map-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="region-map-title">{label}</title>',
    ]
    for dot in dots:
        m = dot.municipality
        status = ("noch nie gezeigt" if dot.days_since is None
                  else f"{dot.featured_count}× gezeigt, zuletzt vor {dot.days_since} Tagen")
        parts.append(
            f'<a href={quoteattr(f"{site_url}/{m.url}")}><circle class="{dot_class(dot)}" '
            f'cx="{dot.x:.1f}" cy="{dot.y:.1f}" r="{dot_radius(dot):.1f}">'
            f"<title>{_text(m.name)} ({_text(m.district)}): {status}</title></circle></a>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
