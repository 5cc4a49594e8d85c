"""One long-lived Pelican in the preview process: every run reads the site again through
Pelican's warm reader cache, and the PreviewWriter renders only what changed.

Pelican's own autoreload mode also calls Pelican.run() again and again; the plugins are
made for that. What the session adds: the writer, image look-ups recorded per output,
pages of links (`{filename}`) re-rendered when any URL changes, the search index left to
the server (it is rebuilt off the critical path), everything read and rendered again after
a data file (content/data/*.csv) changed, and errors returned instead of raised.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pelican import Pelican, signals
from pelican.contents import Content, Page
from pelican.settings import read_settings

from plugins import validation
from plugins.files import FolderListings, file_stamp
from plugins.images.pipeline import KeptResults
from plugins.incremental import clock
from plugins.navigation.dates import BERLIN
from plugins.parallel import SharedBytecode
from plugins.region import places, registry
from plugins.sanitize import may_link_other_files

from . import body_edit, body_reads, page_first
from .writer import PreviewState, PreviewWriter

logger = logging.getLogger(__name__)
IMAGE_GLOBALS = ("picture", "image_url", "image_path")
# Loaders of the data files (content/data/*.csv), memoised for the life of the process:
# a data file changed under the preview must be read again.
DATA_LOADERS = (registry.load_registry, registry._districts, places.load_places)


@dataclass
class Outcome:
    seconds: float
    rendered: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    error: str | None = None
    cpu_seconds: float = 0.0  # CPU time of the process meanwhile: what the wall time is on an idle machine
    pages_first: list[str] = field(default_factory=list)  # the edited pages, written before the full pass
    body_only: bool = False  # rendered by body_edits, without the full pass


def preview_settings(settings_file: str, content: Path, output: Path, overrides: dict | None = None) -> dict:
    """The project's settings with what a preview needs: one process (the writer's records
    live in it), no search index in the build, no incremental-build digests (the preview
    tracks changes itself), compiled templates kept in memory."""
    settings = read_settings(settings_file, override={
        "PATH": str(content), "OUTPUT_PATH": str(output), "BUILD_WORKERS": 1,
        "SEARCH_INDEX": False, "INCREMENTAL_BUILDS": False,
        # the session keeps the content objects themselves; Pelican's pickled reader cache
        # would only be loaded and written again on every run
        "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False, **(overrides or {})})
    settings["JINJA_ENVIRONMENT"] = {**settings["JINJA_ENVIRONMENT"], "bytecode_cache": SharedBytecode()}
    settings["IMAGE_KEPT_RESULTS"] = KeptResults()  # unchanged images: one stat per save
    settings["FOLDER_LISTINGS"] = FolderListings()  # the output walked after every save: unchanged folders
    return settings


def remember_valid_save_as() -> None:
    """Pelican checks on every run that each content object's save_as stays inside the output
    folder (two abspath calls per object: a second per save on 5,000 files). A pair found
    valid stays valid; a bad one is checked, and reported, every run."""
    check = Content._has_valid_save_as
    if getattr(check, "remembers", False):
        return
    valid: set[tuple[str, str]] = set()

    def has_valid_save_as(self) -> bool:
        key = (self.settings.get("OUTPUT_PATH"), self.save_as)
        if key in valid:
            return True
        ok = check(self)
        if ok:
            valid.add(key)
        return ok

    has_valid_save_as.remembers = True
    Content._has_valid_save_as = has_valid_save_as


def remember_relative_source_paths() -> None:
    """A source path relative to the content folder is asked for once per file and run (the
    generators' add_source_path: two abspath and a relpath, a quarter of a second per run at
    12,000 files); it depends on the two paths alone."""
    relative = Content.get_relative_source_path
    if getattr(relative, "remembers", False):
        return
    known: dict[tuple[str, str], str | None] = {}

    def get_relative_source_path(self, source_path: str | None = None) -> str | None:
        key = (self.settings["PATH"], source_path or self.source_path)
        if key[1] is None:
            return None
        if key not in known:
            known[key] = relative(self, source_path)
        return known[key]

    get_relative_source_path.remembers = True
    Content.get_relative_source_path = get_relative_source_path


class PreviewSession:
    def __init__(self, settings: dict) -> None:
        remember_valid_save_as()
        remember_relative_source_paths()
        body_reads.install()
        self.state = PreviewState(content_path=str(Path(settings["PATH"]).resolve()))
        self.writer_class = type("SessionWriter", (PreviewWriter,), {"state": self.state})
        self.reads: dict[tuple[str, type], tuple[tuple[int, int] | None, object]] = {}
        self.pelican = Pelican(settings)
        self.data = data_stamps(settings["PATH"])
        self.retired: list[object] = []
        self.generators: list = []  # those of the last run without an error (page_first starts from them)
        self.fresh_until: datetime | None = None  # when the last run's time-dependent output changes
        self._running: list = []
        self._first_look = False
        signals.get_writer.connect(self._writer, weak=False)
        signals.generator_init.connect(self._record_images, weak=False)
        signals.generator_init.connect(self._reuse_reads, weak=False)
        signals.all_generators_finalized.connect(self._links_epoch, weak=False)

    def close(self) -> None:
        signals.get_writer.disconnect(self._writer)
        signals.generator_init.disconnect(self._record_images)
        signals.generator_init.disconnect(self._reuse_reads)
        signals.all_generators_finalized.disconnect(self._links_epoch)

    def _writer(self, _pelican):
        return self.writer_class

    def _record_images(self, generator) -> None:
        """Wrap the image globals so each output records the images it shows."""
        for name in IMAGE_GLOBALS:
            function = generator.env.globals.get(name)
            if function is not None and not getattr(function, "records", False):
                generator.env.globals[name] = _recording(function, self.state)

    def _reuse_reads(self, generator) -> None:
        """Give generators the content object of the last run for every unchanged file.

        Reading 5,000 files again (Markdown from the cache, a Content object, the plugins'
        checks) cost seconds per save. Not kept: objects whose body links to other files
        ({filename}: resolved against this run's URLs) and files that had a problem (it must
        be reported again on every run until fixed)."""
        readers = getattr(generator, "readers", None)
        if readers is None:
            return
        readers.read_file = _reusing(readers.read_file, self.reads, self.state)

    def _links_epoch(self, generators) -> None:
        if self._first_look:  # page_first sends the signal for its one generator
            return
        self._running = generators
        urls = generators[0].context.get("generated_content", {})
        self.state.prints.links_epoch = hash(tuple(sorted(
            (path, getattr(item, "url", "")) for path, item in urls.items())))
        # render what changed once every generator has said what it writes, before
        # `finalized` (the sitemap reads the folder then)
        last = [generator for generator in generators if hasattr(generator, "generate_output")][-1]
        last.generate_output = _then(last.generate_output, self.state.finish)

    def forget_outputs(self) -> None:
        """After a template, CSS or image-pipeline change: render everything once more."""
        for record in self.state.records.values():
            record.signature = 0

    def _data_changed(self) -> None:
        """A data file (municipalities, places) reaches pages through objects no fingerprint
        follows (an event's municipalities, an article's, the region pages): read and render
        everything again, as after a template change. Rare enough to be the simple choice."""
        stamps = data_stamps(self.pelican.settings["PATH"])
        if stamps == self.data:
            return
        self.data = stamps
        # the old registry stays alive: plugins/community keys its kept posts by id(registry),
        # and a freed registry's id could be the new one's
        self.retired.append(registry.load_registry())
        for loader in DATA_LOADERS:
            loader.cache_clear()
        self.reads.clear()  # kept content objects hold the old Municipality objects
        self.forget_outputs()

    def page_first(self, changed: set[str]) -> Outcome:
        """Before run(): write the pages of the changed files (absolute paths) and delete those
        of deleted ones (page_first.py); a file with a problem gives its error at once. Does
        nothing when the change needs the full pass: a data, template or unknown file, or
        the last run failed."""
        started, cpu = time.perf_counter(), time.process_time()
        content = self.state.content_path
        known = page_first.owners(self.generators)
        markdown = {os.path.abspath(path) for path in changed if path.endswith(".md")}
        images = {os.path.relpath(path, content) for path in changed if not path.endswith(".md")}
        if not self.generators or data_stamps(self.pelican.settings["PATH"]) != self.data or any(
                path.startswith("..") for path in images):
            return Outcome(0.0)
        gone = {source for source in markdown if not os.path.exists(source)}
        readers = {source: known[source][0] if source in known else page_first.owner_by_folder(source, known)
                   for source in markdown - gone}
        readers.update({source: known[source][0] for source in page_first.pages_showing(images, self.state, known)})
        if not (gone or readers) or not gone <= known.keys() or None in readers.values():
            return Outcome(0.0)
        removed = page_first.delete_pages([known[source][1] for source in gone], self.state)
        self._first_look = True
        try:
            look = page_first.render_pages(self.pelican, self.generators, readers, self.state)
        except Exception:  # noqa: BLE001 - a first look that fails leaves it to the full pass
            logger.debug("page first failed", exc_info=True)
            look = page_first.FirstLook()
        finally:
            self._first_look = False
        return Outcome(time.perf_counter() - started, pages_first=look.written, removed=removed, error=look.error,
                       cpu_seconds=time.process_time() - cpu)

    def outputs_first(self, outputs: set[str]) -> Outcome:
        """After a template or translation change, before the full pass: a run that renders only
        `outputs` (output files as open tabs name them, e.g. "index.html"); every other output
        keeps its record and file and is rendered by the full pass after it."""
        if not outputs or not self.generators:
            return Outcome(0.0)
        self.state.only = set(outputs)
        try:
            look = self.run()
        finally:
            self.state.only = None
        return Outcome(look.seconds, pages_first=look.rendered, error=look.error, cpu_seconds=look.cpu_seconds)

    def body_edits(self, changed: set[str]) -> Outcome | None:
        """Instead of run(), when every changed file (absolute paths) is a kept article or page
        whose body alone changed (body_edit.py): the outputs showing those bodies, rendered
        again; nothing at all when no file changed. None when it does not apply (the last run
        failed, time-dependent output is due, a data file changed, another kind of change):
        run() then does the work."""
        started, cpu = time.perf_counter(), time.process_time()
        if (not self.generators or self.state.only is not None or self.fresh_until is None
                or datetime.now(BERLIN) >= self.fresh_until
                or data_stamps(self.pelican.settings["PATH"]) != self.data):
            return None
        if not changed:  # nothing to do: the last run's output is what a full pass would write
            return Outcome(time.perf_counter() - started, cpu_seconds=time.process_time() - cpu, body_only=True)
        edits = body_edit.prepare({os.path.abspath(path) for path in changed}, self.generators, self.reads)
        if edits is None:
            return None
        try:
            rendered = body_edit.apply(edits, self.reads, self.state)
        except Exception:  # noqa: BLE001 - shown as any build error; the next save runs the full pass
            self.generators = []
            return Outcome(time.perf_counter() - started, error=traceback.format_exc(),
                           cpu_seconds=time.process_time() - cpu)
        return Outcome(time.perf_counter() - started, rendered=rendered, cpu_seconds=time.process_time() - cpu,
                       body_only=True)

    def run(self) -> Outcome:
        started, cpu = time.perf_counter(), time.process_time()

        def outcome(**found) -> Outcome:
            return Outcome(time.perf_counter() - started, cpu_seconds=time.process_time() - cpu, **found)

        validation.install(self.pelican)  # problems of the last run must not stop this one
        now = datetime.now(BERLIN)  # before reading: what changes later is seen by the next run
        self._data_changed()
        self.state.begin(links_epoch=0, output_path=self.pelican.output_path)
        self.generators = []
        try:
            self.pelican.run()
        except SystemExit as stop:  # plugins/validation: the content problems, file by file
            return outcome(error=str(stop))
        except Exception:  # noqa: BLE001 - any build error is shown; the last good output stays
            return outcome(error=traceback.format_exc())
        self.generators = self._running
        self.fresh_until = clock.valid_until(now, (getattr(g, "valid_until", None) for g in self.generators))
        return outcome(rendered=list(self.state.rendered), removed=list(self.state.removed))


def data_stamps(content_path: str) -> tuple:
    """Size and modification time of every data file the plugins load: those in the content
    folder and the loaders' defaults (the region pages read those whatever PATH is)."""
    paths = {str(path) for path in Path(content_path, "data").glob("*.csv")}
    paths |= {str(registry.DEFAULT_PATH), str(places.DEFAULT_PATH)}
    return tuple((path, file_stamp(path)) for path in sorted(paths))


def _recording(function, state: PreviewState):
    def recorded(src, *args, **kwargs):
        state.image_used(src)
        return function(src, *args, **kwargs)

    recorded.records = True
    return recorded


def _reusing(read_file, reads: dict, state: PreviewState):
    def read(base_path, path, content_class=Page, context=None, **kwargs):
        source = os.path.abspath(os.path.join(base_path, path))
        stamp, key = file_stamp(source), (source, content_class)
        state.prints.known(source, stamp)
        found = reads.get(key)
        if found is not None and found[0] == stamp:
            found[1]._context = context  # this run's shared context (URLs, static files)
            return found[1]
        problems = len(validation.problems())
        item = read_file(base_path, path, content_class=content_class, context=context, **kwargs)
        raw = getattr(item, "_content", None)
        if len(validation.problems()) == problems and not (isinstance(raw, str) and may_link_other_files(raw)):
            reads[key] = (stamp, item)
        else:
            reads.pop(key, None)
        return item

    return read


def _then(first, second):
    def both(*args, **kwargs):
        first(*args, **kwargs)
        second()

    return both
