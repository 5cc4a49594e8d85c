"""Reading Markdown faster: one Markdown instance per reader, plain ISO dates read without
dateutil, and on a build that reads everything (no reader cache yet) the conversions spread
over the cores.

Pelican makes a new Markdown instance per file (building it, with its extensions, cost as
much as converting a short file) and converts one file after another in one process, while
rendering is already spread (plugins/parallel.py). Here:

- ReusedMarkdownReader keeps one instance and calls Python-Markdown's reset() between files
  (it clears every extension's state); Pelican's metadata parsing takes the `meta`
  preprocessor out, so it is put back before each file.
- On the first file of a build whose reader cache is empty, every Markdown file under PATH
  is converted once in forked workers (same steps, same instance settings: the same HTML)
  and the parent takes the results by path; Pelican's own metadata handling then runs on
  them in the parent as for any file. A file a worker could not convert is simply read
  again the normal way (so its error is reported as usual).
"""

from __future__ import annotations

import logging
import os
import re

from markdown import Markdown
from pelican import readers as pelican_readers
from pelican import utils as pelican_utils
from pelican.readers import MarkdownReader
from pelican.utils import SafeDatetime, pelican_open

from plugins import parallel
from plugins.sanitize.policy import clean_ahead, cleaned_ahead

logger = logging.getLogger(__name__)
META_PRIORITY = 27  # markdown.extensions.meta registers its preprocessor at this priority


def markdown_config(settings: dict) -> dict:
    """MARKDOWN with the extensions Pelican's MarkdownReader adds, in its order: those with a
    configuration, then `meta` (the metadata block)."""
    config = dict(settings["MARKDOWN"])
    extensions = list(config.get("extensions", []))
    extensions += [name for name in config.get("extension_configs", {}) if name not in extensions]
    if "markdown.extensions.meta" not in extensions:
        extensions.append("markdown.extensions.meta")
    return {**config, "extensions": extensions}


class Converter:
    """One Markdown instance, reset between documents, giving what Pelican's reader needs:
    the HTML, the raw metadata and the HTML of the formatted metadata fields (summary)."""

    def __init__(self, settings: dict) -> None:
        self.md = Markdown(**markdown_config(settings))
        self.meta = self.md.preprocessors["meta"]
        self.formatted_fields = settings["FORMATTED_FIELDS"]
        self.fresh = True

    def ready(self) -> Markdown:
        if not self.fresh:
            self.md.reset()
            if "meta" not in self.md.preprocessors:
                self.md.preprocessors.register(self.meta, "meta", META_PRIORITY)
        self.fresh = False
        return self.md

    def convert(self, path: str) -> tuple[str, dict, dict[str, str]]:
        md = self.ready()
        with pelican_open(path) as text:
            html = md.convert(text)
        meta = dict(getattr(md, "Meta", {}))
        formatted = {}
        md.preprocessors.deregister("meta", strict=False)  # as Pelican does before converting fields
        for name, value in meta.items():
            if name.lower() in self.formatted_fields:
                joined = "\n".join(value)
                md.reset()
                formatted[joined] = md.convert(joined)
        return html, meta, formatted


class _Fields:
    """Stands in for the Markdown instance inside Pelican's _parse_metadata: the formatted
    fields were converted already (by Converter, with the same steps)."""

    class _Registry:
        def deregister(self, name, strict=True):
            pass

    def __init__(self, formatted: dict[str, str]) -> None:
        self.formatted = formatted
        self.preprocessors = self._Registry()

    def reset(self):
        return self

    def convert(self, text: str) -> str:
        return self.formatted[text]


class ReusedMarkdownReader(MarkdownReader):
    """See the module docstring."""

    def read(self, source_path):
        self._source_path = source_path
        found = PREREAD.take(self, source_path)
        if found is not None:
            html, meta, formatted, cleaned = found
            for text, clean in zip((html, *formatted.values()), cleaned):
                cleaned_ahead(text, clean)
            self._md = _Fields(formatted)
            return html, (self._parse_metadata(meta) if meta is not None else {})
        converter = self.__dict__.get("_converter")
        if converter is None:
            converter = self._converter = Converter(self.settings)
        self._md = md = converter.ready()
        with pelican_open(source_path) as text:
            content = md.convert(text)
        metadata = self._parse_metadata(md.Meta) if hasattr(md, "Meta") else {}
        return content, metadata


