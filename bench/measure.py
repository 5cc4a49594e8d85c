"""Run one command as a child process and report its wall time and peak memory.

CPU time is user + system time of the process and every child it waited for: on a machine
shared with other work it varies far less than the wall time. Peak memory is the largest
resident set of the process (VmHWM) and of any process it waited for (render workers, image encoders and the Pagefind indexer; getrusage), measured in
the child's own wrapper; both parts are kept so a report can say where the peak is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

WRAPPER = """
import json, resource, runpy, sys, time
start = time.perf_counter()
sys.argv = {argv!r}
code = 0
try:
    runpy.run_module("pelican", run_name="__main__")
except SystemExit as exit:
    code = exit.code or 0
wall = time.perf_counter() - start
# VmHWM belongs to this process's own memory map, made fresh at exec. ru_maxrss of SELF
# would not do: on Linux it keeps the high-water mark of the (v)forking parent across exec.
own_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
child_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
cpu = sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
          for field in ("ru_utime", "ru_stime"))
print("MEASURE " + json.dumps({{"wall": wall, "peak_mib": max(own_kib, child_kib) / 1024, "own_mib": own_kib / 1024,
                                "child_mib": child_kib / 1024, "cpu": cpu, "code": code}}), file=sys.stderr)
"""


@dataclass(frozen=True)
class Run:
    wall: float
    peak_mib: float  # the larger of the two below
    own_mib: float  # the Pelican process itself
    child_mib: float  # its largest child: a render worker, an image encoder, the Pagefind indexer
    pages: int
    cpu: float = 0.0  # user + system seconds of the process and every child (load-independent, unlike wall)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.wall


def count_pages(output: Path) -> int:
    return sum(1 for p in output.rglob("*.html") if "pagefind" not in p.parts)


def run_pelican(args: list[str], output: Path, cwd: Path, env: dict | None = None) -> Run:
    script = WRAPPER.format(argv=["pelican", *args])
    result = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, env=env)
    lines = [line for line in result.stderr.splitlines() if line.startswith("MEASURE ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"build failed: {' '.join(args)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    figures = json.loads(lines[-1][len("MEASURE "):])
    if figures["code"]:
        raise RuntimeError(f"build exited {figures['code']}: {result.stdout[-3000:]}{result.stderr[-3000:]}")
    return Run(figures["wall"], figures["peak_mib"], figures["own_mib"], figures["child_mib"], count_pages(output),
               figures.get("cpu", 0.0))
