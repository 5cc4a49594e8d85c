"""The build command (plugins/build.py) runs the search indexer only after the Pelican process has
exited, so the two never hold their memory at once; the output is the same as an in-process
build's, and the incremental manifest covers the finished index."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.measure import _descendants
from tests.community.smallsite import add_post, build, make_content, sample_post
from tests.conftest import ROOT
from tests.site.test_incremental import file_times, manifest_of
from tests.site.test_reproducible import SEARCH_INDEX, differing


def _program(pid: int) -> str:
    """What a process runs: "pelican" for Pelican's command line (plugins/pelican_run.py), the module
    of `python -m <name>`, else its executable's name ("pagefind")."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return ""
    if len(argv) > 1 and argv[1].endswith("plugins/pelican_run.py"):
        return "pelican"
    return argv[2] if argv[1:2] == ["-m"] and len(argv) > 2 else Path(argv[0]).name


def watch_tree(process: subprocess.Popen, seen: list[tuple[bool, bool]]) -> None:
    """Every 10 ms: is a Pelican process alive below `process`, is a Pagefind process?"""
    while process.poll() is None:
        programs = {_program(pid) for pid in _descendants(process.pid)}
        seen.append(("pelican" in programs, "pagefind" in programs))
        time.sleep(0.01)


def small_content(tmp_path: Path) -> Path:
    content = make_content(tmp_path)
    add_post(content, sample_post())
    add_post(content, sample_post("probe-2", "ludwigsburg"))
    # one article: Pelican's site-wide feed has entries, so its <updated> is not the clock's
    (content / "articles").mkdir()
    (content / "articles" / "probe.md").write_text(
        "Title: Probe am Neckar\nDate: 2026-04-21 09:00\nCategory: Region\n"
        "Summary: Eine kurze Probe.\n\nEin Absatz über den Neckar bei Esslingen.\n", encoding="utf-8")
    return content


def test_pagefind_runs_after_pelican_exited_and_output_matches_an_in_process_build(tmp_path):
    content = small_content(tmp_path)
    images = tmp_path / "images"
    after, inside = tmp_path / "after", tmp_path / "inside"
    extra = ["-e", f'IMAGE_CACHE_DIR="{images}"']
    env = {**os.environ, "SOISTS_BUILD_CACHE_DIR": str(tmp_path / "cache-after")}
    process = subprocess.Popen([sys.executable, "-m", "plugins.build", str(content), "-s", str(ROOT / "pelicanconf.py"),
                                "-o", str(after), *extra], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[tuple[bool, bool]] = []
    watcher = threading.Thread(target=watch_tree, args=(process, seen))
    watcher.start()
    out, err = process.communicate(timeout=600)
    watcher.join()
    assert process.returncode == 0, out + err
    assert any(pelican for pelican, _ in seen) and any(pagefind for _, pagefind in seen)
    assert not any(pelican and pagefind for pelican, pagefind in seen)  # never both at once
    assert (after / SEARCH_INDEX / "pagefind-entry.json").is_file()

    # plain Pelican indexes in process (its finalized signal): the same files
    env["SOISTS_BUILD_CACHE_DIR"] = str(tmp_path / "cache-inside")
    plain = subprocess.run([sys.executable, "-m", "pelican", str(content), "-s", str(ROOT / "pelicanconf.py"),
                            "-o", str(inside), *extra], cwd=ROOT, env=env, capture_output=True, text=True)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert [path for path in differing(after, inside) if not path.startswith(SEARCH_INDEX + "/")] == []
    fragments = sorted(p.name for p in (after / SEARCH_INDEX / "fragment").iterdir())
    assert fragments and fragments == sorted(p.name for p in (inside / SEARCH_INDEX / "fragment").iterdir())


def test_the_manifest_covers_the_index_so_a_no_change_rebuild_keeps_it(tmp_path):
    content, images, output = small_content(tmp_path), tmp_path / "images", tmp_path / "out"
    first = build(content, output, images)
    assert first.returncode == 0, first.stdout + first.stderr
    assert manifest_of(output) is not None
    before = file_times(output)
    assert any(name.startswith(SEARCH_INDEX + "/") for name in before)
    again = build(content, output, images)
    assert again.returncode == 0, again.stdout + again.stderr
    assert file_times(output) == before  # kept: not one file written, the index included


def test_a_failed_index_leaves_no_manifest(tmp_path, monkeypatch):
    content, images, output = small_content(tmp_path), tmp_path / "images", tmp_path / "out"
    assert build(content, output, images).returncode == 0
    # a Pagefind that cannot run (no executable) fails the build and drops the manifest
    post = content / "community" / "probe-1.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Abendlicht", "Morgenlicht"), encoding="utf-8")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "missing-pagefind"))
    failed = build(content, output, images)
    assert failed.returncode != 0
    assert "Pagefind could not index" in failed.stderr
    assert manifest_of(output) is None


