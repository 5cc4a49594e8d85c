"""Commit to live (issue 30), in one run: what an editor's commit waits for.

    .venv/bin/python bench/commit_to_live.py                 # 3,000 and 12,000 files; mixes at 3,000/6,000/12,000
    .venv/bin/python bench/commit_to_live.py --rebuild-sizes 300 --mix-sizes 300 --preview-files 300   # quick

1. One-file rebuild / full build: our build command (tasks.pelican_args: plugins/build.py,
   Pelican and then the search index) on plain articles; a full build into a fresh folder,
   then one article's body edited and the same command run into that folder (warm caches, as
   after an editor's commit). Then the same edit through the build service (`invoke
   build-service`, which `invoke publish` asks when it runs): three edits, each timed from
   the request to its answer (search index included). Goal <= 0.05 of the full build.
2. The three-corpus table against vanilla Pelican: time, CPU and peak memory (bench/content_mix.py).
3. The live preview's latencies: the saved page and the lists after it (bench/preview_latency.py).

Parts 2 and 3 run the existing benchmarks as child processes and print their output as it
comes; `--skip` leaves parts out (e.g. --skip preview). Every figure is wall time on this
machine; it is shared with other work, so the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.build_speed import IMAGE_CACHE, OURS_MODULE, ours  # noqa: E402
from bench.corpus import build_mix  # noqa: E402
from bench.edits import set_field  # noqa: E402
from bench.measure import run_pelican  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent


def edit_one_article(content: Path, sentence: str = "Ein neuer Satz nach dem Commit.") -> Path:
    """Append a sentence to the body of the first article (what an editor's commit changes)."""
    article = sorted((content / "articles").rglob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
    return article


def one_file_rebuild(files: int, work: Path) -> tuple[float, float]:
    """(full build seconds, one-file rebuild seconds) at `files` plain articles."""
    corpus = build_mix("articles", files)
    content, output = work / f"content-{files}", work / f"site-{files}"
    shutil.copytree(corpus.ours, content)
    full = run_pelican(ours(content, output, IMAGE_CACHE), output, cwd=ROOT, module=OURS_MODULE)
    edit_one_article(content)
    again = run_pelican(ours(content, output, IMAGE_CACHE), output, cwd=ROOT, module=OURS_MODULE)
    for folder in (content, output, work / "build-cache"):
        shutil.rmtree(folder, ignore_errors=True)
    return full.wall, again.wall


@dataclass
class ServiceFigures:
    first: float  # its first build (every output rendered, one process)
    edits: list[float]  # one edited article each: the request's round trip
    parts: list[tuple[float, float]]  # (rendering, search index) of each, as the service measured them
    retitled: float = 0.0  # one article's title changed: Pelican's pass over every file (no body-only shortcut)


def service_rebuilds(files: int, work: Path, edits: int = 3) -> ServiceFigures:
    """The build service (plugins/build_service) on the same corpus: started (its first build),
    then `edits` times one article's body edited and a build asked for, timed at the caller."""
    from plugins.build_service import client

    corpus = build_mix("articles", files)
    content, output, socket_path = work / f"content-{files}", work / f"service-{files}", work / "build.sock"
    shutil.copytree(corpus.ours, content)
    settings = {"IMAGE_CACHE_DIR": str(IMAGE_CACHE), "BUILD_CACHE_DIR": str(work / "service-cache")}
    started = time.perf_counter()
    service = subprocess.Popen([sys.executable, "-m", "plugins.build_service", "--settings", str(ROOT / "pelicanconf.py"),
                                "--content", str(content), "--output", str(output), "--socket", str(socket_path),
                                "-e", json.dumps(settings)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, "SOISTS_BUILD_CACHE_DIR": str(work / "service-cache")})
    try:
        for line in service.stdout:
            if line.startswith("build service: "):
                break
        else:
            raise SystemExit("the build service did not start")
        first = time.perf_counter() - started
        seconds, parts = [], []
        for number in range(edits):
            edit_one_article(content, sentence=f"Satz {number} nach dem Commit.")
            asked = time.perf_counter()
            answer = client.ask(socket_path)
            seconds.append(time.perf_counter() - asked)
            if answer:
                parts.append((answer["render_seconds"], answer["search_seconds"]))
            if not answer or not answer["ok"] or not answer["written"]:
                raise SystemExit(f"the build service did not build: {answer}")
        set_field(sorted((content / "articles").rglob("*.md"))[1], "Title", "Ein neuer Titel nach dem Commit")
        asked = time.perf_counter()
        answer = client.ask(socket_path)
        retitled = time.perf_counter() - asked
        if not answer or not answer["ok"] or answer["body_only"]:
            raise SystemExit(f"the build service did not build the title change: {answer}")
    finally:
        service.terminate()
        service.wait(timeout=60)
        for folder in (content, output, work / "service-cache"):
            shutil.rmtree(folder, ignore_errors=True)
    return ServiceFigures(first, seconds, parts, retitled)


def run_child(script: str, *args: str) -> None:
    print(f"$ {Path(sys.executable).name} bench/{script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(HERE / script), *args], cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild-sizes", default="3000,12000", help="files for the one-file rebuild")
    parser.add_argument("--mix-sizes", default="3000,6000,12000", help="files per corpus for the vanilla table")
    parser.add_argument("--preview-files", type=int, default=5000)
    parser.add_argument("--skip", default="", help="comma-separated: rebuild, mixes, preview")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(f"machine: {os.cpu_count()} cores, load average (1 min) at the start {os.getloadavg()[0]:.1f}", flush=True)
    if "rebuild" not in skip:
        print("\n== 1. one-file rebuild / full build (plain articles; goal <= 0.05) ==", flush=True)
        with tempfile.TemporaryDirectory(prefix="soists-commit-") as tmp:
            for files in (int(size) for size in args.rebuild_sizes.split(",")):
                full, rebuild = one_file_rebuild(files, Path(tmp))
                print(f"{files:>7,d} files: full build {full:7.2f} s, one edited article {rebuild:7.2f} s,"
                      f" ratio {rebuild / full:.2f} (load {os.getloadavg()[0]:.1f})", flush=True)
                served = service_rebuilds(files, Path(tmp))
                median = statistics.median(served.edits)
                print(f"{'':>7s}        build service (plugins/build_service): first build {served.first:7.2f} s, "
                      f"one edited article {median:5.2f} s (median of {', '.join(f'{s:.2f}' for s in served.edits)}),"
                      f" ratio to the full build {median / full:.3f} (load {os.getloadavg()[0]:.1f})", flush=True)
                print(f"{'':>15s}rendering / search index per edit: "
                      + ", ".join(f"{render:.2f} / {search:.2f} s" for render, search in served.parts), flush=True)
                print(f"{'':>15s}an edited title instead (every file's pass, the lists): {served.retitled:.2f} s, "
                      f"ratio {served.retitled / full:.3f}", flush=True)
    if "mixes" not in skip:
        print("\n== 2. full builds against vanilla Pelican (bench/content_mix.py) ==", flush=True)
        run_child("content_mix.py", "--sizes", args.mix_sizes)
    if "preview" not in skip:
        print("\n== 3. live preview latencies (bench/preview_latency.py) ==", flush=True)
        run_child("preview_latency.py", "--files", str(args.preview_files))
    print(f"\nload average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
