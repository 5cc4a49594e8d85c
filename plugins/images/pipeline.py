"""The content-hash cache and the process pool that fill it.

A cache entry lives at <cache>/<sha256 of the file bytes>/<sha256 of the settings>/ and holds
meta.json plus <width>.jpg/<width>.webp. Keying on the file's bytes (not its name or mtime)
means an unchanged image is never encoded twice, in any output folder, and a takedown can
delete every derivative of a file by hashing it once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from plugins.files import files_below, link_or_copy

from .derive import RASTER_EXTENSIONS, EncodeResult, EncodeSettings, encode, read_cached

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE_DIR = ".cache/images"
STATS_FILE = "stats.json"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class DigestMemo:
    """File digests remembered by (path, size, modification time), so a build whose images did
    not change reads none of their bytes (Pelican's reader cache trusts mtime the same way).
    Kept in the cache, one file per content folder (digests_file); concurrent builds may each
    write it, the last one wins."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.known: dict[str, list] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}
        self.changed = False

    def digest(self, path: Path) -> str:
        stat = path.stat()
        key = os.fspath(path)
        remembered = self.known.get(key)
        if remembered and remembered[0] == stat.st_size and remembered[1] == stat.st_mtime_ns:
            return remembered[2]
        digest = file_digest(path)
        self.known[key] = [stat.st_size, stat.st_mtime_ns, digest]
        self.changed = True
        return digest

    def save(self, present: Iterable[str] | None = None) -> None:
        """Write the memo; with `present` (the folder's image paths now), without the files
        that are gone: a renamed or deleted photo is not remembered for ever."""
        if present is not None:
            gone = self.known.keys() - set(present)
            for key in gone:
                del self.known[key]
            self.changed = self.changed or bool(gone)
        if not self.changed:
            return
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(self.known), encoding="utf-8")
        os.replace(partial, self.path)
        self.changed = False


