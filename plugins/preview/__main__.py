"""`python -m plugins.preview` (what `invoke livereload` runs): build once, serve, and on
every save re-render what the change affects, then reload the open pages.

    python -m plugins.preview [--content content] [--output output] [--host 127.0.0.1] [--port 8000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from .server import Channel, start_server
from .session import Outcome, PreviewSession, preview_settings
from .watch import Roots, Watcher

ROOT = Path(__file__).resolve().parents[2]
POLL_SECONDS = 0.05
INDEX_QUIET_SECONDS = 2.0  # the search index waits until the editor pauses


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
        self.wanted = threading.Event()
        threading.Thread(target=self._loop, name="preview-search", daemon=True).start()

    def request(self) -> None:
        self.due = time.monotonic() + INDEX_QUIET_SECONDS
        self.wanted.set()

    def _loop(self) -> None:
        from plugins.search import pagefind_command

        while True:
            self.wanted.wait()
            while time.monotonic() < self.due:
                time.sleep(self.due - time.monotonic())
            self.wanted.clear()
            subprocess.run(pagefind_command(self.output), capture_output=True, preexec_fn=lambda: os.nice(15))


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
    settings = preview_settings(args.settings, args.content.resolve(), args.output.resolve(), json.loads(args.extra))
    session = PreviewSession(settings)
    roots = Roots(args.content.resolve(), Path(settings["THEME"]), (ROOT / "plugins", Path(args.settings)))
    watcher = Watcher(roots)
    channel = Channel()
    first = session.run()
    report(first, "first build")
    channel.publish(first.error, first.seconds, first.cpu_seconds)
    indexer = None if args.no_search else SearchIndexer(args.output.resolve())
    if indexer and not first.error:
        indexer.request()
    start_server(args.output.resolve(), channel, args.host, args.port)
    print(f"Vorschau: http://{args.host}:{args.port}/  (Ctrl+C beendet)", flush=True)
    while True:
        time.sleep(POLL_SECONDS)
        kinds = watcher.changes()
        if not kinds:
            continue
        if "code" in kinds:  # plugins or settings: a new process imports them afresh
            print("plugins or settings changed: restarting the preview", flush=True)
            os.execv(sys.executable, [sys.executable, "-m", "plugins.preview", *(argv or sys.argv[1:])])
        if "theme" in kinds:  # templates and CSS reach every page: render everything once
            session.forget_outputs()
        channel.start()
        outcome = session.run()
        report(outcome, " and ".join(sorted(kinds)) + " changed")
        channel.publish(outcome.error, outcome.seconds, outcome.cpu_seconds)
        if indexer and not outcome.error:
            indexer.request()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
