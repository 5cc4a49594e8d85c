"""Run one command as a child process and report its wall time and peak memory.

CPU time is user + system time of the process and every child it waited for: on a machine
shared with other work it varies far less than the wall time. Peak memory is the largest
sum, at one moment, of the resident sets (RSS) of the whole process tree: the Pelican
process and every descendant alive then (render workers, image encoders, the Pagefind
indexer), sampled every 50 ms from /proc by this process (TreeSampler). The larger of two
processes' own peaks would understate a tree whose workers run side by side; a sum of peaks
reached at different moments would overstate it. Vanilla Pelican is measured the same way,
so the ratio compares like with like. Forked workers share the parent's unchanged pages
(copy-on-write) and RSS counts those in every process: the sum is an upper bound there.
The Pelican process's own high-water mark (VmHWM) is a lower bound the 50 ms sampling could
miss between two samples, so the peak is never taken below it.

The same samples also sum the proportional set sizes (PSS, /proc/<pid>/smaps_rollup): a
page shared by n processes counts 1/n in each, so the sum is the memory the tree really
occupies at that moment (what `smem` reports); `pss_mib` is its largest value.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

WRAPPER = """
import json, resource, runpy, sys, time
start = time.perf_counter()
sys.argv = {argv!r}
code = 0
try:
    runpy.run_module({module!r}, run_name="__main__")
except SystemExit as exit:
    code = exit.code or 0
wall = time.perf_counter() - start
# VmHWM belongs to this process's own memory map, made fresh at exec. ru_maxrss of SELF
# would not do: on Linux it keeps the high-water mark of the (v)forking parent across exec.
own_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
cpu = sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
          for field in ("ru_utime", "ru_stime"))
print("MEASURE " + json.dumps({{"wall": wall, "own_mib": own_kib / 1024, "cpu": cpu, "code": code}}), file=sys.stderr)
"""


@dataclass(frozen=True)
class Run:
    wall: float
    peak_mib: float  # the largest summed RSS of the process tree at one moment
    own_mib: float  # of which the Pelican process itself, at that moment
    child_mib: float  # of which its descendants (render workers, image encoders, the Pagefind indexer)
    pages: int
    cpu: float = 0.0  # user + system seconds of the process and every child (load-independent, unlike wall)
    pss_mib: float = 0.0  # the largest summed PSS of the process tree at one moment (shared pages counted once)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.wall


def count_pages(output: Path) -> int:
    return sum(1 for p in output.rglob("*.html") if "pagefind" not in p.parts)


PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
SAMPLE_SECONDS = 0.05


def _rss_kib(pid: int) -> int:
    """Resident set of one process (statm's second field: VmRSS in pages); 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kib(pid: int) -> int:
    """Proportional set size of one process; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _descendants(root: int) -> list[int]:
    """Every process below `root`, by the parent links in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # exited meanwhile
            continue
        # the command name (field 2) may hold spaces and parentheses: fields follow the last ")"
        parent = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


class TreeSampler:
    """Samples the summed RSS of a process and its descendants every 50 ms in a thread and
    keeps the moment with the largest sum (own part, children's part)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.pss_peak = pid, (0, 0), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            tree = _descendants(self.pid)
            own = _rss_kib(self.pid)
            children = sum(_rss_kib(pid) for pid in tree)
            if own + children > sum(self.peak):
                self.peak = (own, children)
            self.pss_peak = max(self.pss_peak, sum(_pss_kib(pid) for pid in (self.pid, *tree)))
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def stop(self) -> tuple[int, int]:
        """(own KiB, children KiB) at the largest sum seen."""
        self._stop.set()
        self._thread.join()
        return self.peak


def run_pelican(args: list[str], output: Path, cwd: Path, env: dict | None = None, module: str = "pelican") -> Run:
    """`module` is what runs as __main__: "pelican", or our build command "plugins.build"
    (Pelican in a child, then the search indexer: bench/build_speed.OURS_MODULE)."""
    script = WRAPPER.format(argv=["pelican", *args], module=module)
    process = subprocess.Popen([sys.executable, "-c", script], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    sampler = TreeSampler(process.pid)
    stdout, stderr = process.communicate()
    # the wrapper prints its figures as it ends, so the last samples were taken while it lived
    own_kib, children_kib = sampler.stop()
    lines = [line for line in stderr.splitlines() if line.startswith("MEASURE ")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"build failed: {' '.join(args)}\n{stdout[-3000:]}\n{stderr[-3000:]}")
    figures = json.loads(lines[-1][len("MEASURE "):])
    if figures["code"]:
        raise RuntimeError(f"build exited {figures['code']}: {stdout[-3000:]}{stderr[-3000:]}")
    hwm_kib = figures["own_mib"] * 1024
    if hwm_kib > own_kib + children_kib:  # the own peak fell between two samples
        own_kib, children_kib = hwm_kib, 0
    return Run(figures["wall"], (own_kib + children_kib) / 1024, own_kib / 1024, children_kib / 1024,
               count_pages(output), figures.get("cpu", 0.0), sampler.pss_peak / 1024)
