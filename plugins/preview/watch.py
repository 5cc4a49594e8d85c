"""Which inputs changed since the last look, by file name, size and modification time
(the same stat entries plugins/incremental digests). Polling costs a few milliseconds per
thousand files and needs no watcher library that behaves differently per platform."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugins.incremental.fingerprint import tree_entries


@dataclass(frozen=True)
class Roots:
    content: Path
    theme: Path
    code: tuple[Path, ...]  # plugins and settings: a change there restarts the preview


def snapshot(root: Path) -> frozenset[str]:
    if root.is_file():
        stat = root.stat()
        return frozenset({f"{root.name}\0{stat.st_size}\0{stat.st_mtime_ns}"})
    return frozenset(tree_entries(root))


@dataclass
class Watcher:
    roots: Roots

    def __post_init__(self) -> None:
        self.seen = self._look()

    def _look(self) -> dict[Path, frozenset[str]]:
        roots = (self.roots.content, self.roots.theme, *self.roots.code)
        return {root: snapshot(root) for root in roots}

    def changes(self) -> set[str]:
        """"content", "theme" and/or "code" for what changed since the last call."""
        now = self._look()
        changed = {root for root in now if now[root] != self.seen[root]}
        self.seen = now
        kinds = set()
        for root in changed:
            kinds.add("content" if root == self.roots.content else "theme" if root == self.roots.theme else "code")
        return kinds
