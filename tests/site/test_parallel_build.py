"""Pages rendered across forked workers are the same bytes as pages rendered in one process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from plugins import parallel
from tests.conftest import build_site

# Atom feeds without entries carry the build time as <updated> (feedgenerator), in either mode.
BUILD_TIME = re.compile(rb"<updated>[^<]*</updated>")


def _build(output: Path, workers: int) -> None:
    settings = {"BUILD_WORKERS": workers, "BUILD_PARALLEL_MIN": 2,
                "EVENTS_NOW": "2026-11-02T10:00:00+01:00"}  # DTSTAMP and "upcoming" are then fixed
    # one -e with every pair: Pelican's -e replaces the overrides of an earlier -e, so with one
    # -e per setting only the last (here EVENTS_NOW) would apply and both builds would use all cores
    extra = ["-e", *(f"{key}={json.dumps(value)}" for key, value in settings.items())]
    result = build_site(output, extra=extra)
    assert result.returncode == 0, result.stdout + result.stderr


def _files(root: Path) -> dict[str, bytes]:
    """Every output file but Pagefind's index (its fragment names differ from run to run)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "pagefind" not in p.relative_to(root).parts}


def test_parallel_build_is_byte_identical_to_sequential(tmp_path):
    _build(tmp_path / "sequential", workers=1)
    _build(tmp_path / "parallel", workers=2)
    sequential, forked = _files(tmp_path / "sequential"), _files(tmp_path / "parallel")
    assert sorted(sequential) == sorted(forked)
    assert len([n for n in sequential if n.endswith(".html")]) > 300  # the big groups were really split
    different = [name for name in sequential if sequential[name] != forked[name]
                 and not (name.endswith(".atom") and BUILD_TIME.sub(b"", sequential[name]) == BUILD_TIME.sub(b"", forked[name]))]
    assert different == []


class _Writer:
    def __init__(self) -> None:
        self._written_files: set[str] = set()


def test_each_runs_every_index_once_and_reports_written_files(tmp_path):
    writer = _Writer()

    def work(index: int) -> None:
        name = tmp_path / f"{index}.txt"
        name.write_text(str(index))
        writer._written_files.add(str(name))

    parallel.each({"BUILD_WORKERS": 2, "BUILD_PARALLEL_MIN": 2}, 10, work, writer)
    assert sorted(int(p.stem) for p in tmp_path.glob("*.txt")) == list(range(10))
    assert writer._written_files == {str(tmp_path / f"{i}.txt") for i in range(10)}


def test_a_failing_worker_fails_the_build(tmp_path):
    def work(index: int) -> None:
        if index == 1:  # index 1 goes to the forked worker
            raise ValueError("broken page")

    with pytest.raises(RuntimeError, match="worker"):
        parallel.each({"BUILD_WORKERS": 2, "BUILD_PARALLEL_MIN": 2}, 4, work)


def test_small_groups_stay_sequential():
    assert parallel.worker_count({"BUILD_WORKERS": 2}, 10) == 1
    assert parallel.worker_count({"BUILD_WORKERS": 2}, 500) == 2
    assert parallel.worker_count({"BUILD_WORKERS": 1}, 500) == 1


def _records(output: Path) -> dict:
    """The dependency record a build left, its output folder's name taken out of the keys."""
    found = list((output.parent / f".{output.name}.build-cache").glob("*/dependencies.json"))
    assert len(found) == 1
    text = found[0].read_text(encoding="utf-8").replace(str(output), "OUTPUT")
    return json.loads(text)["records"]


def test_a_full_builds_signatures_taken_over_the_cores_are_those_taken_one_by_one(tmp_path):
    """A full build takes the outputs' signatures after each generator, in forked workers
    (plugins/incremental/render.py sign_queued); the next build compares them with signatures
    taken one by one, so they must be the same numbers."""
    _build(tmp_path / "sequential", workers=1)
    _build(tmp_path / "parallel", workers=2)
    sequential, forked = _records(tmp_path / "sequential"), _records(tmp_path / "parallel")
    assert len(sequential) > 300
    assert forked == sequential


def test_a_full_build_signs_its_outputs_after_the_calls_in_the_workers(tmp_path):
    """No signature is taken while a generator makes its calls; sign_queued takes them all,
    part of them in a forked worker, and puts each in its output's place in the queue."""
    import os

    from plugins.incremental import render

    state = render.begin(str(tmp_path), None, 2, None)
    try:
        writer = render.IncrementalWriter(str(tmp_path), settings={"BUILD_PARALLEL_MIN": 2})
        taken: list[int] = []
        for number in range(6):
            writer._remember(f"page-{number}/index.html", lambda number=number: taken.append(number) or
                             os.getpid() * 10 + number, lambda: None)
        assert taken == [] and [item[1] for item in state.queue] == [0] * 6
        writer.sign_queued()
        signatures = [item[1] for item in state.queue]
        assert [signature % 10 for signature in signatures] == list(range(6))
        assert {signature // 10 for signature in signatures} - {os.getpid()}  # some were taken in a worker
        assert state.unsigned == []
    finally:
        render.end()
