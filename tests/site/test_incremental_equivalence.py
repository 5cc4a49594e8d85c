"""An incremental production build writes the same files as a full build of the same sources,
and renders only a small part of the outputs (plugins/incremental/render.py).

The demo content and the theme are copied; one build into `site` leaves the dependency record.
Then, one edit after the other, the same build command runs into `site` again (incremental)
and into a fresh folder (full build, its own empty cache); both folders are compared file by
file, Pagefind's bundle as tests/site/test_reproducible.py compares it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import ROOT, build_site
from tests.site.test_reproducible import SEARCH_INDEX, differing


def build(output: Path, content: Path, theme: Path) -> dict:
    """Run the build command; returns the dependency record it left."""
    done = build_site(output, content=content, extra=["-e", f'THEME="{theme}"'])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    records = list((output.parent / f".{output.name}.build-cache").glob("*/dependencies.json"))
    assert len(records) == 1
    return json.loads(records[0].read_text(encoding="utf-8"))


def assert_same_site(incremental: Path, full: Path) -> None:
    assert [path for path in differing(incremental, full) if not path.startswith(SEARCH_INDEX + "/")] == []
    fragments = sorted(p.name for p in (incremental / SEARCH_INDEX / "fragment").iterdir())
    assert fragments == sorted(p.name for p in (full / SEARCH_INDEX / "fragment").iterdir())


def edit_body(content: Path, theme: Path) -> None:
    article = content / "articles" / "green-tech-region.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nEin neuer Absatz nach dem Commit.\n",
                       encoding="utf-8")


def change_title(content: Path, theme: Path) -> None:
    article = content / "articles" / "green-tech-region.md"
    text = article.read_text(encoding="utf-8")
    text = text.replace("Title: Green Tech: Klimaschutz made in der Region Stuttgart", "Title: Aaa – Green Tech neu")
    article.write_text(text.replace("Date: 2026-08-18 11:00", "Date: 2026-01-03 09:00"), encoding="utf-8")


def add_article(content: Path, theme: Path) -> None:
    (content / "articles" / "neuer-artikel.md").write_text(
        "Title: Ein neuer Artikel über Ostfildern\nDate: 2026-09-01 10:00\nCategory: Wirtschaft\n"
        "Tags: Strategie\nMunicipality: ostfildern\nSummary: Kurz und neu.\n\nDer Text des neuen Artikels.\n",
        encoding="utf-8")


def delete_article(content: Path, theme: Path) -> None:
    (content / "articles" / "instawalk-plochingen.md").unlink()


def change_event(content: Path, theme: Path) -> None:
    event = content / "events" / "expo-real-2026.md"
    text = event.read_text(encoding="utf-8").replace("location: Messe München", "location: Messe München, Halle B1")
    event.write_text(text.replace("end: 2026-10-07", "end: 2026-10-08"), encoding="utf-8")


def change_partial(content: Path, theme: Path) -> None:
    partial = theme / "templates" / "partials" / "event_teaser.html"
    partial.write_text(partial.read_text(encoding="utf-8") + '<p class="hint">Alle Termine im Kalender.</p>\n',
                       encoding="utf-8")


EDITS = [edit_body, change_title, add_article, delete_article, change_event, change_partial]


def test_incremental_build_equals_full_build_after_each_edit(tmp_path):
    content, theme = tmp_path / "content", tmp_path / "theme"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "theme", theme)
    first = build(tmp_path / "site", content, theme)
    total = len(first["records"])
    assert first["rendered"] == total > 500 and first["kept"] == 0
    for number, edit in enumerate(EDITS):
        edit(content, theme)
        record = build(tmp_path / "site", content, theme)
        fresh = tmp_path / f"full-{number}"
        full = build(fresh, content, theme)
        assert full["rendered"] == len(full["records"]) and full["kept"] == 0, edit.__name__
        assert_same_site(tmp_path / "site", fresh)
        assert len(record["records"]) == len(full["records"]), edit.__name__
        assert 0 < record["rendered"] < total / 10, (edit.__name__, record["rendered"], total)
        assert record["kept"] == len(record["records"]) - record["rendered"]
        shutil.rmtree(fresh)
