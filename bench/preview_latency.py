"""Live preview: time from saving a file to the updated page being served, on 5,000 files.

    .venv/bin/python bench/preview_latency.py            # 5,000 files: 40 % articles, 30 % events, 30 % posts
    .venv/bin/python bench/preview_latency.py --files 600  # quick run

Starts `python -m plugins.preview` (what `invoke livereload` runs) on a scratch copy of the
corpus, then makes 20 editor edits one after another (text, title, date, category, tags or
municipality of an article; a portrait, a page, an event, a community post; a new, a
deleted and a renamed file; replaced images; a broken file) and polls the HTTP server
until the page shows the change (the new text, a 404 for a deleted page, or - for changes
without new text - the preview saying it wrote pages since the save and the page
answering). The preview writes the saved file's page first (plugins/preview/page_first.py),
then every list it appears on: both are printed per edit, the second with its CPU time.
Last, with the home page open as a browser tab would hold it (the reload channel naming
its page), base.html and the stylesheet change: the time until that page is served (the
preview renders open pages first) and until every page is rendered. Printed beside our
full build (all cores, fresh folder) of the same corpus measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import edits  # noqa: E402
from bench.build_speed import IMAGE_CACHE, OURS_MODULE, ours  # noqa: E402
from bench.corpus import build_mix  # noqa: E402
from bench.measure import run_pelican  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KINDS = (["article"] * 5 + ["post"] * 3 + ["event"] * 3 + ["page", "portrait", "new", "new", "delete", "rename",
                                                           "image", "image", "error"])


def open_tab(base: str, page: str) -> None:
    """What a browser tab showing `page` keeps open: the preview's reload channel, naming its page
    (plugins/preview/server.py: open pages are rendered first after a template change)."""
    def listen() -> None:
        try:
            with urllib.request.urlopen(f"{base}__preview__/events?page={urllib.parse.quote(page)}",
                                        timeout=3600) as stream:
                for _line in stream:
                    pass
        except OSError:
            pass

    threading.Thread(target=listen, name=f"tab {page}", daemon=True).start()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def page_url(content: Path, path: Path) -> str:
    folder, stem = path.relative_to(content).parts[0], path.stem
    return {"articles": f"artikel/{stem}/", "events": f"termine/{stem}/", "community": f"wall/{stem}/"}.get(
        folder, f"{stem}/")


class Preview:
    def __init__(self, base: str) -> None:
        self.base = base

    def status(self) -> dict:
        return json.loads(fetch(self.base + "__preview__/status")[1] or "{}")

    def idle(self, timeout: float = 600) -> dict:
        """Wait until the change in hand is handled and no other is pending."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                first = self.status()
                time.sleep(0.3)
                second = self.status()
            except OSError:
                time.sleep(0.3)
                continue
            if first.get("generation") and first == second and not second["busy"]:
                return second
        raise TimeoutError("preview did not settle")

    def wait_for(self, done, timeout: float = 120) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if done():
                return time.perf_counter()
            time.sleep(0.02)
        raise TimeoutError("change not served")


