"""bench/plan_render.py still runs end to end and prints its line (the figure itself belongs in
bench/, not in tests: the limit is lifted here so a busy CI machine cannot fail it)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_plan_render_benchmark_prints_its_line():
    result = subprocess.run([sys.executable, "bench/plan_render.py", "--renders", "2", "--limit-ms", "600000"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    line = re.fullmatch(r"plan 52x3: median (\d+) ms over 2 renders \(limit 600000 ms; (\d+) planned features in "
                        r"the store's plan, (\d+) of them in the 52-week window, page (\d+) KiB\)\n", result.stdout)
    assert line, result.stdout
    assert int(line.group(2)) == 156 and 150 <= int(line.group(3)) <= 156
