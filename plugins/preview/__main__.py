"""`python -m plugins.preview` (what `invoke livereload` runs): build once, serve, and on
every save re-render what the change affects, then reload the open pages.

    python -m plugins.preview [--content content] [--output output] [--host 127.0.0.1] [--port 8000]
"""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from .memory import FrozenBetweenPasses
from .server import Channel, start_server
from .session import Outcome, PreviewSession, preview_settings
from .watch import Roots, changes

ROOT = Path(__file__).resolve().parents[2]
INDEX_QUIET_SECONDS = 2.0  # the search index waits until the editor pauses


def report_first(outcome: Outcome) -> None:
    if outcome.error:
        print(f"✗ {outcome.error}", flush=True)
    else:
        pages = ", ".join(outcome.pages_first) or f"{len(outcome.removed)} page(s) deleted"
        print(f"  {pages} in {outcome.seconds:.2f} s; now the lists", flush=True)


def written(outcome: Outcome, output: Path) -> list[str]:
    """The output files a pass wrote or deleted, as the open tabs name their page."""
    deleted = [os.path.relpath(path, output) for path in outcome.removed]
    # feeds are recorded as "feed:<file>"; a tab names a page by its file
    return sorted(name for name in {*outcome.pages_first, *outcome.rendered, *deleted} if not name.startswith("feed:"))


def unchanged_since(output: Path, first: dict[str, bytes]) -> set[str]:
    """Pages the full pass wrote with the same bytes the first look did: no second reload."""
    same = set()
    for name, body in first.items():
        path = output / name
        if path.is_file() and path.read_bytes() == body:
            same.add(name)
    return same


def show_first(look: Outcome, output: Path, channel: Channel) -> dict[str, bytes]:
    """Report the pages a first look wrote and reload their tabs; returns those pages' bytes
    (the full pass after it does not reload a page it writes the same again)."""
    report_first(look)
    channel.show_first(look.error, written(look, output), look.seconds)
    return {name: (output / name).read_bytes() for name in look.pages_first if (output / name).is_file()}


def report(outcome: Outcome, what: str) -> None:
    """The terminal line per handled change; errors in full."""
    if outcome.error:
        print(f"✗ {what}: build error, the last good version stays served\n{outcome.error}", flush=True)
    else:
        print(f"✓ {what}: {len(outcome.rendered)} file(s) written, {len(outcome.removed)} removed "
              f"in {outcome.seconds:.2f} s ({outcome.cpu_seconds:.2f} s CPU)", flush=True)


class SearchIndexer:
    """Rebuilds the Pagefind index in the background once edits pause (off the critical path,
    at low priority so it does not slow the next page render)."""

    def __init__(self, output: Path) -> None:
        self.output, self.due = output, 0.0
        self.cache = Path(tempfile.mkdtemp(prefix="soists-preview-search-"))  # shards, this session's
        atexit.register(shutil.rmtree, self.cache, True)
        self.wanted = threading.Event()
        threading.Thread(target=self._loop, name="preview-search", daemon=True).start()

    def request(self) -> None:
        self.due = time.monotonic() + INDEX_QUIET_SECONDS
        self.wanted.set()

    def _loop(self) -> None:
        from plugins import search_index

        while True:
            self.wanted.wait()
            while time.monotonic() < self.due:
                time.sleep(self.due - time.monotonic())
            self.wanted.clear()
            try:
                search_index.update(self.output, self.cache, background=True)
            except search_index.SearchIndexFailed as failure:
                print(f"✗ search index: {failure}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--output", type=Path, default=ROOT / "output")
    parser.add_argument("--settings", default=str(ROOT / "pelicanconf.py"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("-e", "--extra", default="{}", help="JSON object of settings to override")
    parser.add_argument("--no-search", action="store_true", help="do not rebuild the search index")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    output = args.output.resolve()
    settings = preview_settings(args.settings, args.content.resolve(), output, json.loads(args.extra))
    session = PreviewSession(settings)
    roots = Roots(args.content.resolve(), Path(settings["THEME"]), (ROOT / "plugins", Path(args.settings)))
    channel = Channel()
    memory = FrozenBetweenPasses()
    first = session.run()
    memory.after_pass()
    report(first, "first build")
    channel.publish(first.error, first.seconds, first.cpu_seconds)
    indexer = None if args.no_search else SearchIndexer(output)
    if indexer and not first.error:
        indexer.request()
    start_server(output, channel, args.host, args.port)
    print(f"Vorschau: http://{args.host}:{args.port}/  (Ctrl+C beendet)", flush=True)
    for found in changes(roots):
        if not found.kinds:  # a second without a save
            memory.collect()
            continue
        if "code" in found.kinds:  # plugins or settings: a new process imports them afresh
            print("plugins or settings changed: restarting the preview", flush=True)
            os.execv(sys.executable, [sys.executable, "-m", "plugins.preview", *(argv or sys.argv[1:])])
        channel.start()
        shown: dict[str, bytes] = {}
        # only bodies changed: the outputs showing them, without the full pass (body_edit.py)
        outcome = session.body_edits(found.content) if found.kinds == {"content"} else None
        if outcome is None and found.kinds == {"content"}:  # the edited pages first, then every list
            look = session.page_first(found.content)
            if look.pages_first or look.removed or look.error:
                shown = show_first(look, output, channel)
        if "theme" in found.kinds:  # translations reach every page: render everything once
            session.forget_outputs()
        if found.kinds & {"templates", "theme"}:  # the pages open in the browser first
            look = session.outputs_first(channel.open_pages())
            if look.pages_first or look.error:
                shown = show_first(look, output, channel)
        if outcome is None:
            outcome = session.run()
        report(outcome, " and ".join(sorted(found.kinds)) + " changed")
        # a theme or stylesheet change reloads every open tab: pages link the CSS by a fixed URL
        pages = None if found.kinds & {"theme", "templates", "static"} else sorted(
            set(written(outcome, output)) - unchanged_since(output, shown))
        channel.publish(outcome.error, outcome.seconds, outcome.cpu_seconds, pages, outcome.body_only)
        memory.after_pass()
        if indexer and not outcome.error:
            indexer.request()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
