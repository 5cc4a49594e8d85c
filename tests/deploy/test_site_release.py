"""The site deploy (plugins/release.py, used by `invoke publish`): a new release copies only the
files whose bytes changed and hard-links the rest to the live release; the switch is one atomic
rename, so a reader never sees half a release or no site; rollback switches back."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from plugins import release
from tasks import deploy_local


def write_site(folder: Path, version: str, pages: int = 300) -> dict[str, bytes]:
    """A site of `pages` pages; every page names the version of the home page."""
    shutil.rmtree(folder, ignore_errors=True)
    files = {"index.html": f"<h1>Start {version}</h1>".encode(), "css/site.css": b"body{margin:0}",
             **{f"beitraege/{n:04d}/index.html": f"<p>Beitrag {n}</p>".encode() for n in range(pages)}}
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return files


def read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_second_deploy_copies_only_the_changed_file_and_links_the_rest(tmp_path):
    build, live = tmp_path / "build", tmp_path / "output" / "live"
    first_files = write_site(build, "eins")
    first = release.deploy(build, live)
    assert len(first.copied) == len(first_files) and first.linked == 0
    assert live.is_symlink() and read_tree(live) == first_files

    second_files = write_site(build, "zwei")  # a fresh build: every file written again, one changed
    (build / "neu.html").write_bytes(b"<p>neu</p>")
    second_files["neu.html"] = b"<p>neu</p>"
    second = release.deploy(build, live)
    assert second.copied == ["index.html", "neu.html"]
    assert second.linked == len(first_files) - 1
    assert read_tree(live) == second_files
    unchanged = "beitraege/0007/index.html"
    assert (first.folder / unchanged).stat().st_ino == (second.folder / unchanged).stat().st_ino
    assert (first.folder / "index.html").read_bytes() == first_files["index.html"]  # the old release is intact

    back = release.rollback(live)
    assert back == first.folder and read_tree(live) == first_files
    with pytest.raises(RuntimeError):
        release.rollback(live)  # nothing older than the first release


def test_a_reader_never_sees_half_a_release(tmp_path):
    build, live = tmp_path / "build", tmp_path / "live"
    versions = [write_site(tmp_path / f"v{n}", f"v{n}", pages=40) for n in range(2)]
    release.deploy(tmp_path / "v0", live)
    seen, problems, stop = [], [], threading.Event()

    def read_whole_site() -> None:
        """Read the home page and every other page through the live path, again and again."""
        while not stop.is_set():
            try:
                home = (live / "index.html").read_bytes()
                version = 0 if home == versions[0]["index.html"] else 1
                pages = {p: (live / p).read_bytes() for p in versions[0]}
            except OSError as error:
                problems.append(repr(error))
                continue
            seen.append(version)
            # a page from the other version would be fine (the switch may fall between two reads),
            # but a missing file or bytes of neither version would not
            for name, data in pages.items():
                if data not in (versions[0][name], versions[1][name]):
                    problems.append(f"{name}: {data!r}")

    reader = threading.Thread(target=read_whole_site)
    reader.start()
    try:
        for turn in range(30):
            shutil.rmtree(build, ignore_errors=True)
            shutil.copytree(tmp_path / f"v{(turn + 1) % 2}", build)
            release.deploy(build, live)
    finally:
        stop.set()
        reader.join()
    assert problems == []
    assert 0 in seen and 1 in seen
    assert len(release.releases(live)) == release.KEEP  # old releases are pruned


def test_invoke_publish_deploys_through_releases_and_adopts_a_plain_folder(tmp_path):
    build, live = tmp_path / "build", tmp_path / "live"
    old = write_site(live, "alt")  # the layout before releases: a plain folder
    files = write_site(build, "neu")
    deploy_local(build, live)
    assert live.is_symlink() and read_tree(live) == files
    assert read_tree(release.rollback(live)) == old and read_tree(live) == old
    assert os.path.realpath(live).startswith(str(tmp_path))


def test_nginx_serves_the_switched_release_and_unchanged_files_keep_their_last_modified(tmp_path):
    from tests.alerts.smtp_helpers import free_port
    from tests.deploy.test_deploy import NGINX, nginx_config

    if NGINX is None:
        pytest.skip("nginx missing: run .ci/setup --browser (installs the nginx package)")
    build, live = tmp_path / "build", tmp_path / "live"  # the path the test's nginx serves
    write_site(build, "eins", pages=3)
    release.deploy(build, live)
    http_port, https_port = free_port(), free_port()
    config = nginx_config(tmp_path, http_port, https_port)
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def get(path: str) -> requests.Response:
        deadline = time.monotonic() + 10
        while True:
            try:
                return requests.get(f"https://127.0.0.1:{https_port}{path}", verify=str(tmp_path / "cert.pem"),
                                    timeout=2)
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                time.sleep(0.1)

    try:
        assert get("/").text == "<h1>Start eins</h1>"
        stamp = get("/css/site.css").headers["Last-Modified"]
        time.sleep(1.1)  # a copied file would get a later Last-Modified
        write_site(build, "zwei", pages=3)
        release.deploy(build, live)
        assert get("/").text == "<h1>Start zwei</h1>"
        assert get("/css/site.css").headers["Last-Modified"] == stamp  # linked, not copied
        release.rollback(live)
        assert get("/").text == "<h1>Start eins</h1>"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_after_a_takedown_no_rollback_brings_the_post_back(tmp_path):
    build, live = tmp_path / "build", tmp_path / "live"
    for version in ("eins", "zwei"):
        write_site(build, version, pages=3)
        (build / "wall" / "probe-1").mkdir(parents=True)
        (build / "wall" / "probe-1" / "index.html").write_bytes(b"<p>Beitrag mit Einwilligung</p>")
        release.deploy(build, live)
    release.withdraw(live)  # invoke takedown: the post is gone from the content
    assert release.releases(live) == []
    with pytest.raises(RuntimeError):
        release.rollback(live)
    write_site(build, "drei", pages=3)  # the next publish, without the post
    release.deploy(build, live)
    assert not (live / "wall").exists()
    assert [p.name for p in release.releases_dir(live).iterdir() if p.is_dir()] == [os.path.realpath(live).split("/")[-1]]
    with pytest.raises(RuntimeError):
        release.rollback(live)
    assert b"Einwilligung" not in b"".join(p.read_bytes() for p in release.releases_dir(live).rglob("*") if p.is_file())
