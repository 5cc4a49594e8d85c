"""plugins.files.files_below lists what Path.rglob finds, in the same order, faster."""

from __future__ import annotations

from pathlib import Path

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
