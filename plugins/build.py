"""The build command: Pelican in a child process, then the search indexer once it has exited.

    python plugins/build.py <pelican arguments>      # what tasks.pelican_args runs (any folder)
    python -m plugins.build <pelican arguments>      # the same, from the project folder

Run in the Pelican process (at its `finalized` signal), Pagefind's indexer lived beside the
whole rendered site still held in Pelican's memory: the peak of the process tree was the
sum of both. Here Pelican runs as a child (plugins/pelican_run.py: Pelican's command line,
ending without freeing the finished build's objects) with SOISTS_SEARCH_HANDOFF naming a file;
plugins/search writes into it the folder to index (and the incremental-build manifest's
folder) instead of indexing, Pelican exits and gives its memory back, and only then this
small process (a bare interpreter: it imports nothing of Pelican while Pelican or Pagefind
runs) runs Pagefind. The peak is the larger of the two, not their sum (bench/measure.py).

The output is the same as an in-process build's: nothing after plugins/search writes HTML,
and Pagefind reads the finished folder either way.

The incremental manifest (plugins/incremental) digests the output folder when Pelican ends,
before the index exists. So the manifest is taken away before the old bundle is deleted and
saved again, with the digest of the indexed folder, only once Pagefind has succeeded: a build
killed in between leaves no manifest and the next build is a full one.

`--autoreload` and `--listen` runs never end; they run Pelican directly (indexing in process).
A failed Pelican exits with its code and indexes nothing; a failed Pagefind exits with 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if not __package__:  # run as a script: the project folder, not plugins/, is where imports start
    sys.path[0] = str(Path(__file__).resolve().parents[1])

HANDOFF_ENV = "SOISTS_SEARCH_HANDOFF"
LONG_RUNNING = {"-r", "--autoreload", "-l", "--listen"}


def index_site(site: Path, manifest_folder: Path | None) -> int:
    """Replace the search bundle of `site` (plugins/search_index.py: only the changed shards are
    indexed again, from shards kept beside the manifest); keep the build's manifest only if that
    succeeds."""
    from plugins import search_index

    manifest_file = manifest_folder / "manifest.json" if manifest_folder else None
    recorded = None
    if manifest_file is not None and manifest_file.is_file():
        recorded = json.loads(manifest_file.read_text(encoding="utf-8"))
        manifest_file.unlink()
    try:
        search_index.update(site, manifest_folder / "search" if manifest_folder else None)
    except search_index.SearchIndexFailed as failure:
        print(f"ERROR: Pagefind could not index {site}: {failure}", file=sys.stderr)
        return 1
    if recorded is not None:
        from plugins.incremental import manifest
        from plugins.incremental.fingerprint import tree_digest

        manifest.save(manifest_folder, manifest.Manifest(**{**recorded, "outputs": tree_digest(site)}))
    return 0


def main(args: list[str]) -> int:
    if LONG_RUNNING.intersection(args):
        os.execv(sys.executable, [sys.executable, "-m", "pelican", *args])
    # Pelican's command line, ending without freeing the finished build's objects (pelican_run.py)
    pelican = [sys.executable, str(Path(__file__).with_name("pelican_run.py")), *args]
    handle, handoff = tempfile.mkstemp(prefix="soists-search-", suffix=".json")
    os.close(handle)
    try:
        # A fixed hash seed: sets of strings iterate in the same order in every build, so the
        # dependency record's fingerprints of dicts filled from sets (plugins/incremental/render.py)
        # match from one build to the next.
        env = {"PYTHONHASHSEED": "0", **os.environ, HANDOFF_ENV: handoff}
        code = subprocess.run(pelican, env=env).returncode
        if code != 0:
            return code
        text = Path(handoff).read_text(encoding="utf-8")
        if not text:  # the output was kept as it was, or SEARCH_INDEX is off
            return 0
        request = json.loads(text)
        return index_site(Path(request["site"]), Path(request["manifest"]) if request["manifest"] else None)
    finally:
        os.unlink(handoff)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
