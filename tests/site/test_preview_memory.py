"""plugins/preview/memory.py: the preview freezes what is alive after each pass, so the
collector no longer traverses the whole site in every pass, and collects what that leaves
behind when the preview is idle (or after MAX_PASSES passes at the latest)."""

from __future__ import annotations

import gc
import weakref

import pytest

from plugins.preview import memory


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture(autouse=True)
def unfrozen():
    yield
    gc.unfreeze()


def test_what_a_pass_leaves_is_frozen_until_the_idle_collection():
    frozen = memory.FrozenBetweenPasses()
    node = Node()
    alive = weakref.ref(node)
    frozen.after_pass()
    assert gc.get_freeze_count() > 0
    del node
    gc.collect()  # what a pass's own collections do: the frozen cycle is not looked at
    assert alive() is not None
    assert frozen.collect() is True  # the watcher woke up without a save
    assert alive() is None
    assert gc.get_freeze_count() > 0  # the survivors are frozen again
    assert frozen.collect() is False  # nothing new since


def test_after_max_passes_without_an_idle_moment_the_garbage_is_collected(monkeypatch):
    monkeypatch.setattr(memory, "MAX_PASSES", 3)
    frozen = memory.FrozenBetweenPasses()
    node = Node()
    alive = weakref.ref(node)
    frozen.after_pass()
    del node
    frozen.after_pass()
    assert alive() is not None
    frozen.after_pass()  # the third pass in a row
    assert alive() is None and frozen.pending == 0
