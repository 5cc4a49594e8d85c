"""Full builds on any content mix: So ist S against vanilla Pelican at the same file count.

    .venv/bin/python bench/content_mix.py                       # 3,000 / 6,000 / 12,000 files
    .venv/bin/python bench/content_mix.py --sizes 3000 --repeat 3

Three corpora (bench/corpus.py MIXES): article-heavy (plain articles only), community-heavy
(80 % community posts with photos) and event-heavy (80 % events), each beside vanilla
Pelican (same version, default theme, no plugins) on the same number of Markdown files,
measured one after the other in the same run. Per cell: full build into a fresh folder
(photos already in the image cache, as on every build after the one that added them),
peak memory of the whole process tree (the summed PSS of Pelican and all its descendants at
one moment, sampled every 50 ms: bench/measure.py, alike for both sides; the summed RSS,
which counts pages shared by forked workers once per process, is printed as an upper
bound), and a rebuild with nothing changed. With --repeat
the median of the repeats is printed. The table is ours/vanilla; the goals (issue 30): time
<= 1.0, CPU time <= 1.5, memory <= 2.5, and <= 0.05 for the no-change rebuild against the full build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.build_speed import IMAGE_CACHE, OURS_MODULE, VANILLA_SETTINGS, ours, vanilla  # noqa: E402
from bench.corpus import build_mix  # noqa: E402
from bench.measure import Run, run_pelican  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MIXES = ("articles", "community", "events")


def median_run(runs: list[Run]) -> Run:
    """The run with the median wall time (its memory and pages go with it)."""
    return sorted(runs, key=lambda run: run.wall)[len(runs) // 2]


def warm_images(corpus, work: Path) -> None:
    """One unmeasured build when this corpus's photos are not in the kept image cache yet (a
    fresh machine, a new corpus): the compared builds are those after the one that added the
    photos, and without this the first run of a community-heavy corpus timed the encoding."""
    marker = IMAGE_CACHE / f"warm-{corpus.ours.parent.name}"
    if marker.exists():
        return
    out = work / "warm-up"
    run_pelican(ours(corpus.ours, out, IMAGE_CACHE), out, cwd=ROOT, module=OURS_MODULE)
    shutil.rmtree(out, ignore_errors=True)
    marker.write_text("ok\n")


def measure(mix: str, files: int, work: Path, repeat: int) -> dict:
    corpus = build_mix(mix, files)
    warm_images(corpus, work)
    settings = work / "vanilla_conf.py"
    settings.write_text(VANILLA_SETTINGS)
    base_runs, full_runs, rebuild_runs = [], [], []
    for number in range(repeat):  # alternate so a busy moment of the machine hits both sides alike
        out_vanilla, out_ours = work / f"vanilla-{number}", work / f"ours-{number}"
        base_runs.append(run_pelican(vanilla(corpus.vanilla, out_vanilla, settings), out_vanilla, cwd=work))
        full_runs.append(run_pelican(ours(corpus.ours, out_ours, IMAGE_CACHE), out_ours, cwd=ROOT, module=OURS_MODULE))
        rebuild_runs.append(run_pelican(ours(corpus.ours, out_ours, IMAGE_CACHE), out_ours, cwd=ROOT, module=OURS_MODULE))
        for folder in (out_vanilla, out_ours, work / "build-cache"):
            shutil.rmtree(folder, ignore_errors=True)
    base, full, rebuild = median_run(base_runs), median_run(full_runs), median_run(rebuild_runs)
    return {"mix": mix, "files": files, "counts": corpus.counts, "vanilla": base, "full": full, "rebuild": rebuild}


def print_table(rows: list[dict]) -> None:
    sizes = sorted({row["files"] for row in rows})
    cell = {(row["mix"], row["files"]): row for row in rows}
    header = "".join(f"{size:>12,d}" for size in sizes)
    for title, value, goal in (
            ("time ours/vanilla", lambda r: r["full"].wall / r["vanilla"].wall, "<= 1.0"),
            ("CPU time ours/vanilla (all processes; shows the work, not the cores used)",
             lambda r: r["full"].cpu / r["vanilla"].cpu, "<= 1.5"),
            ("peak memory ours/vanilla (summed PSS of the process tree)",
             lambda r: r["full"].pss_mib / r["vanilla"].pss_mib, "<= 2.5"),
            ("peak memory ours/vanilla (summed RSS: shared pages counted in every process)",
             lambda r: r["full"].peak_mib / r["vanilla"].peak_mib, "upper bound"),
            ("no-change rebuild/full build", lambda r: r["rebuild"].wall / r["full"].wall, "<= 0.05")):
        print(f"\n{title} (goal {goal})\n{'files':18s}{header}")
        for mix in MIXES:
            values = [f"{value(cell[mix, size]):12.2f}" if (mix, size) in cell else f"{'-':>12s}" for size in sizes]
            print(f"{mix + '-heavy':18s}{''.join(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="3000,6000,12000")
    parser.add_argument("--mixes", default=",".join(MIXES))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="soists-mix-") as tmp:
        for files in (int(size) for size in args.sizes.split(",")):
            for mix in args.mixes.split(","):
                row = measure(mix, files, Path(tmp), args.repeat)
                rows.append(row)
                base, full, rebuild = row["vanilla"], row["full"], row["rebuild"]
                print(f"{mix}-heavy {files} files {row['counts']}: vanilla {base.wall:.1f} s ({base.cpu:.1f} s CPU)"
                      f" PSS {base.pss_mib:.0f} / RSS {base.peak_mib:.0f} MiB; ours {full.wall:.1f} s"
                      f" ({full.cpu:.1f} s CPU) PSS {full.pss_mib:.0f} / RSS {full.peak_mib:.0f} MiB"
                      f" (at the RSS peak: Pelican {full.own_mib:.0f}, its children"
                      f" {full.child_mib:.0f}); rebuild {rebuild.wall:.2f} s", flush=True)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print_table(rows)


if __name__ == "__main__":
    main()
