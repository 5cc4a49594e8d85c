"""The search index in shards (plugins/search_index.py): the same pages as one index, only the
shard of an edited page is indexed again, and the search page finds pages of every shard."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from plugins import search_index
from plugins.search_index import SHARD_LIST, shard_folder
from tests.community.smallsite import add_post, build, make_content, sample_post
from tests.site.test_reproducible import SEARCH_INDEX

ARTICLES = 14
WORDS = ["Apfelblüte", "Brezelbäcker", "Citybahn", "Dachgarten", "Eselsweg", "Fährhaus", "Glockenturm",
         "Hopfengarten", "Inselbad", "Jugendhaus", "Kelterplatz", "Lindenallee", "Mühlkanal", "Nachtmarkt"]


def content_with_articles(tmp_path: Path) -> Path:
    content = make_content(tmp_path)
    add_post(content, sample_post())
    (content / "articles").mkdir()
    for number, word in enumerate(WORDS[:ARTICLES]):
        (content / "articles" / f"artikel-{number:02d}.md").write_text(
            f"Title: Artikel {number}\nDate: 2026-04-{number + 1:02d} 09:00\nCategory: Region\n"
            f"Summary: Kurz gesagt: Artikel {number}.\n\nEin Absatz über den {word} in der Region.\n",
            encoding="utf-8")
    return content


def fragments(site: Path) -> list[str]:
    bundles = [site / SEARCH_INDEX] + [site / SEARCH_INDEX / name for name in shard_list(site)]
    return sorted(p.name for bundle in bundles for p in (bundle / "fragment").iterdir())


def shard_list(site: Path) -> list[str]:
    return json.loads((site / SEARCH_INDEX / SHARD_LIST).read_text(encoding="utf-8"))["bundles"]


def entry_inodes(cache_root: Path) -> dict[str, int]:
    # not rglob: the last output, discarded beside the shards, is being deleted meanwhile (plugins/incremental)
    return {p.parent.name: p.stat().st_ino for p in cache_root.glob("*/search/shards/*/pagefind-entry.json")}


@pytest.fixture
def sharded(tmp_path, monkeypatch):
    monkeypatch.setenv("SOISTS_SEARCH_SHARD_PAGES", "4")
    content, images, output = content_with_articles(tmp_path), tmp_path / "images", tmp_path / "sharded"
    done = build(content, output, images)
    assert done.returncode == 0, done.stdout + done.stderr
    return content, images, output


def test_shards_hold_the_same_pages_as_one_index_and_only_an_edited_shard_is_rebuilt(sharded, tmp_path, monkeypatch):
    content, images, output = sharded
    others = shard_list(output)
    assert len(others) >= 3  # 14 articles, the post, municipalities and pages: several shards
    for number, name in enumerate(others, start=1):
        assert name == shard_folder(number).removeprefix(SEARCH_INDEX + "/") + "/"
        assert (output / SEARCH_INDEX / name / "pagefind-entry.json").is_file()
    monkeypatch.setenv("SOISTS_SEARCH_SHARD_PAGES", "100000")
    whole = tmp_path / "whole"
    assert build(content, whole, images).returncode == 0
    assert shard_list(whole) == []
    assert fragments(output) == fragments(whole)  # every page once, indexed as in one index

    monkeypatch.setenv("SOISTS_SEARCH_SHARD_PAGES", "4")
    cache_root = output.parent / f".{output.name}.build-cache"
    before = entry_inodes(cache_root)
    assert len(before) == len(others) + 1
    article = content / "articles" / "artikel-03.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nNeu: der Zwiebelkuchen.\n", encoding="utf-8")
    again = build(content, output, images)
    assert again.returncode == 0, again.stdout + again.stderr
    after = entry_inodes(cache_root)
    assert sorted(after) == sorted(before)
    assert sum(after[name] != before[name] for name in after) == 1  # one shard indexed again

    monkeypatch.setenv("SOISTS_SEARCH_SHARD_PAGES", "100000")
    fresh = tmp_path / "fresh"
    assert build(content, fresh, images).returncode == 0
    assert fragments(output) == fragments(fresh)


@pytest.mark.browser
def test_the_search_page_finds_pages_of_every_shard(sharded, serve_dir, page_390):
    _content, _images, output = sharded
    base = serve_dir(output)
    page_390.goto(base + "/suche/", wait_until="load")
    search = page_390.locator(".pagefind-ui__search-input")
    for number, word in enumerate(WORDS[:ARTICLES]):
        search.fill(word)
        page_390.locator(f'.pagefind-ui__result-link[href$="/artikel-{number:02d}/"]').first.wait_for(timeout=10_000)
    assert page_390.console_errors == []
    assert page_390.foreign_requests == []


def test_empty_shards_are_left_out_and_a_site_without_search_pages_is_named(tmp_path):
    from plugins.search_index import SearchIndexFailed, assign, update

    pages = [(f"artikel/{number}/index.html", "x") for number in range(5)]
    count, groups = assign(pages, 1)  # five shards asked for, hashing may leave some empty
    assert count == 5 and all(groups) and sum(map(len, groups)) == 5
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<html><body><p>Ohne Suche</p></body></html>", encoding="utf-8")
    with pytest.raises(SearchIndexFailed, match="data-pagefind-body"):
        update(tmp_path / "site", tmp_path / "cache")


def test_the_preview_indexes_in_the_background_through_the_same_shards(tmp_path):
    import time

    from plugins.preview.__main__ import SearchIndexer

    site = tmp_path / "output"
    for number, word in enumerate(WORDS[:3]):
        page = site / "artikel" / f"artikel-{number:02d}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f'<html lang="de"><body><main data-pagefind-body><h1>{word}</h1></main></body></html>',
                        encoding="utf-8")
    indexer = SearchIndexer(site)
    indexer.request()
    deadline = time.monotonic() + 60
    while not (site / SEARCH_INDEX / SHARD_LIST).is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert shard_list(site) == []
    assert len(list((site / SEARCH_INDEX / "fragment").iterdir())) == 3


def test_the_site_keeps_unchanged_shards_and_replaces_a_changed_one_whole(tmp_path):
    """update() into a site that already holds the index: only the changed shard's files are
    replaced (no relinking of every shard), and none of its old fragments stays behind."""
    from plugins.search_index import update

    site = tmp_path / "site"

    def write(number: int, text: str) -> None:
        page = site / "artikel" / f"artikel-{number:02d}" / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f'<html lang="de"><body><main data-pagefind-body><h1>{text}</h1></main></body></html>',
                        encoding="utf-8")

    for number, word in enumerate(WORDS[:6]):
        write(number, word)
    assert update(site, tmp_path / "cache", per_shard=2).built >= 2
    shards = [site / SEARCH_INDEX] + [site / SEARCH_INDEX / name for name in shard_list(site)]
    def placed() -> dict[Path, tuple[int, int]]:  # a folder made again has a new inode
        return {bundle: (bundle.stat().st_ino, (bundle / "pagefind-entry.json").stat().st_ino) for bundle in shards}

    before = placed()
    write(3, "Zwiebelkuchen")
    done = update(site, tmp_path / "cache", per_shard=2)
    assert done.built == 1
    after = placed()
    changed = [bundle for bundle in shards if after[bundle][1] != before[bundle][1]]
    assert len(changed) == 1  # one shard's files replaced
    assert all(after[bundle][0] == before[bundle][0] for bundle in shards if bundle not in changed)  # kept in place
    assert sorted(fragments(site)) == sorted(p.name for p in (tmp_path / "cache" / "shards").glob("*/fragment/*"))


@pytest.mark.parametrize("html, indexed", [
    (b'<main data-pagefind-body>', True),
    (b'<main class="x" data-pagefind-body="">', True),
    (b'<div\n\tdata-pagefind-body/>', True),
    (b'<main id=a data-pagefind-body\n>', True),
    (b'<p>data-pagefind-body</p>', False),  # text, not an attribute
    (b'<main data-pagefind-bodyx>', False),
    (b'<main xdata-pagefind-body>', False),
    (b'<main> data-pagefind-body', False),
    (b'data-pagefind-body <main data-pagefind-body>', True),
    (b'<a title="x"> <b data-pagefind-body >', True),
    (b' data-pagefind-body>', False),  # no tag opened before it
    (b'<main data-pagefind-body', False),  # the file ends before the attribute does
    (b'', False),
])
def test_a_page_is_indexed_when_an_element_carries_data_pagefind_body(html, indexed):
    """The scan before every index run reads each page of the site: the marker is looked for as a
    plain substring first (a regular expression starting at every "<" cost 0.6 s on 7,000 pages);
    the answer is that of the pattern it replaces."""
    assert search_index.indexed_page(html) is indexed
    assert bool(re.search(rb"<[^>]*\sdata-pagefind-body[\s=>/]", html)) is indexed
