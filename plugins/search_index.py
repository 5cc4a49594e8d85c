"""The Pagefind search index in shards, each rebuilt only when one of its pages changed.

Pagefind indexes a whole folder at a time and cannot update an index: one edited article
used to cost a run over every page (7 s at 3,000 articles, most of a one-file rebuild).
Here the indexed pages (those with data-pagefind-body: German articles, pages, posts,
events, municipalities) are spread over shards by a stable hash of their path, one shard
per SHARD_PAGES pages, at most MAX_SHARDS. Each shard is its own Pagefind bundle, kept in
the build cache with the list of pages (and their sha256) it was made from; a build runs
Pagefind only for the shards whose list changed and hard-links the rest into the site.

In the site, shard 0 is /pagefind/ (with the UI assets) and shard N is /pagefind/teil-N/;
/pagefind/shards.json lists the others and theme/static/js/search.js merges them into the
search (Pagefind's mergeIndex: every shard is searched with the first shard's WebAssembly,
the browser loads each shard's small metadata and only the chunks a query needs). A site
under SHARD_PAGES pages (the demo, every test site) has one shard and an empty list.

Changed shards are indexed as many at a time as there are cores (the preview: one, at low
priority). A Pagefind process holds its pages in memory, so two shards of 800 pages together
stay below one process over 3,000 pages, and below the Pelican run before them.

Plain Python only (no Pelican): plugins/build.py runs this in a small process after Pelican
has exited; plugins/search calls it in process for plain `pelican` runs.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from plugins.files import files_below, link_or_copy

BUNDLE_DIR = "pagefind"
SHARD_PREFIX = "teil-"
SHARD_LIST = "shards.json"
# Pagefind takes about 0.25 s plus 1.8 ms per page (2 cores): an edit re-indexes one shard, so
# small shards make a commit live sooner; the browser merges every shard into one search.
SHARD_PAGES = int(os.environ.get("SOISTS_SEARCH_SHARD_PAGES", "300"))
MAX_SHARDS = 16
RECORD = "pages.json"
RECORD_VERSION = 1
MARK = b"data-pagefind-body"
AFTER_MARK = frozenset(b" \t\n\r\x0b\x0c=>/")


class SearchIndexFailed(RuntimeError):
    """Pagefind failed on a shard; the message is Pagefind's own."""


@dataclass(frozen=True)
class Shards:
    built: int  # shards Pagefind ran for
    kept: int  # shards reused from the cache
    pages: int  # indexed pages


@lru_cache(maxsize=1)
def pagefind_program() -> tuple[str, ...]:
    """Pagefind's executable, found as its Python package finds it (PAGEFIND_BINARY_PATH, the
    extended and the pinned pagefind_bin wheel): `python -m pagefind` would start an
    interpreter only to exec the same file."""
    from pagefind.service import get_executable

    program = get_executable()
    return (str(program),) if program is not None else (sys.executable, "-m", "pagefind")


def pagefind_command(site: Path, output: Path) -> list[str]:
    return [*pagefind_program(), "--site", str(site), "--output-path", str(output), "--silent"]


def shard_count(pages: int, per_shard: int = SHARD_PAGES) -> int:
    return max(1, min(MAX_SHARDS, math.ceil(pages / max(1, per_shard))))


def shard_of(path: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:8], "big") % count


def shard_folder(number: int) -> str:
    return BUNDLE_DIR if number == 0 else f"{BUNDLE_DIR}/{SHARD_PREFIX}{number}"


def scan(site: Path, known: dict[str, list], changed: set[str] | None = None) -> dict[str, list]:
    """Every HTML file of the site outside the bundle: [size, mtime_ns, sha256 or "" when not
    indexed]. A file whose size and time are those recorded is not read again (the incremental
    build hard-links unchanged pages, so they keep both). With `changed` (relative paths; the
    build service knows what it wrote and deleted since the record) only those are looked at."""
    if changed is None:
        found: dict[str, list] = {}
        candidates = files_below(site, (".html",))
    else:
        found = dict(known)
        candidates = sorted(path for path in changed if path.endswith(".html"))
    for relative in candidates:
        if relative.startswith(BUNDLE_DIR + "/"):
            continue
        entry = _entry(site, relative, known.get(relative))
        if entry is None:
            found.pop(relative, None)
        else:
            found[relative] = entry
    return found


