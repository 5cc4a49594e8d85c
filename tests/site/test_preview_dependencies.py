"""The live preview (plugins/preview) after edits that reach a page from another file: an
event linking an article ({filename}) whose address changes, a change to the municipality
data file, a translation in the theme's catalog and the stylesheet, a template. The random edits of test_preview.py seldom hit these, so each is a fixed script
here; afterwards the served folder must be file for file what a fresh full build writes.

Run as a script by the tests (the session's Pelican and its signal receivers then live in
their own process, as in test_preview.py):

    python -m tests.site.test_preview_dependencies SCRIPT CONTENT THEME OUTPUT SETTINGS_JSON
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from bench import edits
from tests.conftest import ROOT
from tests.site.test_preview import assert_same_as_a_fresh_build, run_preview_script

EVENT = "events/netzwerk-transformation-ludwigsburg.md"
ARTICLE = "articles/green-tech-region.md"
MOVED_POST = "community/2026-06-01-stuttgart.md"


def link_then_move_article(content: Path, _theme: Path) -> Iterator[str]:
    """Two saves: the event links the article, then the article gets a new slug and title."""
    edits.append_text(content / EVENT, f"Mehr dazu: [Green Tech]({{filename}}/{ARTICLE})")
    yield "event links the article"
    edits.set_field(content / ARTICLE, "Slug", "green-tech-neu")
    edits.set_field(content / ARTICLE, "Title", "Green Tech neu betitelt")
    yield "article slug and title changed"


def rename_municipality(content: Path, _theme: Path) -> Iterator[str]:
    """One save of the data file: Ludwigsburg (named by two events) gets another name."""
    edits.replace_text(content / "data" / "municipalities.csv", ",Ludwigsburg,ludwigsburg,",
                       ",Ludwigsburg (Kreisstadt),ludwigsburg,")
    yield "municipalities.csv: Ludwigsburg renamed"


def theme_catalog_and_stylesheet(_content: Path, theme: Path) -> Iterator[str]:
    """Two saves in the theme: a translation in en.po (the English pages say it after one
    full render, without a restart), then the stylesheet alone (copied; no page changes)."""
    edits.replace_text(theme / "translations" / "en.po", 'msgid "Termine"\nmsgstr "Events"',
                       'msgid "Termine"\nmsgstr "Dates and events"')
    yield "theme: en.po translation changed"
    edits.append_text(theme / "static" / "css" / "site.css", ".preview-test { color: #123456; }")
    yield "static: site.css changed"


def templates(_content: Path, theme: Path) -> Iterator[str]:
    """Two template saves, nothing forgotten: each output follows the sources of the templates
    it is made with. The home page's event teaser (the home page and its English twin only),
    then base.html (every page)."""
    edits.replace_text(theme / "templates" / "partials" / "event_teaser.html", '<ul class="event-list event-list--teaser">',
                       '<ul class="event-list event-list--teaser" data-teaser="neu">')
    yield "templates: event_teaser.html changed"
    edits.replace_text(theme / "templates" / "base.html", "</body>", "<!-- neu --></body>")
    yield "templates: base.html changed"


def move_post(content: Path, _theme: Path) -> Iterator[str]:
    """One save: a community post from Stuttgart is credited to Plochingen instead."""
    edits.set_field(content / MOVED_POST, "Municipality", "plochingen")
    yield "post moved to another municipality"


def edit_one_event(content: Path, _theme: Path) -> Iterator[str]:
    """A save that changes nothing, then a new time for one event."""
    yield "nothing changed"
    edits.set_field(content / EVENT, "Start", "2026-09-17 18:30")
    yield "one event edited"


SCRIPTS = {"events": edit_one_event, "links": link_then_move_article, "data": rename_municipality, "theme": theme_catalog_and_stylesheet,
           "templates": templates, "post": move_post}


def main(script: str, content: Path, theme: Path, output: Path, overrides: dict) -> None:
    from plugins.events import generator
    from plugins.preview.session import PreviewSession, preview_settings

    parsed: list[str] = []
    parse_event = generator.parse_event
    generator.parse_event = lambda source, *args: parsed.append(source) or parse_event(source, *args)

    session = PreviewSession(preview_settings(str(ROOT / "pelicanconf.py"), content, output,
                                              {"THEME": str(theme), **overrides}))
    first = session.run()
    assert first.error is None, first.error
    for done in SCRIPTS[script](content, theme):
        if done.startswith("theme:"):  # as `python -m plugins.preview` does for translation catalogs
            session.forget_outputs()
        parsed.clear()
        outcome = session.run()
        assert outcome.error is None, f"{done}: {outcome.error}"
        print(json.dumps({"edit": done, "rendered": len(outcome.rendered), "outputs": sorted(outcome.rendered),
                          "parsed_events": parsed}), flush=True)
    session.close()


def preview_equals_fresh_build(tmp_path: Path, script: str) -> None:
    run = run_preview_script(tmp_path, "tests.site.test_preview_dependencies", first=(script,))
    assert_same_as_a_fresh_build(run.served, run.content, run.theme, run.settings, tmp_path / "fresh", run.stdout)


def test_event_page_follows_the_new_address_of_an_article_it_links(tmp_path):
    preview_equals_fresh_build(tmp_path, "links")


def test_translation_and_stylesheet_changes_reach_the_site(tmp_path):
    preview_equals_fresh_build(tmp_path, "theme")
    served = tmp_path / "served"
    assert "Dates and events" in (served / "en" / "termine" / "index.html").read_text(encoding="utf-8")
    assert ".preview-test" in (served / "theme" / "css" / "site.css").read_text(encoding="utf-8")


def test_a_template_change_renders_the_pages_made_with_it(tmp_path):
    run = run_preview_script(tmp_path, "tests.site.test_preview_dependencies", first=("templates",))
    steps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert 1 <= steps[0]["rendered"] <= 3  # the pages of the home page list (English twins come with them)
    assert steps[1]["rendered"] > 100
    assert_same_as_a_fresh_build(run.served, run.content, run.theme, run.settings, tmp_path / "fresh", run.stdout)


def test_a_post_moved_to_another_municipality_renders_those_two_municipalities_not_all(tmp_path):
    """Every municipality page was once given the coverage figures of all 179 (which only the
    overview shows): moving one post re-rendered all of them, 34 s at 5,000 files."""
    run = run_preview_script(tmp_path, "tests.site.test_preview_dependencies", first=("post",))
    outputs = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")][0]["outputs"]
    municipalities = {path for path in outputs if path.startswith("kommunen/") and path.count("/") == 2}
    assert municipalities == {"kommunen/stuttgart/index.html", "kommunen/plochingen/index.html"}, outputs
    assert "kommunen/index.html" in outputs  # the overview's map shows how often each was featured
    assert_same_as_a_fresh_build(run.served, run.content, run.theme, run.settings, tmp_path / "fresh", run.stdout)


def test_the_preview_parses_only_the_events_whose_file_changed(tmp_path):
    """Parsing every event's dates again was a tenth of each preview pass (1,500 events)."""
    run = run_preview_script(tmp_path, "tests.site.test_preview_dependencies", first=("events",))
    unchanged, edited = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert unchanged["parsed_events"] == [] and unchanged["rendered"] == 0
    assert [Path(source).name for source in edited["parsed_events"]] == [Path(EVENT).name]
    assert_same_as_a_fresh_build(run.served, run.content, run.theme, run.settings, tmp_path / "fresh", run.stdout)


def test_municipality_data_change_reaches_the_pages_that_show_it(tmp_path):
    preview_equals_fresh_build(tmp_path, "data")


if __name__ == "__main__":
    name, content_dir, theme_dir, output_dir, settings_json = sys.argv[1:6]
    main(name, Path(content_dir), Path(theme_dir), Path(output_dir), json.loads(settings_json))
