"""One resident production build: a preview session (plugins/preview/session.py) on the
production settings, and the search index after it, kept alive between builds.

A build re-reads only the Markdown files that changed and renders only the outputs whose
signature changed (the session's writer), then re-indexes only the search shards whose
pages changed (plugins/search_index.py). What the build must find out for itself, as no
file notifications reach it:
- theme files other than templates (CSS, scripts, translation catalogs) reach every page:
  when one changes, every output is rendered once more; templates are followed output by
  output (each output's signature holds the sources of the templates it is rendered with);
- plugins, settings or installed packages: only a new process imports them, so the build
  answers `restart` and the caller builds with the one-shot command instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pelican.log import FatalLogger

from plugins import search_index
from plugins.incremental.fingerprint import combine, packages_digest, tree_digest, tree_entries
from plugins.preview.session import Outcome, PreviewSession, preview_settings

PLUGINS_ROOT = Path(__file__).resolve().parents[1]
PROJECT_ROOT = PLUGINS_ROOT.parent
TEMPLATES = "templates/"


@dataclass
class Result:
    ok: bool
    seconds: float
    output: str
    written: int = 0  # outputs rendered (a paginated list counts once per page)
    removed: int = 0  # output files deleted
    search_shards_built: int = 0
    render_seconds: float = 0.0  # the session's run: reading, rendering, writing
    search_seconds: float = 0.0  # the search index after it
    error: str | None = None
    restart: bool = False  # plugins, settings or packages changed: build with a new process

    def as_dict(self) -> dict:
        return asdict(self)


def code_digest(settings_file: Path) -> str:
    """What only a new process picks up: the plugins, the settings files, the packages."""
    settings = sorted({settings_file.resolve(), PROJECT_ROOT / "pelicanconf.py"})
    return combine(tree_digest(PLUGINS_ROOT), packages_digest(),
                   *(f"{path}\0{path.stat().st_mtime_ns}\0{path.stat().st_size}" for path in settings))


def content_stamps(content: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file below the content folder, by absolute path
    (one scandir walk: 0.1 s at 12,000 files)."""
    found: dict[str, tuple[int, int]] = {}
    stack = [os.fspath(content)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    stat = entry.stat()
                    found[entry.path] = (stat.st_size, stat.st_mtime_ns)
    return found


def changed_files(before: dict[str, tuple[int, int]], now: dict[str, tuple[int, int]]) -> set[str]:
    """Added, changed and deleted files between two content_stamps."""
    return {path for path in before.keys() | now.keys() if before.get(path) != now.get(path)}


def theme_digest(theme: Path) -> str:
    """The theme's files other than its templates."""
    return combine(*(entry for entry in tree_entries(theme) if not entry.startswith(TEMPLATES)))


class BuildService:
    def __init__(self, settings_file: Path, content: Path, output: Path, cache: Path,
                 overrides: dict | None = None, strict: bool = True) -> None:
        self.settings_file, self.output, self.cache = settings_file, output.resolve(), cache
        # the session writes into the kept folder, output by output: never empty it first
        settings = preview_settings(str(settings_file), content.resolve(), self.output,
                                    {"DELETE_OUTPUT_DIRECTORY": False, **(overrides or {})})
        self.theme = Path(settings["THEME"])
        self.strict = strict
        self.code = code_digest(settings_file)
        self.theme_files = theme_digest(self.theme)
        self.session = PreviewSession(settings)
        self.content = Path(settings["PATH"])
        self.stamps: dict[str, tuple[int, int]] = {}

    def build(self) -> Result:
        started = time.perf_counter()

        def result(**found) -> Result:
            return Result(seconds=round(time.perf_counter() - started, 3), output=str(self.output), **found)

        if code_digest(self.settings_file) != self.code:
            return result(ok=False, restart=True, error="plugins, settings or packages changed")
        theme = theme_digest(self.theme)
        if theme != self.theme_files:
            self.theme_files = theme
            self.session.forget_outputs()
        fatal = FatalLogger.fatal_lvl
        if self.strict:  # as `pelican --fatal warnings`: a warning fails the build
            FatalLogger.fatal_lvl = logging.WARNING
        rendering = time.perf_counter()
        try:
            first, early = self._first_look()
            outcome = self.session.run()
        finally:
            FatalLogger.fatal_lvl = fatal
        rendered = round(time.perf_counter() - rendering, 3)
        indexing = time.perf_counter()
        if early:
            early.join()
        if outcome.error:
            return result(ok=False, error=outcome.error, render_seconds=rendered)
        try:
            shards = search_index.update(self.output, self.cache / "search")
        except search_index.SearchIndexFailed as failure:
            return result(ok=False, error=f"search index: {failure}", render_seconds=rendered)
        return result(ok=True, written=len({*first.pages_first, *outcome.rendered}),
                      removed=len(first.removed) + len(outcome.removed),
                      search_shards_built=shards.built, render_seconds=rendered,
                      search_seconds=round(time.perf_counter() - indexing, 3))

    def _first_look(self) -> tuple[Outcome, threading.Thread | None]:
        """Write the pages of the changed Markdown files first (the preview's first look) and
        start indexing their search shards on the other core while every list is rendered.
        The index after the full pass is the one that counts: a shard whose pages came out
        the same is not indexed twice (its key is the pages' digests); one that differs is."""
        now = content_stamps(self.content)
        changed, self.stamps = changed_files(self.stamps, now) if self.stamps else set(), now
        if not changed:
            return Outcome(0.0), None
        look = self.session.page_first(changed)
        if look.error or not look.pages_first:
            return look, None

        def index() -> None:
            try:
                search_index.update(self.output, self.cache / "search")
            except Exception:  # noqa: BLE001 - only a head start: the update after the full pass reports
                logging.getLogger(__name__).debug("early search index failed", exc_info=True)

        early = threading.Thread(target=index, name="early-search-index", daemon=True)
        early.start()
        return look, early
