"""A missing, empty or whitespace-only title stops the build, naming file and field, for every
content type; the problem is listed once even where two plugins check it (events)."""

from __future__ import annotations

from demo.artwork import render_scene, save_jpeg
from tests.community.smallsite import build, make_content


def write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_empty_titles_are_content_problems(tmp_path):
    content = make_content(tmp_path)
    save_jpeg(render_scene(3, (600, 400)), content / "images" / "p.jpg", quality=80)
    write(content / "articles" / "leer.md", "Title:    \nDate: 2026-10-01\n\nText.\n")
    write(content / "articles" / "ohne.md", "Date: 2026-10-01\n\nText.\n")
    write(content / "articles" / "menschen" / "anna.md",
          "Title: \nDate: 2026-10-01\nCategory: Menschen in der Region\nFirstname: Anna\nQuote: Schön hier.\n"
          "Municipality: plochingen\nImage: images/p.jpg\nAlt: Anna am Neckar\n\nText.\n")
    write(content / "pages" / "leer.md", "Title: \t\nSlug: leer\n\nText.\n")
    write(content / "kommunen" / "plochingen.md", "Title:  \n\nPlochingen liegt am Neckar.\n")
    write(content / "events" / "leer.md",
          "Title: \nUid: leer-2026@so-ist-s.test\nStart: 2026-12-03 18:00\nDuration: 2h\nCategory: netzwerk\n"
          "Location: Rathaus\nAddress: Marktplatz 1, 73207 Plochingen\n\nText.\n")
    result = build(content, tmp_path / "output", tmp_path / "cache")
    assert result.returncode != 0
    report = result.stdout + result.stderr
    for path in ("articles/leer.md", "articles/ohne.md", "articles/menschen/anna.md", "pages/leer.md",
                 "kommunen/plochingen.md", "events/leer.md"):
        assert f"content/{path}: field 'title': is empty; expected a non-empty title" in report, (path, report[-3000:])
    assert report.count("content/events/leer.md: field 'title'") == 1
