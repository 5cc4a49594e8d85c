"""`python -m plugins.preview` as the editor runs it (what `invoke livereload` starts): a save
is noticed through file notifications, the edited page is served with the change, open
pages are told which files were written, a broken file shows its error while the last
good page stays served."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from bench import edits
from bench.edits import copy_site
from tests.conftest import ROOT
from tests.site.test_preview import SETTINGS

ARTICLE = "articles/green-tech-region.md"
PAGE = "artikel/green-tech-region/"


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


def until(check, timeout: float = 120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            found = check()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


def listen(url: str, events: list[tuple[str, str]]) -> None:
    """Collect the server-sent events (name, data) of /__preview__/events."""
    with urllib.request.urlopen(url, timeout=300) as stream:
        name = None
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name:
                events.append((name, line[6:]))


def test_a_save_is_served_and_announced(tmp_path):
    content, theme = copy_site(ROOT / "content", ROOT / "theme", tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {**SETTINGS, "THEME": str(theme), "IMAGE_CACHE_DIR": str(tmp_path / "images"),
                "BUILD_CACHE_DIR": str(tmp_path / "build-cache")}
    server = subprocess.Popen([sys.executable, "-m", "plugins.preview", "--content", str(content), "--output",
                               str(tmp_path / "served"), "--port", str(port), "--no-search", "-e", json.dumps(settings)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    base = f"http://127.0.0.1:{port}/"
    try:
        status = lambda: json.loads(fetch(base + "__preview__/status")[1])  # noqa: E731
        until(lambda: status()["generation"] >= 1 and not status()["busy"], timeout=300)
        events: list[tuple[str, str]] = []
        threading.Thread(target=listen, args=(base + "__preview__/events", events), daemon=True).start()
        time.sleep(0.5)

        marker = "Gespeichert und gleich zu sehen"
        edits.append_text(content / ARTICLE, marker)
        until(lambda: marker in fetch(base + PAGE)[1], timeout=60)
        until(lambda: not status()["busy"])
        assert status()["first_seconds"] > 0  # the page came from the first look, before the lists
        reloads = [json.loads(data) for name, data in events if name == "reload"]
        assert reloads and reloads[0] == ["artikel/green-tech-region/index.html"], events
        assert "<script src=\"/__preview__/reload.js\"></script>" in fetch(base + PAGE)[1]

        broken, original = edits.break_event(content)
        until(lambda: status()["error"], timeout=60)
        assert "nirgendwo" in status()["error"]
        assert marker in fetch(base + PAGE)[1]  # the last good site stays served
        until(lambda: ("problem", json.dumps(status()["error"])) in events)
        broken.write_bytes(original)
        edits.touch(broken)
        until(lambda: status()["error"] is None and not status()["busy"], timeout=60)

        (content / ARTICLE).unlink()
        until(lambda: fetch(base + PAGE)[0] == 404, timeout=60)
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]
    assert "✓" in log and "now the lists" in log, log
