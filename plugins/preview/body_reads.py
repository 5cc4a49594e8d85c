"""Which outputs show which content object's body, found while they render.

Pelican gives a body only through two memoised methods: `get_content` (the `content`
property) and `get_summary` (the `summary` property, which truncates the body unless the
file sets a summary). Both are wrapped once so that, while the preview's writer renders an
output, every body and summary it reads is noted by source file. An output that shows an
article's summary in a list is thus told apart from one that shows its whole body, and an
edited body re-renders only the outputs that read it (plugins/preview/body_edit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pelican.contents import Content


@dataclass
class BodyReads:
    contents: set[str] = field(default_factory=set)  # source files whose whole body was read
    summaries: set[str] = field(default_factory=set)  # source files whose summary was read


_reads: BodyReads | None = None  # the output rendering now, if the writer is noting
_inside_summary = 0  # a summary computed from the body reads the body: that counts as the summary


class _Noted:
    """Stands in for Pelican's memoised method; passes calls on, noting the source file."""

    noting = True

    def __init__(self, memoised, kind: str) -> None:
        self.memoised, self.kind = memoised, kind
        self.cache = memoised.cache  # Pelican's memo: {(object, siteurl): value}

    def __get__(self, item, owner=None):
        if item is None:
            return self
        method = self.memoised.__get__(item, owner)
        if _reads is None:
            return method
        return lambda *args: self._call(item, method, args)

    def _call(self, item, method: Callable, args: tuple):
        global _inside_summary
        source = getattr(item, "source_path", None)
        if self.kind == "summary":
            if source and _reads is not None:
                _reads.summaries.add(source)
            _inside_summary += 1
            try:
                return method(*args)
            finally:
                _inside_summary -= 1
        if source and _reads is not None and not _inside_summary:
            _reads.contents.add(source)
        return method(*args)


def install() -> None:
    """Wrap Content.get_content and Content.get_summary (once per process)."""
    for name, kind in (("get_content", "content"), ("get_summary", "summary")):
        current = Content.__dict__[name]
        if not getattr(current, "noting", False):
            setattr(Content, name, _Noted(current, kind))


def noting(make: Callable[[], None]) -> BodyReads:
    """Run `make`, returning the bodies and summaries it read."""
    global _reads
    outer, _reads = _reads, BodyReads()
    found = _reads
    try:
        make()
    finally:
        _reads = outer
    return found


def forget_memos(item: object) -> None:
    """Drop Pelican's memoised body and summary of `item` (its body was replaced)."""
    for name in ("get_content", "get_summary"):
        cache = getattr(Content.__dict__[name], "cache", {})
        for key in [key for key in cache if key and key[0] is item]:
            del cache[key]
