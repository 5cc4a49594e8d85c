"""Render a large group of pages across CPU cores, with the same bytes as one process would.

Pelican renders one page after another in one process. For the big page groups (community
post pages, event pages, municipality pages, calendars) `each()` forks worker processes
after the context is complete: every worker inherits the whole context copy-on-write, so
nothing is pickled; only the page indices are divided (worker k takes k, k+n, k+2n, ...)
and every page is written to its own file, so the output is the same as sequential
rendering (tests/test_parallel_build.py compares both byte for byte).

The parent renders its share too and then waits; a worker that fails makes the build fail.
The file names a worker wrote are sent back through a pipe into the writer's bookkeeping,
so Pelican's "already written" check still sees them.

Settings: BUILD_WORKERS (default: the number of cores; 1 = sequential) and
BUILD_PARALLEL_MIN (groups smaller than this stay sequential; default 64).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import traceback
from collections.abc import Callable

logger = logging.getLogger(__name__)
DEFAULT_MIN = 64


def worker_count(settings, count: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = settings.get("BUILD_WORKERS") or cores
    if not hasattr(os, "fork") or count < int(settings.get("BUILD_PARALLEL_MIN", DEFAULT_MIN)):
        return 1
    return max(1, min(int(workers), count))


def each(settings, count: int, work: Callable[[int], None], writer=None) -> None:
    """Call work(i) for i in range(count), spread over forked workers when worth it."""
    workers = worker_count(settings, count)
    if workers == 1:
        for index in range(count):
            work(index)
        return
    written_before = set(writer._written_files) if writer is not None else set()
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()  # the inherited objects stay shared instead of being copied by the collector
    children: list[tuple[int, int]] = []
    try:
        for number in range(1, workers):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # worker
                os.close(read_end)
                code = 0
                try:
                    for index in range(number, count, workers):
                        work(index)
                    if writer is not None:
                        names = "\n".join(sorted(writer._written_files - written_before))
                        with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
                            pipe.write(names)
                except BaseException:  # noqa: BLE001 - report anything, then leave without cleanup
                    traceback.print_exc()
                    code = 1
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            os.close(write_end)
            children.append((pid, read_end))
        for index in range(0, count, workers):
            work(index)
    finally:
        failed = 0
        for pid, read_end in children:
            with os.fdopen(read_end, "r", encoding="utf-8") as pipe:
                names = pipe.read()
            _, status = os.waitpid(pid, 0)
            if status != 0:
                failed += 1
            elif writer is not None and names:
                writer._written_files.update(names.split("\n"))
        gc.unfreeze()
    if failed:
        raise RuntimeError(f"{failed} page rendering worker(s) failed; see the traceback above")