def indexed_page(html: bytes) -> bool:
    """Whether an element of the page carries data-pagefind-body (the pattern
    `<[^>]*\\sdata-pagefind-body[\\s=>/]`): the mark found as a substring, then checked to be an
    attribute: whitespace before it, the end of its name after it, and inside a tag (the last
    "<" before it is after the last ">"). A regular expression tried at every "<" of every page
    took 0.6 s on 7,000 pages, before each index run."""
    start = html.find(MARK)
    while start != -1:
        end = start + len(MARK)
        if (start and html[start - 1:start].isspace() and end < len(html) and html[end] in AFTER_MARK
                and html.rfind(b"<", 0, start) > html.rfind(b">", 0, start)):
            return True
        start = html.find(MARK, end)
    return False


def _entry(site: Path, relative: str, before: list | None) -> list | None:
    path = os.path.join(site, relative)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    if before and before[0] == stat.st_size and before[1] == stat.st_mtime_ns:
        return before
    data = Path(path).read_bytes()
    return [stat.st_size, stat.st_mtime_ns, hashlib.sha256(data).hexdigest() if indexed_page(data) else ""]


def shard_key(pages: list[tuple[str, str]], count: int) -> str:
    text = "\n".join(f"{path}\0{digest}" for path, digest in sorted(pages))
    made_by = f"{RECORD_VERSION}\0{version('pagefind')}\0{count}"  # a Pagefind upgrade rebuilds every shard
    return hashlib.sha256(f"{made_by}\0{text}".encode("utf-8")).hexdigest()


def _place(source: Path, target: Path) -> None:
    """Hard-link (else copy) the tree `source` into `target`."""
    made: set[str] = set()
    for relative in files_below(source):
        link_or_copy(source / relative, target / relative, made)


GLOB_SAFE = re.compile(r"^[A-Za-z0-9._/-]+$")  # paths that need no escaping in Pagefind's glob


