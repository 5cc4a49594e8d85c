"""plugins.files.files_below lists what Path.rglob finds, in the same order, faster."""

from __future__ import annotations

import os
import time
from pathlib import Path

from plugins import files
from plugins.files import files_below


def test_same_files_and_order_as_sorted_rglob(tmp_path):
    for relative in ("index.html", "a/index.html", "a-b/index.html", "a/b/index.html", "en/a/index.html",
                     "a/feed.xml", "img/x.JPG", "img/.hidden.jpg", "z/Ü/index.html"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x", encoding="utf-8")
    expected = [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*.html"))]
    assert files_below(tmp_path, (".html",)) == expected
    assert files_below(tmp_path / "img", (".jpg",)) == [".hidden.jpg", "x.JPG"]
    assert len(files_below(tmp_path)) == 9
    assert files_below(tmp_path / "missing", (".html",)) == []
    assert files_below(Path(str(tmp_path) + "/"), (".html",)) == expected


def _tree(root: Path, relatives: list[str], age_seconds: float = 0) -> None:
    for relative in relatives:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("x", encoding="utf-8")
    if age_seconds:  # folders last changed a while ago, as the preview's output between saves
        moment = time.time() - age_seconds
        for folder in [root, *(path for path in root.rglob("*") if path.is_dir())]:
            os.utime(folder, (moment, moment))


def _counting_scandir(monkeypatch) -> list[str]:
    listed: list[str] = []
    real = os.scandir

    def scandir(path):
        listed.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(files.os, "scandir", scandir)
    return listed


def test_kept_listings_list_again_only_the_folders_that_changed(tmp_path, monkeypatch):
    """The preview walks its output after every save (sitemap, English orphans): with kept
    listings an unchanged folder costs one stat, not a listing; a folder whose entries changed
    (its modification time moved) is listed again."""
    _tree(tmp_path, ["a/index.html", "b/index.html", "en/a/index.html", "index.html"], age_seconds=3600)
    memo = files.FolderListings()
    listed = _counting_scandir(monkeypatch)
    assert files_below(tmp_path, (".html",), memo) == ["a/index.html", "b/index.html", "en/a/index.html", "index.html"]
    assert len(listed) == 5
    listed.clear()
    assert files_below(tmp_path, (".html",), memo) == ["a/index.html", "b/index.html", "en/a/index.html", "index.html"]
    assert listed == []

    (tmp_path / "b" / "index.html").unlink()
    (tmp_path / "b" / "feed.html").write_text("x", encoding="utf-8")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "index.html").write_text("x", encoding="utf-8")
    expected = [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*.html"))]
    listed.clear()
    assert files_below(tmp_path, (".html",), memo) == expected
    assert sorted(listed) == sorted([str(tmp_path), str(tmp_path / "b"), str(tmp_path / "c")])


def test_a_folder_changed_within_the_last_moments_is_not_trusted(tmp_path, monkeypatch):
    """File times tick coarsely: a file added in the same tick as the listing leaves the folder's
    time as it was. A folder changed in the last seconds is therefore listed again every time."""
    _tree(tmp_path, ["a/index.html"])
    memo = files.FolderListings()
    assert files_below(tmp_path, (".html",), memo) == ["a/index.html"]
    stat = os.stat(tmp_path / "a")
    (tmp_path / "a" / "feed.html").write_text("x", encoding="utf-8")
    os.utime(tmp_path / "a", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same tick as the listing
    assert files_below(tmp_path, (".html",), memo) == ["a/feed.html", "a/index.html"]


def test_kept_listings_see_a_folder_replaced_by_a_file_and_links_as_before(tmp_path):
    _tree(tmp_path, ["a/index.html", "b/x.html"], age_seconds=3600)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    memo = files.FolderListings()
    assert files_below(tmp_path, (".html",), memo) == ["a/index.html", "b/x.html"]
    (tmp_path / "b" / "x.html").unlink()
    (tmp_path / "b").rmdir()
    (tmp_path / "b.html").write_text("x", encoding="utf-8")
    assert files_below(tmp_path, (".html",), memo) == ["a/index.html", "b.html"]
    assert files_below(tmp_path, None, memo) == ["a/index.html", "b.html"]
