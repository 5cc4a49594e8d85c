"""The impact report over a small demo made through the fake: files, German figures, accessibility,
self-containment, scopes; and the pure figures."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import date

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from demo.insights_year import DemoYear, build
from scheduler.report.figures import Period
from scheduler.report.german import number, percent
from scheduler.report.run import ReportRequest, compute
from scheduler.report.render import write
from scheduler.config import PROJECT_ROOT

SMALL = DemoYear(start=date(2026, 1, 1), features=12, days=45, previous_features=6)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    return build(tmp_path_factory.mktemp("report-demo"), SMALL)


def test_german_numbers_and_periods():
    assert number(1234.5, 1) == "1.234,5" and number(1234567) == "1.234.567" and number(None) == "–"
    assert percent(0.123) == "12,3\u202f%"
    assert Period(date(2024, 2, 29), date(2024, 12, 31)).previous() == Period(date(2023, 2, 28), date(2023, 12, 31))
    assert date(2026, 5, 1) in Period(date(2026, 1, 1), date(2026, 12, 31))


def test_report_folder(demo_db, tmp_path, caplog):
    request = ReportRequest(date(2026, 1, 1), date(2026, 2, 14), tmp_path)
    report = compute(demo_db, request, now=SMALL.end)
    assert report.current.features == 12 and report.current.featured == 12 and report.current.municipalities == 179
    assert report.previous.features > 0 and report.current.reach > 0 and report.current.followers
    assert 0.4 < report.current.young_share < 0.55 and len(report.todo) == 179 - 12
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        written = write(report, tmp_path, PROJECT_ROOT / "content")
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]  # no warning flood
    assert written.pdf.read_bytes().startswith(b"%PDF") and written.pdf.stat().st_size > 20000
    catalog = PdfReader(written.pdf).trailer["/Root"]  # a tagged PDF (PDF/UA-1): structure, language, title
    assert catalog["/Lang"] == "de" and catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    assert PdfReader(written.pdf).metadata.title.startswith("So ist S – Wirkungsbericht")
    page = written.html.read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "lxml")
    assert soup.html["lang"] == "de" and "1. Januar 2026" in soup.h1.text.replace("\xa0", " ")
    # self-contained: no stylesheet, script, font or image from anywhere else
    assert not soup.find_all("link") and not soup.find_all("script")
    assert all(img["src"].startswith("data:image/jpeg;base64,") for img in soup.find_all("img"))
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").split("<body")[0]
    # accessible charts: figure + figcaption + table with th scope; SVG role=img with a label
    figures = soup.find_all("figure")
    assert len(figures) == 4
    for figure in figures:
        assert figure.figcaption and figure.find("table").find("th", scope="col")
        svg = figure.find("svg")
        assert svg["role"] == "img" and svg["aria-label"]
    assert soup.find("th", scope="row")
    # the to-do list and the top features with credit
    assert "Noch nicht vorgestellt (167)" in page and "Foto: @" in page
    rows = list(csv.reader(io.StringIO(written.csv.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "AGS" and len(rows) == 180
    data = json.loads(written.json.read_text(encoding="utf-8"))
    assert data["headline"]["features"] == 12 and len(data["municipalities"]) == 179
    assert {m["name"] for m in data["metrics"]} >= {"views", "reach", "post_media_view", "page_follows_city"}


def din_5007_1(name: str) -> str:
    """An independent German dictionary order (DIN 5007-1): umlauts as their base letter, ß as ss."""
    return name.translate(str.maketrans({"ä": "a", "ö": "o", "ü": "u", "Ä": "A", "Ö": "O", "Ü": "U",
                                         "ß": "ss"})).casefold()


def test_municipalities_in_german_order(demo_db, tmp_path):
    report = compute(demo_db, ReportRequest(date(2026, 1, 1), date(2026, 2, 14), tmp_path, pdf=False), now=SMALL.end)
    soup = BeautifulSoup(write(report, tmp_path, PROJECT_ROOT / "content").html.read_text(encoding="utf-8"), "lxml")
    table = [th.text for th in soup.find(id="kommunen").find_next("table").select("tbody th[scope=row]")]
    assert len(table) == 179 and table == sorted(table, key=din_5007_1)
    assert table.index("Böblingen") < table.index("Burgstetten")
    for todo in soup.select("ul.todo"):
        names = [li.contents[0].strip() for li in todo.find_all("li")]
        assert names == sorted(names, key=din_5007_1)


def test_escaping_of_stored_text(demo_db, tmp_path):
    report = compute(demo_db, ReportRequest(date(2026, 1, 1), date(2026, 2, 14), tmp_path, pdf=False), now=SMALL.end)
    evil = report.top[0].__class__(**{**report.top[0].__dict__, "credit": '<script>alert(1)</script>'})
    report.top[0] = evil
    page = write(report, tmp_path, PROJECT_ROOT / "content", pdf=False).html.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("scope", [{"district": "esslingen"}, {"municipality": "plochingen"}])
def test_scopes(demo_db, tmp_path, scope):
    request = ReportRequest(date(2026, 1, 1), date(2026, 2, 14), tmp_path, pdf=False, **scope)
    report = compute(demo_db, request, now=SMALL.end)
    expected = 44 if "district" in scope else 1
    assert report.current.municipalities == expected and len(report.municipalities) == expected
    assert all(f.ags in report.scope.ags for f in report.top)
    html = write(report, tmp_path, PROJECT_ROOT / "content", pdf=False).html.read_text(encoding="utf-8")
    assert "ganze Konto" in html


def test_cli_report(demo_db, tmp_path, monkeypatch):
    from scheduler.cli.main import main
    from scheduler.config import load_settings
    from dataclasses import replace

    settings = replace(load_settings(), db_url=demo_db)
    code = main(["report", "--from", "2026-01-01", "--to", "2026-01-31", "--no-pdf", "--out", str(tmp_path)], settings)
    assert code == 0 and list(tmp_path.glob("soists-bericht-region-stuttgart-2026-01-01_2026-01-31*"))
    assert main(["report", "--from", "01.01.2026"], settings) == 2
