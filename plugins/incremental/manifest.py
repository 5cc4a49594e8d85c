"""The record of the last complete build into one output folder, kept outside that folder
(so it is never published) in BUILD_CACHE_DIR/<key>/, next to Pelican's reader cache."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    inputs: str  # digest of content, theme, plugins, settings and installed packages
    environment: str  # the part of `inputs` that is not content: settings, plugins, packages
    outputs: str  # digest of the output folder as the build left it
    valid_until: str | None  # ISO instant at which time-dependent output changes

    def still_valid(self, now: datetime) -> bool:
        return self.valid_until is None or now < datetime.fromisoformat(self.valid_until)


def cache_folder(base: Path, content: Path | str, output: Path | str) -> Path:
    """One folder per (content, output) pair, so builds of other trees never share state."""
    key = f"{os.path.realpath(content)}\0{os.path.realpath(output)}"
    return base / hashlib.sha256(key.encode()).hexdigest()[:20]


def load(folder: Path) -> Manifest | None:
    try:
        return Manifest(**json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def save(folder: Path, manifest: Manifest) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(asdict(manifest), indent=1), encoding="utf-8")
    os.replace(partial, folder / MANIFEST)


def forget(folder: Path) -> None:
    """Called before any output is written: a build that dies half-way leaves no manifest,
    so the next build is a full one."""
    (folder / MANIFEST).unlink(missing_ok=True)
