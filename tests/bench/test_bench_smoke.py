"""The build benchmark still runs end to end on a tiny corpus (figures are not asserted:
timings belong in bench/, not in tests), and its no-change rebuild encodes nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import ROOT


def test_build_speed_runs_and_reports_every_figure(tmp_path):
    env = {**os.environ, "SOISTS_BENCH_CACHE": str(tmp_path / "corpus")}
    result = subprocess.run([sys.executable, "bench/build_speed.py", "--scales", "0.004"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    report = result.stdout
    for label in ("vanilla Pelican full build", "So ist S full build, cached images", "So ist S rebuild, no change",
                  "ratio full build (cached images)/vanilla", "ratio rebuild/full build (cached images)",
                  "ratio peak memory ours/vanilla"):
        assert label in report, (label, report)
    assert "(images encoded: 0)" in report
    counts = re.search(r"scale 0.004: (\d+) Markdown files", report)
    assert counts and int(counts.group(1)) == 20 + 1 + 2  # 5,000 / 200 / 500 at scale 1
    assert (tmp_path / "corpus" / "image-cache").is_dir() and not (ROOT / "bench" / ".corpus" / "scale-0.004").exists()
