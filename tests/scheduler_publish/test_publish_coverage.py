"""Coverage report: figures, terminal table and the HTML page with its SVG map."""

from __future__ import annotations

from datetime import date, datetime, timezone

from bs4 import BeautifulSoup
from rich.console import Console

from plugins.region.registry import load_registry
from scheduler.plan.coverage import coverage_rows, never_featured, render_html, render_table

UTC = timezone.utc
REG = load_registry()


def features():
    stuttgart = REG.get("stuttgart").ags
    plochingen = REG.get("plochingen").ags
    return [(stuttgart, datetime(2026, 11, 1, 17, tzinfo=UTC)),
            (stuttgart, datetime(2026, 5, 1, 16, tzinfo=UTC)),
            (plochingen, datetime(2026, 3, 2, 17, tzinfo=UTC)),
            ("99999999", datetime(2026, 1, 1, tzinfo=UTC))]


def test_rows_count_last_feature_and_waiting_days():
    rows = coverage_rows(REG, features(), date(2026, 11, 23))
    assert len(rows) == 179
    by_slug = {r.slug: r for r in rows}
    assert by_slug["stuttgart"].featured_count == 2
    assert by_slug["stuttgart"].days_waiting == 22
    assert by_slug["plochingen"].last_featured == datetime(2026, 3, 2, 17, tzinfo=UTC)
    assert len(never_featured(rows)) == 177
    # Never featured first, then the longest waiting.
    assert rows[0].never_featured and rows[-1].slug == "stuttgart" and rows[-2].slug == "plochingen"


def test_terminal_table_renders():
    rows = coverage_rows(REG, features(), date(2026, 11, 23))
    console = Console(record=True, width=120)
    console.print(render_table(rows))
    text = console.export_text()
    assert "Plochingen" in text and "2 of 179 municipalities featured" in text


def test_html_page_has_a_dot_per_municipality_and_the_never_list():
    rows = coverage_rows(REG, features(), date(2026, 11, 23))
    soup = BeautifulSoup(render_html(rows, date(2026, 11, 23)), "lxml")
    circles = soup.find_all("circle")
    assert len(circles) == 179
    assert all(0 <= float(c["cx"]) <= 640 and 0 <= float(c["cy"]) <= 560 for c in circles)
    assert len(soup.select("tbody tr")) == 179
    assert "Plochingen" not in soup.find(id="never").text
    assert "Stand: 23. November 2026. Bisher wurden 2 von 179 Kommunen vorgestellt." in soup.text
    assert not soup.find_all("script")