def _build_shard(site: Path, pages: list[str], bundle: Path, work: Path, background: bool) -> None:
    """Run Pagefind over the site for `pages` only (same paths, same URLs). Pagefind picks them
    by a glob of their paths, set in a pagefind.json in its working folder (a command line
    argument is limited to 128 KiB); paths a glob cannot name plainly are indexed from a
    mirror of hard links instead (1,500 links cost a second on this machine's file system)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    fresh, mirror = work / "bundle", work / "mirror"
    if all(GLOB_SAFE.match(page) for page in pages):
        (work / "pagefind.json").write_text(json.dumps({"glob": "{" + ",".join(pages) + "}"}), encoding="utf-8")
        source = site
    else:
        made: set[str] = set()
        for relative in pages:
            link_or_copy(site / relative, mirror / relative, made)
        source = mirror
    lower = (lambda: os.nice(15)) if background else None  # the preview: never slow the next render
    try:
        result = subprocess.run(pagefind_command(source, fresh), capture_output=True, text=True, cwd=work,
                                preexec_fn=lower)
    except OSError as error:  # no executable where PAGEFIND_BINARY_PATH or the wheel says
        shutil.rmtree(work, ignore_errors=True)
        raise SearchIndexFailed(f"Pagefind could not start: {error}") from error
    if result.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        raise SearchIndexFailed((result.stderr or result.stdout).strip())
    shutil.rmtree(bundle, ignore_errors=True)
    bundle.parent.mkdir(parents=True, exist_ok=True)
    os.replace(fresh, bundle)
    shutil.rmtree(work, ignore_errors=True)


def _load(record: Path) -> dict:
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        return data if data.get("version") == RECORD_VERSION else {}
    except (OSError, ValueError, AttributeError):
        return {}


def assign(indexed: list[tuple[str, str]], per_shard: int) -> tuple[int, list[list[tuple[str, str]]]]:
    """(the hash modulus, the non-empty shards in order): Pagefind cannot index nothing, and
    shard 0, which carries the UI, must hold pages."""
    count = shard_count(len(indexed), per_shard)
    groups: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    for path, digest in indexed:
        groups[shard_of(path, count)].append((path, digest))
    groups = [group for group in groups if group]
    return count, groups


ENTRY = "pagefind-entry.json"  # Pagefind's own file naming the index files of a bundle


def _placed(site: Path, shards: Path, number: int) -> bool:
    """The site holds this shard as the cache does (its entry file, which names every index
    file by its hash, is the same bytes)."""
    try:
        return (site / shard_folder(number) / ENTRY).read_bytes() == (shards / str(number) / ENTRY).read_bytes()
    except OSError:
        return False


def _clear_shard(site: Path, number: int) -> None:
    """Remove one shard's files from the site; shard 0's folder also holds the others."""
    folder = site / shard_folder(number)
    if number:
        shutil.rmtree(folder, ignore_errors=True)
        return
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.name == SHARD_LIST or (entry.name.startswith(SHARD_PREFIX) and entry.is_dir()):
                continue
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


def _publish(site: Path, shards: Path, count: int) -> None:
    """Link the shards into the site and list all but the first in shards.json. A shard the
    site already holds as built stays (at 12,000 pages relinking every shard cost a second);
    one that changed is replaced whole, so no old fragment keeps a taken-down post findable."""
    target = site / BUNDLE_DIR
    others = [f"{SHARD_PREFIX}{number}/" for number in range(1, count)]
    listing = json.dumps({"bundles": others})
    try:
        same_list = (target / SHARD_LIST).read_text(encoding="utf-8") == listing
    except OSError:
        same_list = False
    if not same_list:
        shutil.rmtree(target, ignore_errors=True)
    for number in range(count):
        if same_list and _placed(site, shards, number):
            continue
        _clear_shard(site, number)
        _place(shards / str(number), site / shard_folder(number))
    (target / SHARD_LIST).write_text(listing, encoding="utf-8")


def update(site: Path, cache: Path | None, per_shard: int = SHARD_PAGES, background: bool = False,
           changed: set[str] | None = None) -> Shards:
    """Replace the search bundle of `site`, running Pagefind only for changed shards.
    `cache` keeps the shards between builds (None: a temporary folder, every shard built).
    `changed`: the only files (relative) that may differ from the cache's record, if known."""
    if cache is None:
        with tempfile.TemporaryDirectory(prefix="soists-search-") as scratch:
            return update(site, Path(scratch), per_shard, background)
    shards = cache / "shards"
    shards.mkdir(parents=True, exist_ok=True)
    record_file = cache / RECORD
    record = _load(record_file)
    record_file.unlink(missing_ok=True)  # a build stopped half-way trusts nothing it left
    files = scan(site, record.get("files", {}), changed if "files" in record else None)
    indexed = sorted((path, entry[2]) for path, entry in files.items() if entry[2])
    count, groups = assign(indexed, per_shard)
    if not groups:
        raise SearchIndexFailed(f"no page in {site} is marked for the search (data-pagefind-body)")
    keys = {str(number): shard_key(pages, count) for number, pages in enumerate(groups)}
    known = record.get("shards", {})
    dirty = [number for number in range(len(groups)) if known.get(str(number)) != keys[str(number)]
             or not (shards / str(number) / "pagefind-entry.json").is_file()]
    workers = 1 if background else max(1, min(len(dirty), os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:  # threads: each waits for its own Pagefind process
        list(pool.map(lambda number: _build_shard(site, [path for path, _ in groups[number]], shards / str(number),
                                                  cache / f"work-{number}", background), dirty))
    for stale in shards.iterdir():
        if stale.name not in keys:
            shutil.rmtree(stale, ignore_errors=True)
    _publish(site, shards, len(groups))
    partial = cache / f".{RECORD}.partial"
    partial.write_text(json.dumps({"version": RECORD_VERSION, "files": files, "shards": keys}), encoding="utf-8")
    os.replace(partial, record_file)
    return Shards(built=len(dirty), kept=len(groups) - len(dirty), pages=len(indexed))
