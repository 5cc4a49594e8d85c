"""Render only the outputs whose inputs changed, using a dependency record kept on disk.

Every write_file/write_feed call and every file a generator writes itself
(plugins.parallel.write_generated) gets a signature: the fingerprint of everything its
templates can see (plugins/preview/fingerprint.py: the variables passed, the context
variables the template and its includes read, content objects by the sha256 of their
source file) plus the sha256 of the sources of the template and every template it
extends/includes/imports. The signatures are stable digests (the same in every process),
so they are kept in BUILD_CACHE_DIR/<key>/dependencies.json with the files each call wrote
(the English twin written beside a German page included).

A build that may be incremental (plugins/incremental decides: same settings, plugins and
packages, same data, images and theme files, same English pages, the output folder as the
last build left it) moves the last output aside and starts from an empty folder, like a
full build: a call whose signature is recorded unchanged gets its files hard-linked from
the old output instead of being rendered; everything else (static files, images, files
plugins write themselves) is produced as in a full build. The changed calls are rendered
after the last generator has made its calls, spread over the cores (plugins.parallel.each);
work that many of them share is done once before that, in this process, by what the
generators gave `before_rendering` (the events' VEVENTs and time zones). A full build renders
every call the same way and leaves the record for the next one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from pelican.utils import sanitised_join

from plugins import parallel
from plugins.preview.fingerprint import Fingerprints
from plugins.preview.writer import PreviewWriter

logger = logging.getLogger(__name__)
RECORD = "dependencies.json"
RECORD_VERSION = 1

# What other plugins tell the record (plugins/i18n; they import this module, not the reverse):
# COMPANIONS give the file a plugin writes beside an output (the English twin of a German
# page), EXTRA_INPUTS what such files are made from that no fingerprint follows (the English
# translations); a change there renders every output.
COMPANIONS: list[Callable[[str], str]] = []
EXTRA_INPUTS: list[Callable[[], object]] = []


def _encode(value: object) -> bytes:
    """Bytes that identify value the same way in every process (unlike hash())."""
    if value is None:
        return b"N"
    if isinstance(value, bool):
        return b"B1" if value else b"B0"
    if isinstance(value, int):
        return b"I%d;" % value
    if isinstance(value, float):
        return b"F" + repr(value).encode() + b";"
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        return b"S%d:" % len(data) + data
    if isinstance(value, bytes):
        return b"Y%d:" % len(value) + value
    if isinstance(value, (datetime, date, time)):
        return _encode((type(value).__name__, value.isoformat()))
    if isinstance(value, Decimal):
        return _encode(("Decimal", str(value)))
    if isinstance(value, (tuple, list)):
        # the children are mostly digests already (ints): encoded inline, without a call each
        return b"T%d(" % len(value) + b"".join([b"I%d;" % item if type(item) is int else _encode(item)
                                                for item in value]) + b")"
    if isinstance(value, (set, frozenset)):
        return b"E%d(" % len(value) + b"".join(sorted(map(_encode, value))) + b")"
    text = repr(value)
    return _encode(("repr", type(value).__qualname__ if " at 0x" in text else text))


def stable_digest(value: object) -> int:
    return int.from_bytes(hashlib.sha256(_encode(value)).digest()[:8], "big", signed=True)


def file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


class StableFingerprints(Fingerprints):
    """The preview's fingerprints with stable digests; a content file stands for the sha256
    of its bytes instead of its size and modification time."""

    digest = staticmethod(stable_digest)
    MEMO_SCALARS = (str, int, bool, bytes, type(None))  # equal means encoded alike (not so: -0.0, datetimes in two zones)

    def __init__(self, links_epoch: int = 0) -> None:
        super().__init__(links_epoch)
        self._scalars: dict[tuple[type, object], int] = {}

    def of(self, value: object) -> int:
        """Strings and numbers repeat across thousands of outputs (a settings value, a category
        name): each is encoded and digested once per build."""
        kind = type(value)
        if kind in self.MEMO_SCALARS:
            key = (kind, value)
            found = self._scalars.get(key)
            if found is None:
                found = self._scalars[key] = super().of(value)
            return found
        return super().of(value)

    def forget_values(self) -> None:
        super().forget_values()
        self._scalars.clear()

    def stamp(self, path: str) -> str | None:
        if path not in self._stamps:
            self._stamps[path] = file_digest(path)
        return self._stamps[path]


@dataclass
class RenderState:
    output: str
    previous: str | None  # the last build's output, moved aside (None: full build)
    workers: object  # BUILD_WORKERS as configured (generation itself runs with 1)
    records: dict[str, list] = field(default_factory=dict)  # key -> [signature, relative paths]
    new: dict[str, list] = field(default_factory=dict)
    queue: list[tuple[str, int, Callable[[], None], bool, str]] = field(default_factory=list)
    unsigned: list[tuple[int, Callable[[], int]]] = field(default_factory=list)  # (queue position, sign) of a full build
    folders: set[str] = field(default_factory=set)  # output folders made by _link
    prints: StableFingerprints = field(default_factory=StableFingerprints)
    templates: dict[tuple[int, str], tuple[frozenset[str], int]] = field(default_factory=dict)  # see PreviewState
    extra: str = ""  # digest of EXTRA_INPUTS (set once the content is read)
    recorded_extra: str | None = None  # the same digest in the record loaded
    rendered: int = 0
    kept: int = 0
    finished: bool = False
    # called with the queued outputs' paths and the settings before they render (before_rendering)
    preparers: list[Callable[[list[str], dict], None]] = field(default_factory=list)


_state: RenderState | None = None


def current() -> RenderState | None:
    return _state


def begin(output: str, previous: str | None, workers: object, record: dict | None) -> RenderState:
    global _state
    _state = RenderState(output=output, previous=previous, workers=workers,
                         records=record["records"] if record else {},
                         recorded_extra=record["extra"] if record else None)
    return _state


def check_extra_inputs(state: RenderState) -> None:
    """Once the content is read: a change in EXTRA_INPUTS renders every output."""
    state.extra = str(stable_digest(tuple(inputs() for inputs in EXTRA_INPUTS)))
    if state.recorded_extra != state.extra:
        state.records = {}


def end() -> None:
    global _state
    _state = None


class IncrementalWriter(PreviewWriter):
    """Pelican's writer for production builds (see the module docstring)."""

    _override = False

    @property
    def state(self) -> RenderState:  # PreviewWriter reads state.prints and state.templates
        return _state

    def write_file(self, name, template, context, relative_urls=False, paginated=None, template_name=None,
                   override_output=False, url=None, **kwargs):
        self._override = override_output
        try:
            super().write_file(name, template, context, relative_urls, paginated, template_name,
                               override_output, url, **kwargs)
        finally:
            self._override = False

    def _remember(self, key: str, sign: Callable[[], int], make, direct: bool = False, weight: int = 0) -> None:
        state = _state
        path = key if direct else sanitised_join(self.output_path, key[5:] if key.startswith("feed:") else key)
        if state.previous is None:  # a full build keeps nothing: the signature is only recorded
            state.unsigned.append((len(state.queue), sign))
            state.queue.append((key, 0, make, direct, path))
            return
        signature = sign()
        record = state.records.get(key)
        if record is not None and record[0] == signature and state.previous and self._link(record[1]):
            state.new[key] = record
            state.kept += 1
            self._written_files.add(path)
            if self._override:
                self._overridden_files.add(path)
            return
        state.queue.append((key, signature, make, direct, path))

    def before_rendering(self, prepare: Callable[[list[str], dict], None]) -> None:
        """prepare(paths of the queued outputs, settings) runs once the queue is complete, in this
        process, before the outputs render over the cores: work that many outputs share (every
        calendar lists events of all the others) is then done once, not in each worker."""
        _state.preparers.append(prepare)

    def _link(self, paths: list[str]) -> bool:
        for relative in paths:
            source, target = os.path.join(_state.previous, relative), os.path.join(self.output_path, relative)
            if os.path.lexists(target):
                continue
            folder = os.path.dirname(target)
            if folder not in _state.folders:
                os.makedirs(folder, exist_ok=True)
                _state.folders.add(folder)
            try:
                os.link(source, target)
            except OSError:
                return False
        return True

    def sign_queued(self) -> None:
        """A full build, after each generator's calls: take the signatures of its outputs over the
        cores (at 3,000 events they were a second of one core's time before the render). Taken
        before the next generator runs, from the objects as this generator's calls saw them."""
        state = _state
        unsigned, state.unsigned = state.unsigned, []
        if not unsigned:
            return
        signatures: dict[int, int] = {}

        def sign(index: int) -> None:
            signatures[index] = unsigned[index][1]()

        parallel.each_into({**self.settings, "BUILD_WORKERS": state.workers}, len(unsigned), sign, signatures)
        for index, (position, _sign) in enumerate(unsigned):
            key, _unsigned, make, direct, path = state.queue[position]
            state.queue[position] = (key, signatures[index], make, direct, path)

    def render_queue(self) -> None:
        """After the last generator's calls: render what changed, over the cores."""
        self.sign_queued()
        state = _state
        queue, state.queue = state.queue, []
        settings = {**self.settings, "BUILD_WORKERS": state.workers}
        state.prints.forget_values()  # every signature is taken
        for prepare in state.preparers:
            prepare([item[4] for item in queue], settings)
        parallel.each(settings, len(queue), lambda index: queue[index][2](), self)
        for key, signature, _make, _direct, path in queue:
            self._written_files.add(path)
            relative = os.path.relpath(path, self.output_path)
            paths = [relative]
            for companion in map(lambda name: name(relative), COMPANIONS):
                if companion not in paths and os.path.isfile(os.path.join(self.output_path, companion)):
                    paths.append(companion)
            state.new[key] = [signature, paths]
        state.rendered = len(queue)
        state.finished = True
        logger.info("Incremental build: %d outputs rendered, %d kept from the last build.",
                    state.rendered, state.kept)


def links_epoch(generators) -> int:
    urls = generators[0].context.get("generated_content", {})
    return stable_digest(tuple(sorted((path, getattr(item, "url", "")) for path, item in urls.items())))


def load(folder: Path, fingerprint: str) -> dict | None:
    """The record of the last complete build, when it was made under the same conditions."""
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        if data.get("version") != RECORD_VERSION or data.get("conditions") != fingerprint:
            return None
        records = data["records"]
        if not all(isinstance(value, list) and len(value) == 2 for value in records.values()):
            return None
        if not isinstance(data.get("extra"), str):
            return None
        return data
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def save(folder: Path, fingerprint: str, state: RenderState) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{RECORD}.partial"
    data = {"version": RECORD_VERSION, "conditions": fingerprint, "extra": state.extra, "rendered": state.rendered,
            "kept": state.kept, "records": state.new}
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, folder / RECORD)


def forget(folder: Path) -> None:
    (folder / RECORD).unlink(missing_ok=True)
