"""Files below a folder, fast: the preview walks the output (10,000 pages, a folder each) and
the image folder on every save, where Path.rglob and os.path.relpath per folder cost a few
tenths of a second. And a file's stamp, by which the preview and the catalogs notice a
changed file."""

from __future__ import annotations

import os
from pathlib import Path


def files_below(root: Path | str, suffixes: tuple[str, ...] | None = None) -> list[str]:
    """Relative POSIX paths of the files below `root` whose lower-cased name ends with one of
    `suffixes` (all files without), in the order of sorted Path objects (by path parts)."""
    root = os.fspath(root)
    prefix = len(os.path.join(root, ""))
    found = []
    for directory, _dirs, names in os.walk(root):
        folder = directory[prefix:].replace(os.sep, "/")
        folder = folder + "/" if folder else ""
        found.extend(folder + name for name in names if suffixes is None or name.lower().endswith(suffixes))
    return sorted(found, key=lambda relative: relative.split("/"))


def file_stamp(path: Path | str) -> tuple[int, int] | None:
    """Size and modification time (ns) of a file; None when it is not there."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns
