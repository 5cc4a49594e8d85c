"""Full build, no-change rebuild and memory: So ist S against vanilla Pelican, same script.

    .venv/bin/python bench/build_speed.py            # scale 1: 5,000 posts, 200 articles, 500 events
    .venv/bin/python bench/build_speed.py --scales 1,2,4   # linear growth check

Vanilla = the same Pelican version, its default theme, no plugins, on a corpus with the
same number of Markdown files. Every figure is printed beside its baseline and as a ratio.

Builds of ours per scale: full (warm image cache, FRESH output folder - what a deploy
does, since images are encoded once when they are added; this is the figure held against
vanilla) and a rebuild with nothing changed into the full build's output. With --cold, also
the very first build (empty image cache, empty output). Pages are rendered on all cores
(BUILD_WORKERS); pass --workers 1 to see the single-process figure.

The image cache is kept in bench/.corpus/image-cache between runs, like the corpus itself:
the first run of a scale encodes its photos once (about 0.3 s per photo on 2 cores), later
runs reuse them. Scales above 1 repeat the photos of scale 1 under new names.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import CACHE, build_corpus  # noqa: E402
from bench.measure import run_pelican  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VANILLA_SETTINGS = """
AUTHOR = "Bench"
SITENAME = "Vanilla"
PATH = "content"
TIMEZONE = "Europe/Berlin"
DEFAULT_LANG = "de"
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
"""


# Our build command (tasks.pelican_args): plugins.build runs Pelican, then Pagefind after it
# exited. SOISTS_BENCH_OURS_MODULE=pelican measures the in-process indexer instead.
OURS_MODULE = os.environ.get("SOISTS_BENCH_OURS_MODULE", "plugins.build")
WORKERS: list[str] = []  # extra -e settings for our builds (--workers)
IMAGE_CACHE = CACHE / "image-cache"


def ours(content: Path, output: Path, image_cache: Path) -> list[str]:
    """Our build; its incremental state (plugins/incremental) lives in the run's scratch folder."""
    return [str(content), "-s", str(ROOT / "pelicanconf.py"), "-o", str(output),
            "-e", f"IMAGE_CACHE_DIR={json.dumps(str(image_cache))}",
            f"BUILD_CACHE_DIR={json.dumps(str(output.parent / 'build-cache'))}", *WORKERS]


def vanilla(content: Path, output: Path, settings: Path) -> list[str]:
    return [str(content), "-s", str(settings), "-o", str(output)]


def measure_scale(scale: float, work: Path, cold: bool) -> dict:
    corpus = build_corpus(scale)
    settings = work / "vanilla_conf.py"
    settings.write_text(VANILLA_SETTINGS)
    out_ours, out_vanilla = work / f"ours-{scale:g}", work / f"vanilla-{scale:g}"
    base = run_pelican(vanilla(corpus.vanilla, out_vanilla, settings), out_vanilla, cwd=work)
    cache = work / "cold-image-cache" if cold else IMAGE_CACHE
    # With --cold the very first build of a site (empty image cache, empty output folder);
    # otherwise it only makes sure every photo of this scale is in the kept cache.
    first = run_pelican(ours(corpus.ours, out_ours, cache), out_ours, cwd=ROOT, module=OURS_MODULE)
    # full build: warm image cache (images are encoded once, when they are added) into a
    # FRESH output folder - what a deploy does. This is the figure held against vanilla.
    out_full = work / f"ours-full-{scale:g}"
    full = run_pelican(ours(corpus.ours, out_full, cache), out_full, cwd=ROOT, module=OURS_MODULE)
    # rebuild with nothing changed, into the output of the full build
    rebuild = run_pelican(ours(corpus.ours, out_full, cache), out_full, cwd=ROOT, module=OURS_MODULE)
    stats = json.loads((cache / "stats.json").read_text()) if (cache / "stats.json").exists() else {}
    for folder in (out_ours, out_full, out_vanilla, work / "cold-image-cache"):
        shutil.rmtree(folder, ignore_errors=True)
    return {"scale": scale, "files": corpus.markdown_files, "vanilla": base, "cold": first if cold else None, "full": full,
            "rebuild": rebuild, "stats": stats}


def _line(label: str, run) -> str:
    return (f"  {label:36s} {run.wall:7.2f} s  {run.pages:6d} pages  {run.pages_per_second:7.1f} pages/s"
            f"  peak {run.peak_mib:6.0f} MiB")


def report(row: dict) -> None:
    base, cold, full, rebuild = row["vanilla"], row["cold"], row["full"], row["rebuild"]
    print(f"\nscale {row['scale']:g}: {row['files']} Markdown files")
    print(_line("vanilla Pelican full build", base))
    if cold:
        print(_line("So ist S full build, cold images", cold))
    print(_line("So ist S full build, cached images", full))
    print(_line("So ist S rebuild, no change", rebuild)
          + f"  (images encoded: {row['stats'].get('encoded', '?')})")
    print(f"  ratio full build (cached images)/vanilla  {full.wall / base.wall:5.2f}x  (floor <= 1.00x)")
    if cold:
        print(f"  ratio full build (cold images)/vanilla    {cold.wall / base.wall:5.2f}x  (image encoding included)")
    print(f"  ratio rebuild/full build (cached images)  {rebuild.wall / full.wall:5.2f}x  (floor <= 0.50x)")
    print(f"  ratio peak memory ours/vanilla            {full.peak_mib / base.peak_mib:5.2f}x"
          f"  (ours at the peak: Pelican process {full.own_mib:.0f} MiB, its children {full.child_mib:.0f} MiB;"
          f" vanilla: {base.peak_mib:.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1", help="comma-separated corpus scales, e.g. 1,2,4")
    parser.add_argument("--workers", type=int, help="BUILD_WORKERS for our builds (default: all cores)")
    parser.add_argument("--cold", action="store_true", help="also measure a first build with an empty image cache")
    args = parser.parse_args()
    if args.workers:
        WORKERS[:] = [f"BUILD_WORKERS={args.workers}"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="soists-bench-") as tmp:
        for scale in (float(s) for s in args.scales.split(",")):
            rows.append(measure_scale(scale, Path(tmp), args.cold))
            report(rows[-1])
    if len(rows) > 1:
        first = rows[0]
        print("\ngrowth (time per Markdown file relative to the smallest scale; 1.00 = linear)")
        for row in rows:
            for key in ("vanilla", "full"):
                per_file = row[key].wall / row["files"]
                baseline = first[key].wall / first["files"]
                print(f"  scale {row['scale']:g} {key:8s} {per_file / baseline:5.2f}")


if __name__ == "__main__":
    main()
