"""Coverage report: how often and how recently each municipality was featured.

`coverage_rows` is a pure function so the website's municipality overview can show the
same figures as the operators' report (terminal table via rich, HTML page with an SVG map).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from plugins.region.registry import Municipality, normalise


@dataclass(frozen=True)
class CoverageRow:
    ags: str
    name: str
    slug: str
    district: str
    district_slug: str
    lat: float
    lon: float
    featured_count: int
    last_featured: datetime | None
    days_waiting: int | None  # days since the last feature; None when never featured

    @property
    def never_featured(self) -> bool:
        return self.featured_count == 0


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def coverage_rows(registry: Iterable[Municipality], features: Iterable[tuple[str, datetime]],
                  today: date | datetime) -> list[CoverageRow]:
    """One row per municipality: never-featured first, then longest waiting, then by name.

    `features` are (AGS, instant) pairs of every feature so far; features of unknown AGS
    are ignored (a municipality merged away must not break the report).
    """
    day = _as_date(today)
    counts: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for ags, when in features:
        counts[ags] = counts.get(ags, 0) + 1
        if ags not in last or when > last[ags]:
            last[ags] = when
    rows = [
        CoverageRow(m.ags, m.name, m.slug, m.district, m.district_slug, m.lat, m.lon,
                    counts.get(m.ags, 0), last.get(m.ags),
                    (day - _as_date(last[m.ags])).days if m.ags in last else None)
        for m in registry
    ]
    rows.sort(key=lambda r: (r.days_waiting is not None, -(r.days_waiting or 0), normalise(r.name)))
    return rows


def never_featured(rows: Iterable[CoverageRow]) -> list[CoverageRow]:
    return [row for row in rows if row.never_featured]


def summary(rows: list[CoverageRow]) -> str:
    featured = sum(1 for r in rows if not r.never_featured)
    return f"{featured} of {len(rows)} municipalities featured; {len(rows) - featured} never featured"


def render_table(rows: list[CoverageRow], limit: int | None = None):
    """A rich Table (print it with rich.console.Console().print)."""
    from rich.table import Table

    table = Table(title="So ist S coverage", caption=summary(rows))
    for column, justify in (("Municipality", "left"), ("District", "left"), ("Features", "right"),
                            ("Last feature", "left"), ("Days waiting", "right")):
        table.add_column(column, justify=justify)
    for row in rows[:limit] if limit else rows:
        table.add_row(row.name, row.district, str(row.featured_count),
                      row.last_featured.date().isoformat() if row.last_featured else "never",
                      "—" if row.days_waiting is None else str(row.days_waiting),
                      style="bold red" if row.never_featured else None)
    return table


def _project(rows: list[CoverageRow], width: int, height: int, margin: int = 12):
    """Equirectangular projection scaled by cos(latitude): good enough for 60 km."""
    lats = [r.lat for r in rows]
    lons = [r.lon for r in rows]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = (max(lons) - min(lons)) * scale_x or 1.0
    span_y = (max(lats) - min(lats)) or 1.0
    factor = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    for row in rows:
        x = margin + (row.lon - min(lons)) * scale_x * factor
        y = margin + (max(lats) - row.lat) * factor
        yield row, round(x, 1), round(y, 1)


def render_svg_map(rows: list[CoverageRow], width: int = 640, height: int = 560) -> str:
    """An inline SVG dot map: red ring = never featured, darker = featured more often."""
    if not rows:
        return ""
    most = max(r.featured_count for r in rows) or 1
    dots = []
    for row, x, y in _project(rows, width, height):
        if row.never_featured:
            style = 'fill="#fff" stroke="#c0392b" stroke-width="2"'
        else:
            shade = 0.35 + 0.65 * row.featured_count / most
            style = f'fill="#1d5fa8" fill-opacity="{shade:.2f}"'
        title = (f"{row.name}: nie vorgestellt" if row.never_featured else
                 f"{row.name}: {row.featured_count}× vorgestellt, zuletzt vor {row.days_waiting} Tagen")
        dots.append(f'<circle cx="{x}" cy="{y}" r="5" {style}><title>{html.escape(title)}</title></circle>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="map-title"><title id="map-title">Karte der Kommunen: '
            f'{len(never_featured(rows))} noch nie vorgestellt</title>{"".join(dots)}</svg>')


def render_html(rows: list[CoverageRow], today: date | datetime) -> str:
    """A self-contained HTML page (no scripts, no external resources)."""
    body_rows = "\n".join(
        f"<tr><td>{html.escape(r.name)}</td><td>{html.escape(r.district)}</td>"
        f"<td>{r.featured_count}</td>"
        f"<td>{r.last_featured.date().isoformat() if r.last_featured else 'nie'}</td>"
        f"<td>{'—' if r.days_waiting is None else r.days_waiting}</td></tr>"
        for r in rows)
    never = ", ".join(html.escape(r.name) for r in never_featured(rows)) or "keine"
    featured = sum(1 for r in rows if not r.never_featured)
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>So ist S – Abdeckung der Kommunen</title>
<style>body{{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ccc;padding:.25rem .5rem;text-align:left}}
svg{{max-width:100%;height:auto}}</style></head>
<body><main>
<h1>Abdeckung der Kommunen</h1>
<p>Stand {_as_date(today).isoformat()}: {featured} von {len(rows)} Kommunen vorgestellt.</p>
<figure>{render_svg_map(rows)}<figcaption>Rot umrandet: noch nie vorgestellt.</figcaption></figure>
<h2>Noch nie vorgestellt</h2><p id="never">{never}</p>
<h2>Alle Kommunen</h2>
<table><thead><tr><th scope="col">Kommune</th><th scope="col">Landkreis</th><th scope="col">Vorgestellt</th>
<th scope="col">Zuletzt</th><th scope="col">Tage wartend</th></tr></thead>
<tbody>
{body_rows}
</tbody></table></main></body></html>
"""
