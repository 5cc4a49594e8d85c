"""Rebuilds that find nothing changed keep the output as it is instead of writing it again.

Before any content is read (Pelican's get_generators signal, sent on every run, also in
autoreload mode) the plugin digests the build's inputs: every file under the content and
theme folders and under plugins/, the shared municipality registry, the settings and the
installed packages. The last complete build into the same output folder left a manifest
with that digest, a digest of the output folder as it left it, and the instant until which
its time-dependent pages stay right (see clock.py).

When the inputs match, the clock has not passed that instant and the output folder is
exactly as the build left it, no generator reads or writes anything (sitemap and search
index included: they ask `output_kept()`). Not reading is safe: the inputs are those of
the last complete build, which read them without a problem, so validation has nothing
new to report. Anything else - an edited file, a new setting, a package upgrade, a file
deleted from the output, `--ignore-cache` - gives a full build, which reads through
Pelican's own reader cache (CACHE_CONTENT).

A build that does write renders only the outputs whose inputs changed (render.py): a
dependency record beside the manifest (dependencies.json) holds every output's signature -
the sha256 of the content files, templates and context values it was rendered from - and
unchanged outputs are hard-linked from the last build's output instead of rendered. The
record is used only when the last build was complete and everything the record does not
follow output by output is the same (settings, plugins, packages, data files, images, theme
files other than templates, English translations, the clock's instant); else every output
is rendered, and the record written for the next build.

The manifest is deleted before a full build writes anything and saved after the last
`finalized` handler, so a build that fails or is killed half-way is never trusted.
Settings: BUILD_CACHE_DIR (default .cache/builds) holds the manifest and the reader cache,
one folder per (content, output) pair; INCREMENTAL_BUILDS = False skips the check.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pelican import signals
from pelican.utils import clean_output_dir

from . import clock, manifest, render
from .fingerprint import code_digest, combine, packages_digest, settings_digest, tree_digest, tree_entries

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLUGINS_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE_DIR = ".cache/builds"
DISCARDED = ".discarded-"
# Settings that locate or switch the cache itself; they do not change what is written.
VOLATILE_SETTINGS = ("CACHE_PATH", "LOAD_CONTENT_CACHE", "BUILD_READ_WORKERS")


@dataclass
class BuildState:
    folder: Path
    inputs: str
    environment: str
    now: datetime
    kept: bool
    conditions: str = ""  # what a dependency record (render.py) is valid for
    declared: list[datetime | None] = field(default_factory=list)
    outputs_later: bool = False  # the output's digest is taken by who changes the output after Pelican
    started_empty: bool = False  # nothing was in the output folder when writing began


_state: BuildState | None = None


def output_started_empty() -> bool:
    """True while a build writes into a folder that was empty when writing began (a fresh folder,
    DELETE_OUTPUT_DIRECTORY, or the last output moved aside): nothing in it is left from before."""
    return _state is not None and _state.started_empty


def outputs_digested_later() -> None:
    """The build command (plugins/build.py) indexes the output once Pelican has exited and saves
    the manifest again with the digest of the indexed folder: the manifest written at `finalized`
    then carries no digest (an empty one matches no folder, so it is never trusted on its own),
    and the walk over every output file is made once, not twice."""
    if _state is not None:
        _state.outputs_later = True


def output_kept() -> bool:
    """True while a build runs that keeps the previous output (nothing to write)."""
    return _state is not None and _state.kept


def manifest_folder() -> Path | None:
    """The folder of this build's manifest while a full build runs (None when none is recorded)."""
    return _state.folder if _state is not None and not _state.kept else None


def shared_inputs() -> list[str]:
    """Files read from outside the content folder: the municipality registry that the region
    plugin falls back to when a content tree has none of its own."""
    from plugins.region.registry import DEFAULT_PATH

    stat = DEFAULT_PATH.stat()
    return [f"{DEFAULT_PATH}\0{stat.st_size}\0{stat.st_mtime_ns}"]


def data_inputs() -> list[str]:
    """The data files the region plugin and the places lookup read whatever PATH is."""
    from plugins.region.places import DEFAULT_PATH as PLACES

    stat = PLACES.stat()
    return [*shared_inputs(), f"{PLACES}\0{stat.st_size}\0{stat.st_mtime_ns}"]


