"""The same input gives the same bytes: two builds of the demo a minute apart (the clock moved
with time-machine inside the build process) write identical files. Stamps come from the content
(an event file's last commit or change, a feed's newest entry, the registry's last change),
never from the clock.

Pagefind's index is the one exception (compared apart below): Pagefind 1.5 writes the values
of a filter in the order of a randomly seeded hash map, so its filter file, the meta file named
after the hashes and the entry file differ between two runs on the same pages, also on one
folder indexed twice. Every page, feed, calendar and image is compared byte for byte.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

from plugins import source_dates
from tasks import pelican_args
from tests.conftest import ROOT

CLOCKED_BUILD = """
import sys, time_machine
from datetime import datetime
with time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=True):
    from pelican import main
    sys.argv = ["pelican", *sys.argv[2:]]
    main()
"""
SEARCH_INDEX = "pagefind"


def build_at(moment: str, output: Path) -> None:
    args = pelican_args(output)[2:]  # after "python plugins/build.py" (the Pelican arguments)
    env = {**os.environ, "SOISTS_BUILD_CACHE_DIR": str(output.parent / f".{output.name}.build-cache")}
    done = subprocess.run([sys.executable, "-c", CLOCKED_BUILD, moment, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def differing(left: Path, right: Path) -> list[str]:
    found = []

    def walk(compared: filecmp.dircmp, prefix: str) -> None:
        found.extend(prefix + name for name in compared.left_only + compared.right_only + compared.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(compared.left, compared.right, compared.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in compared.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right), "")
    return sorted(found)


def test_two_builds_a_minute_apart_are_byte_identical(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    build_at("2026-12-07T10:00:00+01:00", first)
    build_at("2026-12-07T10:01:01+01:00", second)
    files = [p for p in first.rglob("*") if p.is_file()]
    assert len(files) > 1000
    assert any(first.rglob("*.ics")) and any(first.glob("kommunen/*/feed.atom"))
    assert [path for path in differing(first, second) if not path.startswith(SEARCH_INDEX + "/")] == []
    # the search index: the same pages indexed (fragments are per page and identical)
    fragments = sorted(p.name for p in (first / SEARCH_INDEX / "fragment").iterdir())
    assert fragments == sorted(p.name for p in (second / SEARCH_INDEX / "fragment").iterdir())


def test_stamps_follow_the_sources_and_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    event = ROOT / "content" / "events" / "expo-real-2026.md"
    source_dates.forget()
    changed = source_dates.last_changed(event, ROOT / "content")
    log = subprocess.run(["git", "log", "-1", "--format=%ct", "--", str(event)], cwd=ROOT,
                         capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", str(event)], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    expected = int(event.stat().st_mtime) if dirty or not log else int(log)
    assert changed.timestamp() == expected
    outside = tmp_path / "termin.md"  # not in Git: its modification time
    outside.write_text("Title: x\n", encoding="utf-8")
    os.utime(outside, (1_700_000_000, 1_700_000_000))
    assert source_dates.last_changed(outside).timestamp() == 1_700_000_000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")  # caps every stamp
    assert source_dates.last_changed(outside).timestamp() == 1_600_000_000


def test_an_empty_article_feed_is_dated_by_the_content_not_the_clock(tmp_path):
    """A site without articles: Pelican still writes feeds/alle.atom.xml, and feedgenerator would
    stamp it with the clock. Built at a clock far from every file's date, it must carry the
    newest change of the content instead."""
    from xml.etree import ElementTree

    content = tmp_path / "content"
    content.mkdir()
    for child in (ROOT / "content").iterdir():
        if child.name != "articles":
            (content / child.name).symlink_to(child)
    output = tmp_path / "out"
    args = pelican_args(output, content=content)[2:]
    env = {**os.environ, "SOISTS_BUILD_CACHE_DIR": str(tmp_path / ".cache")}
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run([sys.executable, "-c", CLOCKED_BUILD, "2031-01-01T12:00:00+00:00", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    feed = ElementTree.parse(output / "feeds" / "alle.atom.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.findall(f"{atom}entry") == []
    updated = feed.find(f"{atom}updated").text
    assert not updated.startswith("2031"), updated
    source_dates.forget()
    expected = source_dates.newest_change([], content)
    assert updated.startswith(expected.strftime("%Y-%m-%dT%H:%M")), (updated, expected)


def test_a_linked_folder_and_file_are_dated_by_what_they_point_to_and_folders_resolved_once(tmp_path, monkeypatch):
    """last_changed runs for every event of every build and preview pass: the folder's real path
    is found once (it took seven lstat calls per event), a link to a file still counts as its target."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    real = tmp_path / "real"
    real.mkdir()
    for number in range(40):
        (real / f"termin-{number}.md").write_text("Title: x\n", encoding="utf-8")
        os.utime(real / f"termin-{number}.md", (1_700_000_000 + number, 1_700_000_000 + number))
    (tmp_path / "elsewhere.md").write_text("Title: y\n", encoding="utf-8")
    os.utime(tmp_path / "elsewhere.md", (1_650_000_000, 1_650_000_000))
    (real / "linked.md").symlink_to(tmp_path / "elsewhere.md")
    (tmp_path / "content").symlink_to(real)
    source_dates.forget()
    resolved: list[str] = []
    realpath = os.path.realpath
    monkeypatch.setattr(source_dates.os.path, "realpath", lambda path: resolved.append(path) or realpath(path))
    stamps = [source_dates.last_changed(tmp_path / "content" / f"termin-{number}.md", tmp_path / "content")
              for number in range(40)]
    assert [stamp.timestamp() for stamp in stamps] == [1_700_000_000 + number for number in range(40)]
    assert len(resolved) <= 3
    assert source_dates.last_changed(tmp_path / "content" / "linked.md", tmp_path / "content").timestamp() == 1_650_000_000
