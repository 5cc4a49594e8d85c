"""Issue #26: a production build (publishconf.py, strict) refuses placeholders and names each one;
with the operator's settings file it passes and the Impressum shows the real values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.production.real_site import (
    SETTINGS,
    SITEURL,
    minimal_content,
    problems,
    production_build,
    ready_content,
)
from tests.site.htmlcheck import soup

EXAMPLE = "expected the real address, not an example domain (example.org, .example)"
VIDEO = "expected the finished video in Deutscher Gebärdensprache with its captions, and no 'Platzhalter' note"
NO_FILE = "publishconf.py (SOISTS_SITE_SETTINGS not set)"


def value_of(message: str) -> str:
    return "" if message.startswith("missing") else message.split("': ", 1)[0].strip("'")


def test_production_build_of_the_demo_names_every_placeholder(tmp_path):
    result = production_build(tmp_path / "out")
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Build stopped: 21 content problem(s)" in output, output[-3000:]
    assert "Traceback" not in output
    found = problems(output)
    assert [(path, field, value_of(message)) for path, field, message in found] == [
        (NO_FILE, "operator.representatives", ""),
        (NO_FILE, "operator.register_number", ""),
        (NO_FILE, "operator.vat_id", ""),
        (NO_FILE, "operator.email", "soists@region-stuttgart.example"),
        (NO_FILE, "operator.phone", ""),
        (NO_FILE, "contact.campaign", "soists@region-stuttgart.example"),
        (NO_FILE, "contact.privacy", "datenschutz@region-stuttgart.example"),
        (NO_FILE, "contact.accessibility", "barrierefreiheit@region-stuttgart.example"),
        (NO_FILE, "responsible.name", "Redaktion So ist S"),
        ("web editor (plugins/cms)", "cms.git_url", "git.region-stuttgart.example"),
        ("web editor (plugins/cms)", "cms.app_id", "set-SOISTS_CMS_APP_ID"),
        ("content/pages/barrierefreiheit.md", "text", "barrierefreiheit@region-stuttgart.example"),
        ("content/pages/barrierefreiheit.md", "text", "Auf der Seite Gebärdensprache steht bis dahin ein Platzhalter"),
        ("content/pages/datenschutz.md", "text", "datenschutz@region-stuttgart.example"),
        ("content/pages/gebaerdensprache.md", "text", "Bis es fertig ist, siehst du hier einen kurzen Platzhalter"),
        ("content/pages/gebaerdensprache.md", "captions",
         "media/dgs/so-ist-s-dgs.vtt: Platzhalter: Das Video in Deutscher Gebärdensprache (DGS) wird noch produziert"),
        ("content/pages/gebaerdensprache.md", "captions",
         "media/dgs/so-ist-s-dgs.vtt: Platzhalter: Hier kommt das Video in Deutscher Gebärdensprache"),
        ("content/pages/leichte-sprache.md", "text", "soists@region-stuttgart.example"),
        ("content/pages/mitmachen.md", "text", "soists@region-stuttgart.example"),
        ("content/pages/en/datenschutz.md", "text", "datenschutz@region-stuttgart.example"),
        ("content/pages/en/mitmachen.md", "text", "soists@region-stuttgart.example"),
    ]
    messages = dict(((path, field, value_of(m)), m) for path, field, m in found)
    assert "§ 5 Abs. 1 Nr. 6 DDG" in messages[(NO_FILE, "operator.vat_id", "")]
    assert "§ 18 Abs. 2 MStV" in messages[(NO_FILE, "responsible.name", "Redaktion So ist S")]
    assert messages[("content/pages/mitmachen.md", "text", "soists@region-stuttgart.example")].endswith(
        f"{EXAMPLE} (the page shows [[contact.campaign]]: set contact.campaign in the settings file)")
    assert VIDEO in messages[("content/pages/gebaerdensprache.md", "text",
                              "Bis es fertig ist, siehst du hier einen kurzen Platzhalter")]
    assert not (tmp_path / "out" / "index.html").exists()  # stopped before writing


def test_a_settings_file_with_placeholders_and_an_example_siteurl_are_refused(tmp_path):
    settings = tmp_path / "site.toml"
    settings.write_text(SETTINGS.read_text(encoding="utf-8").replace(
        'vat_id = "DE812345678"', 'vat_id = "set-SOISTS_VAT_ID"').replace(
        'phone = "+49 711 22835-0"', 'phone = ""'), encoding="utf-8")
    result = production_build(tmp_path / "out", content=minimal_content(tmp_path), settings=settings,
                              siteurl="https://so-ist-s.example")
    found = [(path, field, value_of(message)) for path, field, message in problems(result.stdout + result.stderr)]
    assert result.returncode != 0
    assert found == [(str(settings), "operator.vat_id", "set-SOISTS_VAT_ID"),
                     (str(settings), "operator.phone", ""),
                     ("publishconf.py", "SITEURL", "so-ist-s.example"),
                     ("publishconf.py", "FEED_DOMAIN", "so-ist-s.example")]


def test_a_page_without_the_impressum_template_is_refused(tmp_path):
    content = minimal_content(tmp_path)
    (content / "pages" / "impressum.md").write_text("Title: Impressum\nSlug: impressum\n\nAnschrift …\n")
    result = production_build(tmp_path / "out", content=content, settings=SETTINGS)
    found = problems(result.stdout + result.stderr)
    assert [(path, field) for path, field, _ in found] == [("content/pages/impressum.md", "template")]


@pytest.fixture(scope="module")
def ready_site(tmp_path_factory) -> Path:
    """The demo content made ready (finished sign language video) with the test settings file."""
    folder = tmp_path_factory.mktemp("production")
    result = production_build(folder / "out", content=ready_content(folder), settings=SETTINGS)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return folder / "out"


def test_production_build_with_real_values_passes_and_the_impressum_shows_them(ready_site):
    article = soup(ready_site / "impressum/index.html").select_one("article")
    text = " ".join(article.get_text(" ").split())
    for value in ("Wirtschaftsförderung Region Stuttgart GmbH", "Friedrichstraße 10", "70174 Stuttgart",
                  "Vertreten durch: Dr. Maria Beispielmann (Geschäftsführerin)", "Registergericht: Amtsgericht Stuttgart",
                  "Registernummer: HRB 765432", "gemäß § 27a Umsatzsteuergesetz: DE812345678", "Telefon: +49 711 22835-0",
                  "E-Mail: info@region-stuttgart.de", "Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV",
                  "Jana Testerle"):
        assert value in text.replace("\xa0", " "), value
    assert article.select_one('a[href="tel:+49711228350"]') is not None
    assert article.select_one('a[href="mailto:info@region-stuttgart.de"]') is not None


def test_every_page_carries_the_real_addresses_and_no_placeholder(ready_site):
    privacy = soup(ready_site / "datenschutz/index.html").select_one("article")
    assert privacy.select_one('a[href="mailto:datenschutz@region-stuttgart.de"]') is not None
    assert "Wirtschaftsförderung Region Stuttgart GmbH, Friedrichstraße 10, 70174 Stuttgart" in privacy.get_text()
    assert soup(ready_site / "mitmachen/index.html").select_one('a[href="mailto:soists@region-stuttgart.de"]')
    for page in sorted(ready_site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for placeholder in ("region-stuttgart.example", "[[", "set-SOISTS_", "Platzhalter"):
            assert placeholder not in html, (page, placeholder)
    assert f"{SITEURL}/kommunen/" in (ready_site / "sitemap.xml").read_text()
