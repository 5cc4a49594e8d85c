"""What changed upstream between two imports: a unified diff of the draft texts."""

from __future__ import annotations

import difflib
import hashlib


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upstream_diff(before: str, after: str) -> str:
    """'-' lines as imported last time, '+' lines as the calendar says now; '' when equal."""
    if before == after:
        return ""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), "letzter Import", "Kalender jetzt",
                                 n=1, lineterm="")
    return "\n".join(lines)


def diff_rows(diff: str) -> list[tuple[str, str]]:
    """(kind, line) for the board: kind is 'diff-del', 'diff-add', 'diff-hunk' or 'diff-same'; file headers
    are dropped."""
    rows: list[tuple[str, str]] = []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        kind = {"-": "diff-del", "+": "diff-add", "@": "diff-hunk"}.get(line[:1], "diff-same")
        rows.append((kind, line))
    return rows