def one_edit(preview: Preview, content: Path, kind: str, rng: random.Random, number: int) -> tuple[str, float]:
    before = preview.status()["generation"]
    started = time.perf_counter()
    if kind == "error":
        path, original = edits.break_event(content)
        shown = preview.wait_for(lambda: bool(preview.status().get("error")))
        path.write_bytes(original)
        edits.touch(path)
        preview.idle()
        return f"error shown ({path.name})", shown - started
    edit = edits.EDITS[kind](content, rng, number)
    if edit.path is None:
        url = preview.base + page_url(content, edit.gone)
        return edit.what, preview.wait_for(lambda: fetch(url)[0] == 404) - started
    url = preview.base + page_url(content, edit.path)
    if edit.marker:
        return edit.what, preview.wait_for(lambda: edit.marker in fetch(url)[1]) - started
    return edit.what, preview.wait_for(
        lambda: preview.status()["generation"] > before and fetch(url)[0] == 200) - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=5000)
    args = parser.parse_args()
    corpus = build_mix("mixed", args.files)
    with tempfile.TemporaryDirectory(prefix="soists-preview-") as scratch:
        work = Path(scratch)
        content = work / "content"
        shutil.copytree(corpus.ours, content)
        shutil.copytree(ROOT / "content" / "articles" / "menschen", content / "articles" / "menschen")
        shutil.copytree(ROOT / "content" / "images" / "portraits", content / "images" / "portraits")
        full = run_pelican(ours(content, work / "full", IMAGE_CACHE), work / "full", cwd=ROOT, module=OURS_MODULE)
        port = free_port()
        shutil.copytree(ROOT / "theme", work / "theme")  # the template change below edits this copy
        settings = {"IMAGE_CACHE_DIR": str(IMAGE_CACHE), "BUILD_CACHE_DIR": str(work / "preview-cache"),
                    "THEME": str(work / "theme")}
        server = subprocess.Popen([sys.executable, "-m", "plugins.preview", "--content", str(content), "--output",
                                   str(work / "served"), "--port", str(port), "-e", json.dumps(settings)],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            preview = Preview(f"http://127.0.0.1:{port}/")
            first = preview.idle(timeout=1800)
            rng, rows, handled = random.Random(7), [], []
            loads = [os.getloadavg()[0]]
            for number, kind in enumerate(KINDS):
                rows.append(one_edit(preview, content, kind, rng, number))
                status = preview.idle()
                handled.append((status["first_seconds"], status["seconds"], status.get("cpu_seconds", 0.0)))
            loads.append(os.getloadavg()[0])
            open_tab(preview.base, "index.html")  # the editor looks at the home page, as a browser tab does
            time.sleep(1.0)
            started = time.perf_counter()  # base.html: every page is rendered again, in one process
            marker = edits.edit_theme(work / "theme", 99).marker
            theme_seconds = preview.wait_for(lambda: marker in fetch(preview.base)[1], timeout=1800) - started
            preview.idle(timeout=1800)
            every_page_seconds = time.perf_counter() - started
        finally:
            server.terminate()
            log = server.communicate(timeout=30)[0]
    times = sorted(seconds for _, seconds in rows)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"corpus: {corpus.markdown_files} Markdown files {corpus.counts} + 6 portraits + pages + 185 region pages")
    print(f"  our full build (all cores, fresh folder)   {full.wall:7.2f} s  {full.pages} pages")
    print(f"  preview: first build in its process      {first['seconds']:7.2f} s")
    print(f"  load average (1 min) at the first and the last edit: {loads[0]:.1f}, {loads[1]:.1f} "
          f"on {os.cpu_count()} cores")
    print("  save -> updated page served (as the browser fetches it); the first look that wrote it;")
    print("  then the full pass (every list, feed, calendar, sitemap): wall and CPU")
    for (what, seconds), (first, wall, cpu) in zip(rows, handled):
        print(f"    {seconds:6.2f} s   {first:5.2f} s   {wall:6.2f} s  {cpu:6.2f} s CPU  {what}")
    cpus = sorted(cpu for _, _, cpu in handled)
    print(f"  median {statistics.median(times):.2f} s (goal <= 1 s), p95 {p95:.2f} s (goal <= 2 s), "
          f"max {times[-1]:.2f} s over {len(times)} edits;"
          f" median/full build {statistics.median(times) / full.wall:.3f}x")
    print(f"  CPU per full pass (what its wall time is on an idle machine): median "
          f"{statistics.median(cpus):.2f} s, p95 {cpus[min(len(cpus) - 1, round(0.95 * (len(cpus) - 1)))]:.2f} s")
    print(f"  base template + CSS change, the home page open in a tab: that page served {theme_seconds:7.2f} s, "
          f"every page rendered {every_page_seconds:7.2f} s")
    if "--verbose" in sys.argv:
        print(log)


if __name__ == "__main__":
    main()
