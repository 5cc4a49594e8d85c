"""Deploy a finished build as a new release that copies only what changed, switched atomically.

    target              a symbolic link, e.g. /srv/soists/output/live -> .live.releases/<stamp>
    .<target>.releases/ one folder per release, next to the link (same file system)

A release is made from a fresh build: every file whose bytes equal the same path in the
current release becomes a hard link to it (no copy, and its modification time - the
Last-Modified and ETag nginx sends - stays what it was); only new and changed files are
copied. The switch is one rename(2) of a new link over the old one, so a reader sees either
the whole old release or the whole new one, never a half of each and never no site at all.
The release before stays on disk for `rollback`, which switches back the same way; older
ones are removed (KEEP releases are kept).

A takedown (`invoke takedown`, `python -m scheduler takedown`, the board: the takedown's files step,
scheduler/publish/takedown.py) calls `withdraw`: every release but the live one is deleted
at once, and the live one - it still shows the post until the next publish - is marked
withdrawn: no rollback goes to it, and the next deploy's prune deletes it. So no rollback
can bring a taken-down post back.

A target that is still a plain folder (the layout before releases) becomes the first release
folder: it is moved aside and the link put in its place (two renames, the only moment the
path is missing; it happens once per server).
"""

from __future__ import annotations

import filecmp
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

KEEP = 3  # the live release, the one to roll back to, and one more
WITHDRAWN = "withdrawn"  # file in releases_dir: names of releases no rollback may return to


@dataclass
class Release:
    folder: Path
    copied: list[str] = field(default_factory=list)  # relative paths of new or changed files
    linked: int = 0  # files hard-linked from the previous release


def releases_dir(target: Path) -> Path:
    return target.with_name(f".{target.name}.releases")


def current_release(target: Path) -> Path | None:
    return Path(os.path.realpath(target)) if target.is_symlink() else None


def _switch(target: Path, release: Path) -> None:
    """Point `target` at `release` with one atomic rename of a fresh link."""
    link = target.with_name(f".{target.name}.switch")
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(release, target.parent), link)
    os.replace(link, target)


def _adopt_plain_folder(target: Path) -> None:
    """The layout before releases: the live folder becomes the first release."""
    folder = releases_dir(target) / "0-before-releases"
    folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(target, folder)
    _switch(target, folder)


def _same_bytes(new: Path, old: Path) -> bool:
    try:
        if old.is_symlink() or not old.is_file() or old.stat().st_size != new.stat().st_size:
            return False
    except OSError:
        return False
    return filecmp.cmp(new, old, shallow=False)


def _new_name(target: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    folder, number = releases_dir(target) / stamp, 0
    while folder.exists():
        number += 1
        folder = releases_dir(target) / f"{stamp}-{number}"
    return folder


def stage(source: Path, target: Path) -> Release:
    """Make the new release folder from `source` beside the current one (nothing is switched)."""
    previous = current_release(target)
    release = Release(_new_name(target))
    staging = release.folder.with_name(release.folder.name + ".partial")
    for folder, dirs, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (staging / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            path, rel = Path(folder) / name, relative / name
            if path.is_symlink():
                os.symlink(os.readlink(path), staging / rel)
            elif previous is not None and _same_bytes(path, previous / rel):
                os.link(previous / rel, staging / rel)
                release.linked += 1
            else:
                shutil.copy2(path, staging / rel)
                release.copied.append(rel.as_posix())
        for name in dirs:  # links to folders are not followed by os.walk: keep them as links
            if (Path(folder) / name).is_symlink():
                os.symlink(os.readlink(Path(folder) / name), staging / relative / name)
    staging.mkdir(parents=True, exist_ok=True)  # an empty source is a release too
    os.replace(staging, release.folder)
    release.copied.sort()
    return release


def deploy(source: Path, target: Path, keep: int = KEEP) -> Release:
    """Publish `source` at `target`: stage a release, switch to it, prune old releases."""
    target = Path(os.path.abspath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not target.is_symlink():
        _adopt_plain_folder(target)
    release = stage(Path(source), target)
    _switch(target, release.folder)
    prune(target, keep)
    return release


def withdrawn(target: Path) -> set[str]:
    try:
        return set((releases_dir(target) / WITHDRAWN).read_text(encoding="utf-8").split())
    except OSError:
        return set()


def withdraw(target: Path) -> None:
    """After a takedown: delete every release but the live one and mark that one withdrawn."""
    target = Path(os.path.abspath(target))
    live = current_release(target)
    if live is None:
        return
    marked = releases_dir(target) / WITHDRAWN
    marked.write_text("\n".join(sorted(withdrawn(target) | {live.name})) + "\n", encoding="utf-8")
    for old in releases(target, usable_only=False):
        if old != live:
            shutil.rmtree(old, ignore_errors=True)


def releases(target: Path, usable_only: bool = True) -> list[Path]:
    """Finished releases, oldest first (names sort by time; half-made ones end in .partial);
    with `usable_only`, not the withdrawn ones."""
    folder = releases_dir(target)
    found = [p for p in folder.iterdir() if p.is_dir() and not p.name.endswith(".partial")] if folder.is_dir() else []
    if usable_only:
        gone = withdrawn(target)
        found = [p for p in found if p.name not in gone]
    return sorted(found, key=lambda p: p.name)  # "0-before-releases" sorts before every time stamp


def rollback(target: Path) -> Path:
    """Switch back to the release before the live one; returns it."""
    target = Path(os.path.abspath(target))
    live, known = current_release(target), releases(target)
    older = known[:known.index(live)] if live in known else []
    if not older:
        raise RuntimeError(f"no earlier release of {target} to roll back to")
    _switch(target, older[-1])
    return older[-1]


def prune(target: Path, keep: int = KEEP) -> None:
    """Remove all but the newest `keep` releases (never the live one) and leftovers of failed stages."""
    live = current_release(target)
    folder = releases_dir(target)
    for partial in folder.glob("*.partial"):
        shutil.rmtree(partial, ignore_errors=True)
    gone = withdrawn(target)
    for old in releases(target, usable_only=False):
        if old != live and (old.name in gone or old in releases(target)[:-keep]):
            shutil.rmtree(old, ignore_errors=True)
