"""One long-lived Pelican in the preview process: every run reads the site again through
Pelican's warm reader cache, and the PreviewWriter renders only what changed.

Pelican's own autoreload mode also calls Pelican.run() again and again; the plugins are
made for that. What the session adds: the writer, image look-ups recorded per output,
pages of links (`{filename}`) re-rendered when any URL changes, the search index left to
the server (it is rebuilt off the critical path), and errors returned instead of raised.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican, signals
from pelican.settings import read_settings

from plugins import validation

from .writer import PreviewState, PreviewWriter

logger = logging.getLogger(__name__)
IMAGE_GLOBALS = ("picture", "image_url", "image_path")


@dataclass
class Outcome:
    seconds: float
    rendered: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    error: str | None = None


def preview_settings(settings_file: str, content: Path, output: Path, overrides: dict | None = None) -> dict:
    """The project's settings with what a preview needs: one process (the writer's records
    live in it), no search index in the build, no incremental-build digests (the preview
    tracks changes itself)."""
    return read_settings(settings_file, override={
        "PATH": str(content), "OUTPUT_PATH": str(output), "BUILD_WORKERS": 1,
        "SEARCH_INDEX": False, "INCREMENTAL_BUILDS": False, **(overrides or {})})


class PreviewSession:
    def __init__(self, settings: dict) -> None:
        self.state = PreviewState(content_path=str(Path(settings["PATH"]).resolve()))
        self.writer_class = type("SessionWriter", (PreviewWriter,), {"state": self.state})
        self.pelican = Pelican(settings)
        signals.get_writer.connect(self._writer, weak=False)
        signals.generator_init.connect(self._record_images, weak=False)
        signals.all_generators_finalized.connect(self._links_epoch, weak=False)

    def close(self) -> None:
        signals.get_writer.disconnect(self._writer)
        signals.generator_init.disconnect(self._record_images)
        signals.all_generators_finalized.disconnect(self._links_epoch)

    def _writer(self, _pelican):
        return self.writer_class

    def _record_images(self, generator) -> None:
        """Wrap the image globals so each output records the images it shows."""
        for name in IMAGE_GLOBALS:
            function = generator.env.globals.get(name)
            if function is not None and not getattr(function, "records", False):
                generator.env.globals[name] = _recording(function, self.state)

    def _links_epoch(self, generators) -> None:
        urls = generators[0].context.get("generated_content", {})
        self.state.prints.links_epoch = hash(tuple(sorted(
            (path, getattr(item, "url", "")) for path, item in urls.items())))

    def forget_outputs(self) -> None:
        """After a template, CSS or image-pipeline change: render everything once more."""
        for record in self.state.records.values():
            record.signature = 0

    def run(self) -> Outcome:
        started = time.perf_counter()
        validation.install(self.pelican)  # problems of the last run must not stop this one
        self.state.begin(links_epoch=0)
        try:
            self.pelican.run()
        except SystemExit as stop:  # plugins/validation: the content problems, file by file
            return Outcome(time.perf_counter() - started, error=str(stop))
        except Exception:  # noqa: BLE001 - any build error is shown; the last good output stays
            return Outcome(time.perf_counter() - started, error=traceback.format_exc())
        removed = self.state.finish()
        return Outcome(time.perf_counter() - started, list(self.state.rendered), removed)


def _recording(function, state: PreviewState):
    def recorded(src, *args, **kwargs):
        state.image_used(src)
        return function(src, *args, **kwargs)

    recorded.records = True
    return recorded
