"""Digests of a build's inputs and outputs, from file names, sizes and modification times.

Stat-based like make and like Pelican's own CHECK_MODIFIED_METHOD = "mtime": a checkout or
an editor's save changes the modification time, and hashing every photo on every build
would cost more than the check is meant to save.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path


def tree_entries(root: Path | str, skipped: frozenset[str] = frozenset({"__pycache__"})) -> list[str]:
    """One line per file under root: relative path, size and mtime in nanoseconds; folders
    named in `skipped` are left out."""
    root = os.fspath(root)
    prefix = len(os.path.join(root, ""))  # os.path.relpath costs more than the stat itself
    entries: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            scan = os.scandir(folder)
        except FileNotFoundError:
            continue
        with scan:
            for entry in scan:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in skipped:
                        stack.append(entry.path)
                    continue
                stat = entry.stat()
                entries.append(f"{entry.path[prefix:]}\0{stat.st_size}\0{stat.st_mtime_ns}")
    entries.sort()
    return entries


def tree_digest(root: Path | str, skipped: frozenset[str] = frozenset({"__pycache__"})) -> str:
    """Changes when any file under root (outside `skipped` folders) is added, removed, resized or touched."""
    return hashlib.sha256("\n".join(tree_entries(root, skipped)).encode()).hexdigest()


CODE_SKIPPED = frozenset({"__pycache__", "node_modules"})


def code_digest(folder: Path | str) -> str:
    """The code of a plugins folder: every file except caches and npm's node_modules, whose
    27,000 files took a fifth of a no-change rebuild to stat. What npm installed for a plugin
    (<folder>/<plugin>/node_modules) is stood for by the record npm rewrites on every install,
    node_modules/.package-lock.json."""
    records = sorted(map(str, [*Path(folder).glob("node_modules/.package-lock.json"),
                               *Path(folder).glob("*/node_modules/.package-lock.json")]))
    stamps = []
    for record in records:
        stat = os.stat(record)
        stamps.append(f"{record}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join([*tree_entries(folder, CODE_SKIPPED), *stamps]).encode()).hexdigest()


def _stable(value: object) -> object:
    """A JSON stand-in for setting values that json cannot write, without memory addresses."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    name = getattr(value, "__qualname__", None)
    if name is not None:  # functions, classes
        return f"{getattr(value, '__module__', '')}.{name}"
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


def settings_digest(settings: Mapping[str, object], ignore: Iterable[str] = ()) -> str:
    skipped = set(ignore)
    chosen = {key: value for key, value in settings.items() if key not in skipped}
    return hashlib.sha256(json.dumps(chosen, sort_keys=True, default=_stable).encode()).hexdigest()


def packages_digest() -> str:
    """Installed distributions and their versions (a Jinja or Markdown upgrade changes output),
    read from the *.dist-info folder names, which carry both: listing a folder is much
    cheaper than importlib.metadata reading every METADATA file."""
    folders = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    names = sorted(name for folder in folders if os.path.isdir(folder)
                   for name in os.listdir(folder) if name.endswith(".dist-info"))
    return hashlib.sha256("\n".join([sys.version, *names]).encode()).hexdigest()


def combine(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
