"""Clear, collected content errors: every plugin reports bad metadata the same way.

Pelican logs an exception raised while reading a file and skips that file; a site with
silently missing pages is worse than no site. So plugins report problems here, files that
Pelican could not read are recorded too, and the build stops once all generators have read
their content, listing every problem with its file, field, value and what was expected.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

from pelican import readers, signals


@dataclass(frozen=True)
class ContentProblem:
    path: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: field '{self.field}': {self.message}"


class MetadataError(ValueError):
    """A metadata value Pelican's own processors rejected, with the field's name."""

    def __init__(self, field: str, value: str, reason: Exception):
        self.field = field
        super().__init__(f"{value!r}: {reason}")


EMPTY_TITLE = "is empty; expected a non-empty title (the headline visitors see)"
logger = logging.getLogger(__name__)

_problems: list[ContentProblem] = []
_content_root: list[str] = [""]


def editor_path(path: str) -> str:
    """The path as an editor sees it in the repository: "content/articles/x.md"."""
    root = _content_root[0]
    if not root:
        return path
    absolute = path if os.path.isabs(path) else os.path.join(root, path)
    return os.path.relpath(absolute, os.path.dirname(root))


def report(path: str, field: str, message: str) -> None:
    """Record a problem; the build stops after reading (see stop_on_problems)."""
    _record(ContentProblem(editor_path(path), field, message))


def report_setting(source: str, field: str, message: str) -> None:
    """A problem of a setting rather than a content file: `source` is shown as given
    (e.g. the settings file's path, "publishconf.py")."""
    _record(ContentProblem(source, field, message))


def _record(problem: ContentProblem) -> None:
    # Two plugins may check the same field of the same file, one saying more than the other:
    # an event's unknown municipality is reported by plugins/region (events are Pelican
    # Pages) and again, with what is expected, by plugins/events. One entry, the fuller text.
    for index, known in enumerate(_problems):
        if (known.path, known.field) != (problem.path, problem.field):
            continue
        if known.message.startswith(problem.message):
            return
        if problem.message.startswith(known.message):
            _problems[index] = problem
            return
    _problems.append(problem)


def warn(path: str, field: str, message: str) -> None:
    """A problem the build can live with (e.g. markup the sanitiser removed): logged, not
    collected. Strict builds (`--fatal warnings`) still stop on it."""
    logger.warning("%s", ContentProblem(editor_path(path), field, message))


def require_title(path: str, title) -> None:
    """Every content type needs a headline: missing, empty or only whitespace is a problem."""
    if not str(title or "").strip():
        report(path, "title", EMPTY_TITLE)


def problems() -> list[ContentProblem]:
    return list(_problems)


def stop_on_problems(*_args, **_kwargs) -> None:
    if not _problems:
        return
    lines = "\n".join(f"  - {p}" for p in _problems)
    count = len(_problems)
    _problems.clear()
    # SystemExit, not an exception: Pelican would print a traceback around the message.
    raise SystemExit(f"Build stopped: {count} content problem(s):\n{lines}")


class UnreadableFileRecorder(logging.Handler):
    """Turns Pelican's "Could not process <file>" log records into reported problems."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        if not str(record.msg).startswith("Could not process"):
            return
        path = str(record.args[0]) if record.args else "?"
        error = sys.exc_info()[1]  # still inside Pelican's except block
        field = getattr(error, "field", "file")
        report(path, field, str(error) if error else record.getMessage())


def _name_the_field(name: str, processor):
    def process(value, settings):
        try:
            return processor(value, settings)
        except Exception as error:  # any reason Pelican had: re-raise with the field's name
            raise MetadataError(name, value, error) from error

    process.wrapped = processor
    return process


def install(pelican) -> None:
    _problems.clear()
    _content_root[0] = os.path.abspath(pelican.settings["PATH"])
    for name, processor in list(readers.METADATA_PROCESSORS.items()):
        if not hasattr(processor, "wrapped"):
            readers.METADATA_PROCESSORS[name] = _name_the_field(name, processor)
    logger = logging.getLogger("pelican.generators")
    if not any(isinstance(h, UnreadableFileRecorder) for h in logger.handlers):
        logger.addHandler(UnreadableFileRecorder())


def register() -> None:
    signals.initialized.connect(install)
    signals.all_generators_finalized.connect(stop_on_problems)