def test_the_pelican_process_exits_with_pelicans_code_and_message(tmp_path):
    """plugins/pelican_run.py ends the process without a teardown: the exit code and the content
    problems must still be those of `python -m pelican`, and a good build's files all there."""
    content = small_content(tmp_path)
    good = subprocess.run([sys.executable, str(ROOT / "plugins" / "pelican_run.py"), str(content), "-s",
                           str(ROOT / "pelicanconf.py"), "-o", str(tmp_path / "good"), "-e", "SEARCH_INDEX=false",
                           f'IMAGE_CACHE_DIR="{tmp_path / "images"}"'], cwd=tmp_path, capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Done: Processed" in good.stdout
    assert (tmp_path / "good" / "wall" / "probe-2" / "index.html").is_file()
    (content / "articles" / "broken.md").write_text("Title: Kaputt\nDate: 2026-13-45\n\nText.\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, str(ROOT / "plugins" / "build.py"), str(content), "-s",
                          str(ROOT / "pelicanconf.py"), "-o", str(tmp_path / "bad"),
                          "-e", f'IMAGE_CACHE_DIR="{tmp_path / "images"}"'], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Build stopped: 1 content problem(s)" in bad.stderr and "broken.md" in bad.stderr


def test_the_output_is_digested_once_after_the_index_and_a_lost_index_step_is_never_trusted(tmp_path):
    """With the build command, Pelican's manifest carries no digest of the output (the index
    step saves it again with the indexed folder's): one walk over the output, not two. A
    Pelican run that hands the index over and is never followed by it leaves a manifest that
    matches no folder, so the next build is a full one."""
    import json

    from plugins.incremental.fingerprint import tree_digest

    content, images, output = small_content(tmp_path), tmp_path / "images", tmp_path / "out"
    assert build(content, output, images).returncode == 0
    assert json.loads(manifest_of(output).read_text(encoding="utf-8"))["outputs"] == tree_digest(output)

    handoff = tmp_path / "handoff.json"
    handoff.write_text("", encoding="utf-8")
    (content / "community" / "probe-1.md").write_text(
        (content / "community" / "probe-1.md").read_text(encoding="utf-8").replace("Abendlicht", "Morgenlicht"),
        encoding="utf-8")
    env = {**os.environ, "SOISTS_BUILD_CACHE_DIR": str(tmp_path / f".{output.name}.build-cache"),
           "SOISTS_SEARCH_HANDOFF": str(handoff), "PYTHONHASHSEED": "0"}
    alone = subprocess.run([sys.executable, str(ROOT / "plugins" / "pelican_run.py"), str(content), "-s",
                            str(ROOT / "pelicanconf.py"), "-o", str(output), "-e", f'IMAGE_CACHE_DIR="{images}"'],
                           cwd=ROOT, env=env, capture_output=True, text=True)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert json.loads(handoff.read_text(encoding="utf-8"))["manifest"]
    assert json.loads(manifest_of(output).read_text(encoding="utf-8"))["outputs"] == ""
    before = file_times(output)
    assert build(content, output, images).returncode == 0
    assert file_times(output)["index.html"] != before["index.html"]  # not trusted: built again
    assert json.loads(manifest_of(output).read_text(encoding="utf-8"))["outputs"] == tree_digest(output)