def digests_file(cache_dir: Path, content_path: Path) -> Path:
    """The memo of one content folder. A cache shared by several sites or checkouts (the
    benchmarks' corpora share one) once kept every folder's paths in one file, which every
    build loaded and held while it rendered: 12 MB of Python objects in each render process."""
    key = hashlib.sha256(os.fspath(content_path.resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_dir / f"digests-{key}.json"


@lru_cache(maxsize=8)  # asked once per image; the settings are frozen
def settings_digest(settings: EncodeSettings) -> str:
    return hashlib.sha256(settings.fingerprint().encode()).hexdigest()


def resolve_cache_dir(value: str | os.PathLike | None) -> Path:
    path = Path(value or DEFAULT_CACHE_DIR)
    return path if path.is_absolute() else PROJECT_ROOT / path


def cache_entries_for(source: Path, cache_dir: Path) -> Path:
    """The folder holding every cached derivative of this file's bytes (all settings)."""
    return cache_dir / file_digest(source)


RASTER_SUFFIXES = tuple(sorted(RASTER_EXTENSIONS))


@dataclass
class Derivatives:
    """What a template needs: public file names per width, and the full size."""

    src: str  # relative to content/, e.g. images/community/foo.jpg
    result: EncodeResult
    public_stem: str  # e.g. images/community/foo-1a2b3c4d5e (width and extension appended)

    def public_name(self, width: int, ext: str) -> str:
        return f"{self.public_stem}-{width}.{ext}"


@dataclass
class KeptResults:
    """What a long-lived process (the live preview) keeps from one build to the next: the
    result per image file by (size, modification time) and the files the last publish wrote.
    With it an unchanged image costs one stat per save instead of a cache look-up, and a
    publish links only new derivatives and deletes only the ones that went out of use."""

    results: dict[str, tuple[tuple[int, int], "Derivatives"]] = field(default_factory=dict)
    published: set[str] | None = None


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@dataclass
class ImagePipeline:
    content_path: Path
    cache_dir: Path
    settings: EncodeSettings
    image_paths: tuple[str, ...] = ("images",)
    results: dict[str, Derivatives] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    _pending: dict[str, Future] = field(default_factory=dict)
    _pool: ProcessPoolExecutor | None = None
    encoded: int = 0
    cached: int = 0
    _digests: DigestMemo | None = None
    kept: KeptResults | None = None

    def sources(self) -> list[Path]:
        found: list[Path] = []
        for folder in self.image_paths:
            root = self.content_path / folder
            found += [root / relative for relative in files_below(root, RASTER_SUFFIXES)
                      if not relative.rsplit("/", 1)[-1].startswith(".")]
        return found

    def relative(self, path: Path) -> str:
        return path.relative_to(self.content_path).as_posix()

    def digests(self) -> DigestMemo:
        """Loaded on first use (not at all when the output is kept)."""
        if self._digests is None:
            self._digests = DigestMemo(digests_file(self.cache_dir, self.content_path))
        return self._digests

    def entry_for(self, path: Path) -> Path:
        return self.cache_dir / self.digests().digest(path) / settings_digest(self.settings)

    def start(self) -> None:
        """Serve cached images at once and hand the rest to a pool that runs while content is read."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        todo: list[tuple[str, Path, Path]] = []
        present = self.sources()
        sources = self._reuse_kept(present)

        def look_up(path: Path) -> tuple[Path, EncodeResult | None]:
            entry = self.entry_for(path)
            return entry, read_cached(str(path), str(entry))

        # Hashing and reading release the GIL: look the files up on all cores at once.
        digests = self.digests()  # loaded here, before the threads share it
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as threads:
            found = list(threads.map(look_up, sources))
        digests.save(map(os.fspath, present))
        self._digests = None  # not needed while the pages render (get() loads it again if asked)
        for path, (entry, cached) in zip(sources, found):
            src = self.relative(path)
            if path.stat().st_size == 0:
                self.failures[src] = "file is empty (0 bytes)"
                continue
            if cached is not None:
                self._accept(src, cached)
            else:
                entry.parent.mkdir(parents=True, exist_ok=True)
                todo.append((src, path, entry))
        if len(todo) > 1:
            self._pool = ProcessPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1))
            for src, path, entry in todo:
                self._pending[src] = self._pool.submit(encode, str(path), str(entry), self.settings)
        for src, path, entry in todo if len(todo) == 1 else ():
            self._accept(src, encode(str(path), str(entry), self.settings))

    def _reuse_kept(self, sources: list[Path]) -> list[Path]:
        """Accept the kept result of every unchanged file; return the files still to look up."""
        if self.kept is None:
            return sources
        rest = []
        for path in sources:
            kept = self.kept.results.get(os.fspath(path))
            if kept is not None and kept[0] == _stamp(path):
                self.results[kept[1].src] = kept[1]
                self.cached += 1
            else:
                rest.append(path)
        return rest

    def wait(self) -> None:
        for src, future in list(self._pending.items()):
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the OOM killer
                result = EncodeResult(src, "", False, error=f"image encoder crashed: {type(exc).__name__}: {exc}")
            self._accept(src, result)
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _accept(self, src: str, result: EncodeResult) -> None:
        if not result.ok:
            self.failures[src] = result.error
            return
        if result.encoded:
            self.encoded += 1
        else:
            self.cached += 1
        for note in result.notes:
            logger.info("image %s: %s", src, note)
        entry = Path(result.entry)
        # file bytes + settings: a changed image or changed settings get a new URL (no stale browser caches)
        key = hashlib.sha256(f"{entry.parent.name}/{entry.name}".encode()).hexdigest()[:10]
        stem = src.rsplit(".", 1)[0]
        self.results[src] = Derivatives(src, result, f"{stem}-{key}")
        if self.kept is not None:
            path = self.content_path / src
            self.kept.results[os.fspath(path)] = (_stamp(path), self.results[src])

    def get(self, src: str) -> Derivatives | None:
        """Derivatives for `src` (relative to content/); encodes on demand for files outside image_paths."""
        src = src.lstrip("/")
        if src in self.results:
            return self.results[src]
        if src in self.failures:
            return None
        path = self.content_path / src
        if not path.is_file():
            self.failures[src] = "file not found"
            return None
        entry = self.entry_for(path)
        entry.parent.mkdir(parents=True, exist_ok=True)
        self._accept(src, read_cached(str(path), str(entry)) or encode(str(path), str(entry), self.settings))
        return self.results.get(src)

    def publish(self, output_path: Path) -> set[str]:
        """Copy every derivative into the output and delete stale raster files in the image
        folders; returns the paths of the derivatives in the output."""
        written: set[str] = set()
        made: set[str] = set()
        output = os.fspath(output_path)
        before = self.kept.published if self.kept is not None else None
        for derivatives in self.results.values():
            entry = derivatives.result.entry
            for variant in derivatives.result.variants:
                for name, ext in ((variant.jpg, "jpg"), (variant.webp, "webp")):
                    target = os.path.join(output, derivatives.public_name(variant.width, ext))
                    if before is None or target not in before:
                        link_or_copy(os.path.join(entry, name), target, made)
                    written.add(target)
        if before is not None:  # the last publish of this process wrote `before`: no walk needed
            for stale in before - written:
                if os.path.exists(stale):
                    os.unlink(stale)
            self.kept.published = written
            return written
        if self.kept is not None:
            self.kept.published = written
        for folder in self.image_paths:
            for directory, _dirs, files in os.walk(os.path.join(output, folder)):
                for file in files:
                    stale = os.path.join(directory, file)
                    if os.path.splitext(file)[1].lower() in RASTER_EXTENSIONS and stale not in written:
                        os.unlink(stale)
        return written

    def write_stats(self) -> Path:
        stats = {"encoded": self.encoded, "cached": self.cached, "failed": len(self.failures),
                 "images": len(self.results)}
        path = self.cache_dir / STATS_FILE
        path.write_text(json.dumps(stats, indent=1), encoding="utf-8")
        return path
