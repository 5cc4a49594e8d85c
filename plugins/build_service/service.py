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
  answers `restart` and the caller builds with the one-shot command instead;
- which files changed: every file below the content and theme folders is stat'ed (0.1 s at
  12,000 articles). When only Markdown bodies changed, the session's body_edits renders the
  outputs showing them without the full pass; anything else runs the full pass.
The search index is told which pages were written or deleted since its last update, so it
looks at those only (a scan of 24,000 output files cost most of a second).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pelican.log import FatalLogger

from plugins import search_index
from plugins.files import file_stamp
from plugins.incremental import fingerprint
from plugins.incremental.fingerprint import combine, packages_digest, tree_entries
from plugins.preview.session import PreviewSession, preview_settings

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
    body_only: bool = False  # only bodies changed: rendered without the full pass (plugins/preview/body_edit.py)
    error: str | None = None
    restart: bool = False  # plugins, settings or packages changed: build with a new process

    def as_dict(self) -> dict:
        return asdict(self)


def code_digest(settings_file: Path) -> str:
    """What only a new process picks up: the plugins (the web editor's npm packages by npm's
    record of them: plugins/incremental/fingerprint.py), the settings files, the packages."""
    settings = sorted({settings_file.resolve(), PROJECT_ROOT / "pelicanconf.py"})
    return combine(fingerprint.code_digest(PLUGINS_ROOT), packages_digest(),
                   *(f"{path}\0{path.stat().st_mtime_ns}\0{path.stat().st_size}" for path in settings))


def theme_digest(theme: Path) -> str:
    """The theme's files other than its templates."""
    return combine(*(entry for entry in tree_entries(theme) if not entry.startswith(TEMPLATES)))


def source_stamps(*folders: Path) -> dict[str, tuple[int, int] | None]:
    """Absolute path -> (size, mtime) of every file below `folders`, links followed as Pelican reads."""
    return {os.path.join(top, name): file_stamp(os.path.join(top, name))
            for folder in folders for top, _dirs, names in os.walk(folder, followlinks=True) for name in names}


def changed_markdown(before: dict | None, now: dict, content: Path) -> set[str] | None:
    """The Markdown files below `content` that changed since `before`; None when anything else
    did (a file added or deleted, a template, an image, a data file) or nothing is known."""
    if before is None or before.keys() != now.keys():
        return None
    changed = {path for path, stamp in now.items() if before[path] != stamp}
    inside = os.path.join(str(content), "")
    if any(not (path.startswith(inside) and path.endswith(".md")) for path in changed):
        return None
    return changed


class BuildService:
    def __init__(self, settings_file: Path, content: Path, output: Path, cache: Path,
                 overrides: dict | None = None, strict: bool = True) -> None:
        self.settings_file, self.output, self.cache = settings_file, output.resolve(), cache
        # the session writes into the kept folder, output by output: never empty it first
        settings = preview_settings(str(settings_file), content.resolve(), self.output,
                                    {"DELETE_OUTPUT_DIRECTORY": False, **(overrides or {})})
        self.theme, self.content = Path(settings["THEME"]), content.resolve()
        self.sources: dict | None = None  # source_stamps at the last good build
        self.unindexed: set[str] | None = None  # output pages written or deleted since the search index saw them
        self.strict = strict
        self.code = code_digest(settings_file)
        self.theme_files = theme_digest(self.theme)
        self.session = PreviewSession(settings)

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
        sources = source_stamps(self.content, self.theme)
        changed, self.sources = changed_markdown(self.sources, sources, self.content), None
        try:
            outcome = (changed is not None and self.session.body_edits(changed)) or self.session.run()
        finally:
            FatalLogger.fatal_lvl = fatal
        rendered = round(outcome.seconds, 3)
        if outcome.error:
            self.unindexed = None  # what it wrote before failing is not known: the index looks at every page
            return result(ok=False, error=outcome.error, render_seconds=rendered)
        self.sources = sources
        if self.unindexed is not None:
            self.unindexed |= self.written_pages(outcome)
        indexing = time.perf_counter()
        try:
            shards = search_index.update(self.output, self.cache / "search", changed=self.unindexed)
        except search_index.SearchIndexFailed as failure:
            return result(ok=False, error=f"search index: {failure}", render_seconds=rendered)
        self.unindexed = set()
        return result(ok=True, written=len(outcome.rendered), removed=len(outcome.removed),
                      search_shards_built=shards.built, render_seconds=rendered,
                      search_seconds=round(time.perf_counter() - indexing, 3), body_only=outcome.body_only)

    def written_pages(self, outcome) -> set[str]:
        """The output files (relative) the outcome wrote or deleted."""
        records = self.session.state.records
        paths = [path for key in outcome.rendered if key in records for path in records[key].paths]
        return {os.path.relpath(path, self.output) for path in [*paths, *outcome.removed]}
