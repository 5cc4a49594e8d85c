"""Benchmark: the impact report over the demo year (156 features, 179 municipalities, daily snapshots).

    python bench/report.py            # builds var/report-demo/ once through the Graph API fake, then times

Prints the time of the whole report (figures, HTML, CSV, JSON and the PDF through WeasyPrint)
and of the HTML-only report as the baseline, wall clock and CPU time of this process (the CPU
time is the fairer figure on a busy machine). The goal: the whole report in ≤ 5 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.insights_year import DemoYear, build, is_current  # noqa: E402
from scheduler.config import PROJECT_ROOT  # noqa: E402
from scheduler.report.run import ReportRequest, compute  # noqa: E402
from scheduler.report.render import write  # noqa: E402

DEMO = PROJECT_ROOT / "var" / "report-demo"


def timed(db_url: str, out: Path, pdf: bool) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    year = DemoYear()
    report = compute(db_url, ReportRequest(year.start, year.last_day, out, pdf=pdf), now=year.end)
    write(report, out, PROJECT_ROOT / "content", pdf=pdf)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    db = DEMO / "soists.db"
    db_url = f"sqlite:///{db}" if is_current(DEMO, DemoYear()) else build(DEMO)
    import weasyprint  # noqa: F401  (imported once, as in a long-running process; ~1 s on its own)

    with tempfile.TemporaryDirectory() as folder:
        timed(db_url, Path(folder), pdf=False)  # warm-up: templates, registry
        html_wall, html_cpu = timed(db_url, Path(folder), pdf=False)
        full_wall, full_cpu = timed(db_url, Path(folder), pdf=True)
    print(f"report with PDF: {full_wall:.2f} s wall, {full_cpu:.2f} s CPU; HTML only: {html_wall:.2f} s wall, "
          f"{html_cpu:.2f} s CPU; ratio {full_cpu / html_cpu:.1f}× (CPU); goal ≤ 5 s")


if __name__ == "__main__":
    main()
