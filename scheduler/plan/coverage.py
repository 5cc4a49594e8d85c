"""Coverage report: how often and how recently each municipality was featured.

`coverage_rows` is a pure function so the website's municipality overview can show the
same figures as the operators' report (terminal table via rich, HTML page with an SVG map).
"""

from __future__ import annotations

import html
from datetime import date, datetime

from plugins.navigation.dates import german_date

# The figures and the map are the site's own: one computation for the overview and this report.
from plugins.region.coverage import CoverageRow, as_date, coverage_rows, never_featured  # noqa: F401
from plugins.region.mapsvg import render_map


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


MAP_STYLE = (".dot{stroke:#fff;stroke-width:1}.dot--never{fill:#fff;stroke:#c0392b;stroke-width:2}"
             ".dot--earlier{fill:#1d5fa8}.dot--recent{fill:#b3121f}")


def render_svg_map(rows: list[CoverageRow], site_url: str = "") -> str:
    """The site's dot map (same projection, same classes), styled for a standalone page."""
    label = f"Karte der Kommunen: {len(never_featured(rows))} noch nie vorgestellt"
    return render_map(sorted(rows, key=lambda r: r.ags), site_url, label) if rows else ""


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
svg{{max-width:100%;height:auto}}{MAP_STYLE}</style></head>
<body><main>
<h1>Abdeckung der Kommunen</h1>
<p>Stand: {german_date(as_date(today))}. Bisher wurden {featured} von {len(rows)} Kommunen vorgestellt.</p>
<figure>{render_svg_map(rows)}<figcaption>Rot umrandet: noch nie vorgestellt; rot gefüllt: in den letzten 30 Tagen.</figcaption></figure>
<h2>Noch nie vorgestellt</h2><p id="never">{never}</p>
<h2>Alle Kommunen</h2>
<table><thead><tr><th scope="col">Kommune</th><th scope="col">Landkreis</th><th scope="col">Vorgestellt</th>
<th scope="col">Zuletzt</th><th scope="col">Tage wartend</th></tr></thead>
<tbody>
{body_rows}
</tbody></table></main></body></html>
"""
