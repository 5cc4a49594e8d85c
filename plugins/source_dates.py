"""When a source file last changed, for stamps that must not be the build time (reproducible
builds: the same input gives the same bytes, so a deploy copies only what changed and calendar
clients see no change that did not happen).

A file's last change is its last commit time where Git knows the file and it is unchanged since
(the same in every clone), else its modification time. `SOURCE_DATE_EPOCH`
(reproducible-builds.org) caps every stamp. Git is asked once per folder and process: one
`git log` for the commit times, one `git status` for the files changed since.

As a plugin it also dates Pelican's own feeds when they are empty (a site without articles):
feedgenerator would write the clock's time as `<updated>`; here it is the newest change of the
article folders' files (or of the content folder's, when there are none).
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from feedgenerator import SyndicationFeed
from pelican import signals

GIT_TIMEOUT_S = 30


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-c", "core.quotePath=false", "-C", str(folder), *args],
                              capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def parse_log(text: str, top: Path) -> dict[str, int]:
    """`git log --format=@%ct --name-only` → {absolute path: newest commit time}."""
    times: dict[str, int] = {}
    current = 0
    for line in text.splitlines():
        if line.startswith("@") and line[1:].isdigit():
            current = int(line[1:])
        elif line:
            times.setdefault(str(top / line), current)  # newest first: the first time seen wins
    return times


def parse_status(text: str, top: Path) -> set[str]:
    """`git status --porcelain -z` → absolute paths changed (or unknown) since the last commit."""
    changed = set()
    entries = text.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        changed.add(str(top / entry[3:]))
        if entry[0] in "RC":  # a rename names its source next
            changed.add(str(top / entries[index]))
            index += 1
    return changed


@lru_cache(maxsize=16)
def _committed(folder: str) -> tuple[dict[str, int], frozenset[str]]:
    """Commit times of the files below `folder` and the files changed since; empty outside Git."""
    top_text = _git(Path(folder), "rev-parse", "--show-toplevel")
    if not top_text:
        return {}, frozenset()
    top = Path(top_text.strip())
    log = _git(top, "log", "--format=@%ct", "--name-only", "--no-renames", "--", folder)
    status = _git(top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", folder)
    if log is None or status is None:
        return {}, frozenset()
    return parse_log(log, top), frozenset(parse_status(status, top))


def epoch_cap() -> int | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None


@lru_cache(maxsize=4096)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def _real_file(path: Path | str) -> str:
    """os.path.realpath of a file, its folder's part resolved once per folder (a realpath costs an
    lstat per path component, for every event of every build and preview pass)."""
    path = os.fspath(path)
    if ".." in path:  # "x/link/../y" is resolved after the link, not lexically
        return os.path.realpath(path)
    folder, name = os.path.split(os.path.abspath(path))
    real = os.path.join(_real_folder(folder), name)
    return os.path.realpath(real) if os.path.islink(real) else real


def last_changed(path: Path | str, folder: Path | str | None = None) -> datetime:
    """The moment `path` last changed (UTC); `folder` (default: the file's own folder) is the
    tree Git is asked about once, e.g. the content folder."""
    path = _real_file(path)
    commits, changed = _committed(_real_folder(os.path.abspath(folder)) if folder else os.path.dirname(path))
    seconds = commits[path] if path in commits and path not in changed else int(os.stat(path).st_mtime)
    cap = epoch_cap()
    return datetime.fromtimestamp(min(seconds, cap) if cap is not None else seconds, timezone.utc)


def forget() -> None:
    """Drop what Git said and the folders' real paths (the preview calls this when content
    changes between renders)."""
    _committed.cache_clear()
    _real_folder.cache_clear()


def newest_change(folders: list[Path], content: Path) -> datetime:
    """The newest change of any file below `folders` (else below `content`); the epoch when empty."""
    def files(roots: list[Path]) -> list[Path]:  # links followed, as Pelican reads content
        return [Path(folder, name) for root in roots if root.is_dir()
                for folder, _, names in os.walk(root, followlinks=True) for name in names]

    found = files(folders) or files([content])
    if not found:
        return datetime.fromtimestamp(epoch_cap() or 0, timezone.utc)
    return max(last_changed(path, content) for path in found)


def date_empty_feed(context: dict, feed: SyndicationFeed) -> None:
    # Only feeds that use feedgenerator's clock fallback; plugins with their own rule keep it.
    if feed.items or type(feed).latest_post_date is not SyndicationFeed.latest_post_date:
        return
    content = Path(context.get("PATH", "."))
    updated = newest_change([content / folder for folder in context.get("ARTICLE_PATHS", [])], content)
    feed.latest_post_date = lambda: updated


def register() -> None:
    signals.feed_generated.connect(date_empty_feed)
