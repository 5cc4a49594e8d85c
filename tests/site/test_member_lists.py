"""plugins/member_lists.py: `in` by identity through a set, the same answers and the same site."""

from __future__ import annotations

import json
import random

import pytest

from plugins.member_lists import MemberList
from tests.community.smallsite import build, make_content
from tests.conftest import ROOT
from tests.site.test_reproducible import SEARCH_INDEX, differing


class Item:
    pass


def test_membership_answers_as_a_list_does_through_every_change():
    rng = random.Random(7)
    pool = [Item() for _ in range(40)]
    plain: list = []
    member = MemberList()
    for _ in range(2000):
        operation = rng.choice(["append", "remove", "insert", "set", "pop", "extend", "clear", "delete"])
        item = rng.choice(pool)
        if operation == "append":
            plain.append(item), member.append(item)
        elif operation == "remove" and item in plain:
            plain.remove(item), member.remove(item)
        elif operation == "insert":
            plain.insert(3, item), member.insert(3, item)
        elif operation == "set" and plain:
            plain[0] = item
            member[0] = item
        elif operation == "pop" and plain:
            plain.pop(), member.pop()
        elif operation == "extend":
            plain.extend(pool[:2]), member.extend(pool[:2])
        elif operation == "clear" and rng.random() < 0.05:
            plain.clear(), member.clear()
        elif operation == "delete" and plain:
            del plain[-1]
            del member[-1]
        probe = rng.choice(pool)
        assert (probe in member) == (probe in plain)
        assert list(member) == plain
    # elements or probes with their own equality: the list's own test
    numbers = MemberList([1, 2, 3])
    assert 2.0 in numbers and 5 not in numbers
    assert "x" not in MemberList([Item()])


class Piece:
    """What process_translations reads of a content object."""

    def __init__(self, slug: str, lang: str, translation: str | None, path: str) -> None:
        self.slug, self.lang, self.in_default_lang = slug, lang, lang == "de"
        self.metadata = {"translation": translation} if translation else {}
        self.source_path = path


def pieces(seed: int, folder: str) -> list[Piece]:
    """Pelican's log filter drops a message seen before: each side names its own files."""
    rng = random.Random(seed)
    return [Piece(slug := f"s{rng.randint(0, 30)}", rng.choice(["de", "de", "en"]), rng.choice([None, None, "true"]),
                  f"{folder}/{slug}-{number}.md") for number in range(120)]


def paths(items, folder: str) -> list[str]:
    return [item.source_path.removeprefix(folder) for item in items]


def test_translations_are_split_as_pelican_splits_them(caplog):
    from pelican.utils import process_translations as pelican_version

    from plugins.member_lists import process_translations

    for seed in range(5):
        mine, pelicans = f"ours{seed}", f"pelican{seed}"
        ours, theirs = pieces(seed, mine), pieces(seed, pelicans)
        caplog.clear()
        index, translations = process_translations(ours, "slug")
        our_warnings = [record.getMessage().replace(mine, "") for record in caplog.records]
        caplog.clear()
        their_index, their_translations = pelican_version(theirs, "slug")
        assert our_warnings == [record.getMessage().replace(pelicans, "") for record in caplog.records]
        assert our_warnings  # duplicates, all-translation groups, several originals: all warned
        assert paths(index, mine) == paths(their_index, pelicans)
        assert paths(translations, mine) == paths(their_translations, pelicans)
        assert [paths(p.translations, mine) for p in ours] == [paths(p.translations, pelicans) for p in theirs]
    assert process_translations(pieces(1, "x"), None)[1] == []
    with pytest.raises(AttributeError, match="translation_id"):
        process_translations(pieces(1, "y"), "missing")


def test_the_site_is_the_same_with_and_without_member_lists(tmp_path):
    content = make_content(tmp_path)
    (content / "articles").mkdir()
    for number in range(12):
        tags = ", ".join(["Neckar", "Wein", "Rad"][: 1 + number % 3])
        (content / "articles" / f"a{number:02d}.md").write_text(
            f"Title: Artikel {number}\nDate: 2026-03-{number + 1:02d} 10:00\nCategory: {['Region', 'Kultur'][number % 2]}\n"
            f"Tags: {tags}\nAuthor: {['Eva', 'Jonas'][number % 2]}\nSummary: Kurz {number}.\n\nText {number}.\n",
            encoding="utf-8")
    settings = {}
    exec((ROOT / "pelicanconf.py").read_text(encoding="utf-8"), {"__file__": str(ROOT / "pelicanconf.py")}, settings)
    without = [name for name in settings["PLUGINS"] if name != "plugins.member_lists"]
    assert len(without) == len(settings["PLUGINS"]) - 1
    first, second = tmp_path / "with", tmp_path / "without"
    assert build(content, first, tmp_path / "images").returncode == 0
    done = build(content, second, tmp_path / "images", {"PLUGINS": without})
    assert done.returncode == 0, done.stderr[-2000:]
    assert any(first.glob("tag/*/index.html")) or any(first.rglob("*neckar*"))
    assert [path for path in differing(first, second) if not path.startswith(SEARCH_INDEX + "/")] == []
    assert json.loads((first / SEARCH_INDEX / "shards.json").read_text()) == {"bundles": []}
