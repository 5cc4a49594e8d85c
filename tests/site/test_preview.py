"""The live preview (plugins/preview): after a random sequence of editor edits, the folder
it serves is file for file what a fresh full build writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT, build_site
from bench.edits import copy_site

# Atom feeds without entries carry the build time as <updated> (feedgenerator).
BUILD_TIME = re.compile(rb"<updated>[^<]*</updated>")
SETTINGS = {"EVENTS_NOW": "2026-11-02T10:00:00+01:00", "SEARCH_INDEX": False}


def tree(root):
    """Every output file but Pagefind's index (rebuilt off the critical path in the preview)."""
    return {p.relative_to(root).as_posix(): BUILD_TIME.sub(b"", p.read_bytes()) for p in sorted(root.rglob("*"))
            if p.is_file() and "pagefind" not in p.relative_to(root).parts}


def assert_same_as_a_fresh_build(served, content, theme, settings: dict, fresh, log: str) -> None:
    """What the preview served equals, file by file, a full build of the same content."""
    # one -e with every setting: with several -e options Pelican keeps only the last one
    extra = ["-e", *(f"{key}={json.dumps(value)}" for key, value in {**settings, "THEME": str(theme)}.items())]
    built = build_site(fresh, content=content, extra=extra)
    assert built.returncode == 0, built.stdout + built.stderr
    expected, actual = tree(fresh), tree(served)
    assert sorted(actual) == sorted(expected), (set(actual) ^ set(expected))
    different = [name for name in expected if expected[name] != actual[name]]
    assert different == [], (different[:10], log)


@dataclass(frozen=True)
class ScriptRun:
    content: Path
    theme: Path
    served: Path
    settings: dict
    stdout: str


def run_preview_script(tmp_path: Path, module: str, first: tuple[str, ...] = (), last: tuple[str, ...] = ()) -> ScriptRun:
    """Run `python -m module [first] CONTENT THEME SERVED SETTINGS_JSON [last]` on a copy of the
    demo content and theme (the session's Pelican and its signal receivers then live in their
    own process); it must exit 0."""
    content, theme = copy_site(ROOT / "content", ROOT / "theme", tmp_path)
    settings = {**SETTINGS, "IMAGE_CACHE_DIR": str(tmp_path / "images"),
                "BUILD_CACHE_DIR": str(tmp_path / "build-cache")}
    served = tmp_path / "served"
    run = subprocess.run([sys.executable, "-m", module, *first, str(content), str(theme), str(served),
                          json.dumps(settings), *last], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    return ScriptRun(content, theme, served, settings, run.stdout)


def test_preview_after_random_edits_equals_a_fresh_build(tmp_path):
    run = run_preview_script(tmp_path, "tests.site.preview_run", last=("16", "14"))
    steps = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(steps) == 14
    assert any(step["rendered"] < 60 for step in steps)  # content edits re-render few outputs
    assert any(step["body_only"] for step in steps)  # a text edit without the full pass (body_edit.py)
    assert_same_as_a_fresh_build(run.served, run.content, run.theme, run.settings, tmp_path / "fresh", run.stdout)