def render_conditions(pelican, environment: str) -> str:
    """Everything a dependency record does not follow output by output: settings, plugins,
    packages, the data files, every content file but Markdown (images, data tables) and every
    theme file but the templates (CSS, translations). Any change: every output is rendered."""
    content = [entry for entry in tree_entries(pelican.path) if not entry.split("\0", 1)[0].endswith(".md")]
    theme = [entry for entry in tree_entries(pelican.theme) if not entry.startswith("templates" + os.sep)]
    return combine(environment, "\n".join(content), "\n".join(theme), *data_inputs())


def discard(folder: Path) -> None:
    """Remove a folder without waiting for it: renamed out of the way at once, then deleted by a
    detached process. The last output, once replaced, is thousands of folders that nobody
    needs to wait for (a second of every incremental build at 3,000 articles)."""
    if not os.path.lexists(folder):
        return
    trash = folder.with_name(f"{folder.name.split(DISCARDED)[0]}{DISCARDED}{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(folder, trash)
        subprocess.Popen(["rm", "-rf", "--", str(trash)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        shutil.rmtree(trash if os.path.lexists(trash) else folder, ignore_errors=True)


def start_render(pelican, folder: Path, previous, environment: str, now: datetime) -> str:
    """A build that writes: render only what changed when the last build left a usable
    record and its output folder as it was; else render everything (render.py)."""
    settings = pelican.settings
    conditions = render_conditions(pelican, environment)
    output = pelican.output_path
    usable = (previous is not None and previous.environment == environment and previous.still_valid(now)
              and os.path.isdir(output) and previous.outputs == tree_digest(output))
    record = render.load(folder, conditions) if usable else None
    render.forget(folder)
    aside = folder / "previous-output"
    for left in [aside, *folder.glob(f"{aside.name}{DISCARDED}*")]:  # a build that did not finish, a reboot
        discard(left)
    workers = settings.get("BUILD_WORKERS")
    settings["BUILD_WORKERS"] = 1  # generators only make calls; render.py renders over the cores
    settings["BUILD_READ_WORKERS"] = workers  # reading ahead (plugins/parallel_read) still uses them
    render.begin(output, str(aside) if record is not None else None, workers, record)
    return conditions


def incremental_writer(pelican):
    """get_writer (the content is read and valid, nothing is written yet): the writer that
    records dependencies. With a usable record the last output is moved aside now (a build
    stopped by a content problem leaves it where it was) and the build starts from an empty
    folder, as after DELETE_OUTPUT_DIRECTORY."""
    state = render.current()
    if state is None:
        return None
    if state.previous:
        try:  # same file system: BUILD_CACHE_DIR next to the output
            os.rename(pelican.output_path, state.previous)
            os.makedirs(pelican.output_path)
        except OSError:
            state.previous, state.records = None, {}
            if pelican.settings.get("DELETE_OUTPUT_DIRECTORY"):
                clean_output_dir(pelican.output_path, pelican.output_retention)
    if _state is not None:
        _state.started_empty = _empty(pelican.output_path)
    return render.IncrementalWriter


def _empty(folder: str) -> bool:
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except FileNotFoundError:
        return True


def environment_digest(pelican) -> str:
    plugin_folders = sorted({str(PLUGINS_ROOT)} | {str(Path(p.__file__).parent) for p in pelican.plugins
                                                     if not Path(p.__file__).is_relative_to(PLUGINS_ROOT)})
    return combine(settings_digest(pelican.settings, ignore=VOLATILE_SETTINGS), packages_digest(),
                   *(code_digest(folder) for folder in plugin_folders))


def check_build(pelican) -> None:
    """get_generators: decide, before anything is read, whether the output can be kept."""
    global _state
    settings = pelican.settings
    stale = render.current()
    if stale is not None:  # the last run (autoreload) stopped half-way
        settings["BUILD_WORKERS"] = stale.workers
        settings.pop("BUILD_READ_WORKERS", None)
        render.end()
    base = Path(settings.get("BUILD_CACHE_DIR") or DEFAULT_CACHE_DIR)
    folder = manifest.cache_folder(base if base.is_absolute() else PROJECT_ROOT / base,
                                   pelican.path, pelican.output_path)
    settings["CACHE_PATH"] = str(folder / "pelican")
    if not settings.get("INCREMENTAL_BUILDS", True):
        # The preview (plugins/preview) tracks changes itself; digesting the trees on every
        # run would cost it more than the render it saves.
        _state = None
        return
    environment = environment_digest(pelican)
    inputs = combine(environment, tree_digest(pelican.path), tree_digest(pelican.theme), *shared_inputs())
    now = datetime.now(timezone.utc)
    previous = manifest.load(folder)
    if previous is not None and previous.environment != environment:
        # Pelican's reader cache only watches file times; new settings or code may read differently.
        shutil.rmtree(folder / "pelican", ignore_errors=True)
    kept = (previous is not None and settings.get("LOAD_CONTENT_CACHE", True)
            and previous.inputs == inputs and previous.still_valid(now)
            and previous.outputs == tree_digest(pelican.output_path))
    conditions = ""
    if not kept:
        manifest.forget(folder)
        conditions = start_render(pelican, folder, previous, environment, now)
    else:  # the generators that come next need not even load the reader cache
        settings["LOAD_CONTENT_CACHE"] = False
    # DELETE_OUTPUT_DIRECTORY (publishconf.py): Pelican empties the folder after this signal;
    # a kept output must stay. A full build still starts from an empty folder.
    incremental = (state := render.current()) is not None and state.previous is not None
    pelican.delete_outputdir = settings.get("DELETE_OUTPUT_DIRECTORY", False) and not kept and not incremental
    _state = BuildState(folder, inputs, environment, now, kept, conditions)


def skip_reading(generator) -> None:
    """generator_init: a build that keeps the output reads no content (see the docstring)."""
    if output_kept():
        generator.generate_context = _read_nothing


def _read_nothing() -> None:
    """Stands in for a generator's generate_context when the output is kept."""


def plan_output(generators) -> None:
    """all_generators_finalized: collect when time-dependent output expires, or skip writing."""
    if _state is None:
        return
    if not _state.kept:
        _state.declared = [getattr(generator, "valid_until", None) for generator in generators]
        plan_render(generators)
        return
    logger.info("Nothing changed since the last build into this folder; its output is kept as it is.")
    for generator in generators:
        if hasattr(generator, "generate_output"):
            generator.generate_output = _keep_output


def plan_render(generators) -> None:
    """Content is read: check what other plugins add (render.EXTRA_INPUTS), then render the changed outputs after the last generator made its calls."""
    state = render.current()
    if state is None:
        return
    render.check_extra_inputs(state)
    state.prints.links_epoch = render.links_epoch(generators)
    writing = [generator for generator in generators if hasattr(generator, "generate_output")]
    for generator in writing:
        generator.generate_output = _then_sign(generator.generate_output, render_after=generator is writing[-1])


def _then_sign(original, render_after: bool):
    """A generator's generate_output, then (a full build) the signatures of the outputs it asked
    for, taken before the next generator runs; after the last one, the render."""
    def generate_output(writer) -> None:
        original(writer)
        if isinstance(writer, render.IncrementalWriter):
            writer.render_queue() if render_after else writer.sign_queued()

    return generate_output


def _keep_output(_writer) -> None:
    """Stands in for a generator's generate_output when the output is kept."""


def record_build(pelican) -> None:
    """finalized (connected last): remember what this complete build read and wrote."""
    if _state is not None and _state.kept:
        pelican.settings["LOAD_CONTENT_CACHE"] = True  # autoreload runs again with the same settings
    state = render.current()
    if state is not None:
        pelican.settings["BUILD_WORKERS"] = state.workers
        pelican.settings.pop("BUILD_READ_WORKERS", None)
        render.end()
        if state.previous:
            discard(Path(state.previous))
    if _state is None or _state.kept:
        return
    if state is not None and state.finished:
        render.save(_state.folder, _state.conditions, state)
    until = clock.valid_until(_state.now, _state.declared)
    manifest.save(_state.folder, manifest.Manifest(
        inputs=_state.inputs, environment=_state.environment,
        outputs="" if _state.outputs_later else tree_digest(pelican.output_path), valid_until=until.isoformat()))


def register() -> None:
    signals.get_generators.connect(check_build)
    signals.get_writer.connect(incremental_writer)
    signals.generator_init.connect(skip_reading)
    signals.all_generators_finalized.connect(plan_output)
    signals.finalized.connect(record_build)
