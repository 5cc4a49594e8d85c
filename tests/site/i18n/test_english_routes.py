"""Pure parts of plugins/i18n: which pages have an English twin, how links on English pages are
pointed at it, and the English date labels (Europe/Berlin, en_GB)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from plugins.i18n.english import english_span
from plugins.i18n.routes import has_english, localize_links, orphans

PAGES = {"mitmachen/index.html"}


def test_which_pages_have_an_english_twin():
    assert has_english("index.html", PAGES) and has_english("kommunen/plochingen/index.html", PAGES)
    assert has_english("mitmachen/index.html", PAGES) and has_english("termine/2026/12/index.html", PAGES)
    assert not has_english("impressum/index.html", PAGES)  # no English text
    assert not has_english("artikel/x/index.html", PAGES)
    assert not has_english("en/kommunen/plochingen/index.html", PAGES)  # already English
    assert not has_english("termine/ics/alle.ics", PAGES)


def test_links_go_to_the_english_page_unless_marked_german_or_not_a_page():
    page = ('<a href="https://s.de/">Home</a> <a href="https://s.de/kommunen/x/">X</a> '
            '<a href="https://s.de/impressum/">Legal</a> <a href="https://s.de/termine/ics/alle.ics">ICS</a> '
            '<link rel="alternate" hreflang="de" href="https://s.de/kommunen/x/">'
            '<link rel="alternate" hreflang="x-default" href="https://s.de/kommunen/x/">'
            '<a href="https://other.example/kommunen/x/">other site</a>')
    assert localize_links(page, "https://s.de", PAGES) == (
        '<a href="https://s.de/en/">Home</a> <a href="https://s.de/en/kommunen/x/">X</a> '
        '<a href="https://s.de/impressum/">Legal</a> <a href="https://s.de/termine/ics/alle.ics">ICS</a> '
        '<link rel="alternate" hreflang="de" href="https://s.de/kommunen/x/">'
        '<link rel="alternate" hreflang="x-default" href="https://s.de/kommunen/x/">'
        '<a href="https://other.example/kommunen/x/">other site</a>')
    assert localize_links('<a href="/mitmachen/#foto">x</a>', "", PAGES) == '<a href="/en/mitmachen/#foto">x</a>'


def test_english_date_labels_in_berlin_time():
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 12, 12, 13, 0, tzinfo=ZoneInfo("UTC"))  # 14:00 in Berlin (CET)
    end = datetime(2026, 12, 12, 16, 0, tzinfo=berlin)
    assert english_span(start, end) == "Saturday, 12 December 2026, 2:00\u00a0pm\u2013\u20604:00\u00a0pm"
    assert english_span(date(2027, 10, 4), date(2027, 10, 4)) == "Monday, 4 October 2027, all day"
    summer = datetime(2027, 7, 6, 14, 0, tzinfo=ZoneInfo("UTC"))  # 16:00 in Berlin (CEST)
    assert english_span(summer, summer).startswith("Tuesday, 6 July 2027, 4:00\u00a0pm")


def test_english_pages_without_their_german_page_are_orphans(tmp_path):
    for name in ("kommunen/a/index.html", "en/kommunen/a/index.html", "en/wall/removed-post/index.html",
                 "impressum/index.html", "en/impressum/index.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<!doctype html>", encoding="utf-8")
    assert orphans(tmp_path, PAGES) == [tmp_path / "en/impressum/index.html",  # no English text (any more)
                                        tmp_path / "en/wall/removed-post/index.html"]  # the German page is gone


def test_the_orphan_walk_runs_only_where_an_earlier_build_can_have_left_pages(tmp_path, monkeypatch):
    """A build that began writing into an empty folder (fresh, DELETE_OUTPUT_DIRECTORY, or the last
    output moved aside) has only this build's pages: no walk over the output. Into a folder with
    an earlier build in it, a leftover English page still goes."""
    from types import SimpleNamespace

    import plugins.i18n as i18n
    from plugins import incremental

    monkeypatch.setattr(i18n.SITE, "english_pages", PAGES)
    pelican = SimpleNamespace(output_path=str(tmp_path), settings={})
    leftover = tmp_path / "en" / "wall" / "removed-post" / "index.html"

    def write_leftover():
        leftover.parent.mkdir(parents=True, exist_ok=True)
        leftover.write_text("<!doctype html>", encoding="utf-8")

    walks = []
    monkeypatch.setattr(i18n, "orphans", lambda *args: walks.append(args) or orphans(*args))
    state = incremental.BuildState(tmp_path, "", "", datetime.now(), kept=False)
    monkeypatch.setattr(incremental, "_state", state)
    write_leftover()
    state.started_empty = True
    i18n.remove_orphans(pelican)
    assert walks == [] and leftover.exists()
    state.started_empty = False
    i18n.remove_orphans(pelican)
    assert len(walks) == 1 and not leftover.exists()


def test_a_build_notes_whether_it_began_writing_into_an_empty_folder(tmp_path):
    from plugins import incremental

    assert incremental._empty(str(tmp_path / "missing"))
    assert incremental._empty(str(tmp_path))
    (tmp_path / ".hidden").write_text("x", encoding="utf-8")
    assert not incremental._empty(str(tmp_path))