class Preread:
    """Conversions made ahead in workers, by absolute path; taken once each."""

    def __init__(self) -> None:
        self.done: dict[str, tuple[str, dict, dict[str, str], tuple[str | None, ...]]] = {}
        self.started_for: set[str] = set()

    def take(self, reader: ReusedMarkdownReader, path: str):
        root = os.path.abspath(reader.settings["PATH"])
        if root not in self.started_for:
            self.started_for.add(root)
            if _reads_everything(reader.settings):
                self.done.update(convert_all(reader.settings, markdown_files(root, reader.file_extensions)))
        return self.done.pop(os.path.abspath(path), None)


PREREAD = Preread()


def _reads_everything(settings: dict) -> bool:
    """A build without a reader cache yet converts every file: worth converting them ahead.
    With a cache most files come from it, and converting them all would be wasted work."""
    cache = settings.get("CACHE_PATH")
    return not (settings.get("LOAD_CONTENT_CACHE") and cache and os.path.isdir(cache) and os.listdir(cache))


def markdown_files(root: str, extensions) -> list[str]:
    suffixes = tuple(f".{extension}" for extension in extensions)
    return sorted(os.path.join(folder, name) for folder, _dirs, names in os.walk(root)
                  for name in names if name.endswith(suffixes) and not name.startswith("."))


def convert_all(settings: dict, paths: list[str]) -> dict[str, tuple[str, dict, dict[str, str], tuple]]:
    """Convert `paths` across the cores (plugins.parallel.each: worker k takes k, k+n, ...);
    the workers send their results back pickled through a pipe: the HTML, the metadata, the
    formatted fields and the sanitiser's clean forms of the HTML and the fields (None: unchanged)."""
    results: dict[str, tuple[str, dict, dict[str, str], tuple]] = {}
    if "BUILD_READ_WORKERS" in settings:  # plugins/incremental holds generation to one worker, not reading
        settings = {**settings, "BUILD_WORKERS": settings["BUILD_READ_WORKERS"]}  # None: all cores
    if parallel.worker_count(settings, len(paths)) == 1:
        return results  # one core: reading file by file is the same work
    converter = Converter(settings)

    def work(index: int) -> None:
        try:
            html, meta, formatted = converter.convert(paths[index])
            # cleaned here too: the sanitiser (plugins/sanitize) runs in the one reading process
            cleaned = tuple(map(clean_ahead, (html, *formatted.values())))
            results[paths[index]] = (html, meta, formatted, cleaned)
        except Exception:  # noqa: BLE001 - read again the normal way, which reports the problem
            converter.fresh = False

    parallel.each_into(settings, len(paths), work, results)
    logger.info("Markdown converted ahead on %d cores: %d of %d files", parallel.worker_count(settings, len(paths)),
                len(results), len(paths))
    return results


PLAIN_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")


def get_date(text: str) -> SafeDatetime:
    """Pelican's get_date, but a plain ISO date ("2026-04-21", "2026-04-21 09:00[:00]", also with
    "T") is read directly: Pelican hands every `Date` to dateutil's general parser, a fifth of a
    millisecond per file in the parent process. The same SafeDatetime (naive, as dateutil gives
    without an offset); anything else, an impossible date included, goes to Pelican."""
    match = PLAIN_ISO_DATE.fullmatch(text)
    if match is not None:
        try:
            return SafeDatetime(*(int(part) for part in match.groups() if part is not None))
        except ValueError:
            pass  # Pelican's own message for it
    return pelican_utils.get_date(text)


def reuse_markdown(readers) -> None:
    """readers_init: the Markdown extensions are read with ReusedMarkdownReader, and the
    metadata's dates with get_date (Pelican's processors look the name up in its readers module)."""
    pelican_readers.get_date = get_date
    for extension, reader_class in list(readers.reader_classes.items()):
        if reader_class is MarkdownReader:
            readers.reader_classes[extension] = ReusedMarkdownReader
