"""The preview process's garbage collection, moved out of the way of a save.

The preview keeps the whole site in one long-lived process: at 5,000 files Python's collector
tracks some 350,000 objects, and the new objects of each full pass made it traverse all of them
about once per pass: 0.25-0.6 s of a 1.3-1.9 s pass (gc callbacks, 12 title edits). After each
pass the objects alive then are frozen (gc.freeze: the collector no longer traverses them), so
a pass's collections look at that pass's objects only. What the frozen objects leave behind as
cyclic garbage (the last pass's generators and contexts, about 3 MB a pass) is collected when
the preview is idle - the watcher wakes up empty after a second without a save - or after
MAX_PASSES passes without such a moment, right after that pass has been published.
"""

from __future__ import annotations

import gc

MAX_PASSES = 20


class FrozenBetweenPasses:
    def __init__(self) -> None:
        self.pending = 0  # passes frozen since the last full collection

    def after_pass(self) -> None:
        self.pending += 1
        if self.pending >= MAX_PASSES:
            self.collect()
        else:
            gc.freeze()

    def collect(self) -> bool:
        """A full collection of everything, then the survivors frozen again; False when there
        was nothing new since the last one."""
        if not self.pending:
            return False
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.pending = 0
        return True
