"""`python -m plugins.preview` as the editor runs it (what `invoke livereload` starts): a save
is noticed through file notifications, the edited page is served with the change, open
pages are told which files were written, a broken file shows its error while the last
good page stays served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from bench import edits
from bench.edits import copy_site
from bench.preview_latency import Preview, fetch, free_port
from tests.conftest import ROOT
from tests.site.test_preview import SETTINGS

ARTICLE = "articles/green-tech-region.md"
PAGE = "artikel/green-tech-region/"


def until(check, timeout: float = 120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            found = check()
        except Exception:  # noqa: BLE001 - the server restarting, a tab reloading: look again
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


@pytest.fixture
def preview(tmp_path):
    """`python -m plugins.preview` on a copy of the demo content: (base URL, content folder)."""
    content, theme = copy_site(ROOT / "content", ROOT / "theme", tmp_path)
    port = free_port()
    settings = {**SETTINGS, "THEME": str(theme), "IMAGE_CACHE_DIR": str(tmp_path / "images"),
                "BUILD_CACHE_DIR": str(tmp_path / "build-cache")}
    server = subprocess.Popen([sys.executable, "-m", "plugins.preview", "--content", str(content), "--output",
                               str(tmp_path / "served"), "--port", str(port), "--no-search", "-e", json.dumps(settings)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    base = f"http://127.0.0.1:{port}/"
    try:
        status = Preview(base).status
        until(lambda: status()["generation"] >= 1 and not status()["busy"], timeout=300)
        yield base, content
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]
    assert "✓" in log, log


def test_a_save_is_served_and_announced(preview):
    base, content = preview
    status = Preview(base).status
    events: list[tuple[str, str]] = []
    threading.Thread(target=listen, args=(base + "__preview__/events", events), daemon=True).start()
    time.sleep(0.5)

    marker = "Gespeichert und gleich zu sehen"
    edits.append_text(content / ARTICLE, marker)
    until(lambda: marker in fetch(base + PAGE)[1], timeout=60)
    until(lambda: not status()["busy"])
    assert status()["body_only"]  # a text alone: its page (and the feeds), no pass over every list
    reloads = [json.loads(data) for name, data in events if name == "reload"]
    assert reloads and reloads[0] == ["artikel/green-tech-region/index.html"], events
    assert "<script src=\"/__preview__/reload.js\"></script>" in fetch(base + PAGE)[1]

    edits.set_field(content / ARTICLE, "Title", "Grüne Technik aus der Region")  # a field: the lists follow
    until(lambda: "Grüne Technik aus der Region" in fetch(base + PAGE)[1], timeout=60)
    until(lambda: not status()["busy"])
    assert status()["first_seconds"] > 0 and not status()["body_only"]  # the page from the first look, then the lists

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


def test_open_tabs_reload_when_their_page_is_written(preview, chromium_browser):
    """The tab showing the saved article reloads by itself; a tab on a page the save does not
    change stays as it is; a broken file shows the error over the page; after a template
    change the open tabs' pages are rendered first; the tab of a deleted page reloads into
    the 404."""
    base, content = preview
    status = Preview(base).status
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    article, other = context.new_page(), context.new_page()
    try:
        article.goto(base + PAGE)
        other.goto(base + "impressum/")
        for tab in (article, other):
            tab.evaluate("window.notReloaded = true")
        until(lambda: status()["generation"] >= 1)
        time.sleep(0.5)  # the EventSource is connected
        marker = "Neu im Browser"
        edits.append_text(content / ARTICLE, marker)
        until(lambda: article.evaluate(f"document.body.textContent.includes({json.dumps(marker)})"), timeout=60)
        until(lambda: not status()["busy"])
        time.sleep(0.5)
        assert other.evaluate("window.notReloaded === true")  # Impressum was not written again
        assert article.evaluate("window.notReloaded === undefined")

        broken, original = edits.break_event(content)
        until(lambda: other.query_selector("#preview-problem"), timeout=60)
        assert "nirgendwo" in other.inner_text("#preview-problem")
        broken.write_bytes(original)
        edits.touch(broken)
        until(lambda: not status()["busy"] and status()["error"] is None, timeout=60)
        until(lambda: other.evaluate("!document.getElementById('preview-problem')"), timeout=30)

        # a template change renders the pages open in tabs first, then every other page
        time.sleep(1.5)  # the restored event's notifications (write, touch) are all handled
        until(lambda: not status()["busy"])
        edits.replace_text(content.parent / "theme" / "templates" / "base.html", "</body>",
                           "<!-- Vorlage neu --></body>")
        until(lambda: "Vorlage neu" in fetch(base + "impressum/")[1] and not status()["busy"], timeout=120)
        assert sorted(status()["first_pages"]) == ["artikel/green-tech-region/index.html", "impressum/index.html"]
        for tab in (article, other):  # both reloaded (every tab does after a template change) and listen again
            until(lambda tab=tab: "Vorlage neu" in tab.content(), timeout=30)
        time.sleep(0.5)

        (content / ARTICLE).unlink()  # the tab of a deleted page reloads into the 404
        until(lambda: "404" in article.evaluate("document.body.textContent"), timeout=60)
    finally:
        context.close()


def test_saves_are_sorted_by_what_they_reach(tmp_path):
    """Content edits go page first; templates and catalogs render everything; the stylesheet is
    only copied; plugins and settings restart the preview."""
    from plugins.preview.watch import Roots, classify

    roots = Roots(tmp_path / "content", tmp_path / "theme", (tmp_path / "plugins", tmp_path / "pelicanconf.py"))
    found = classify(roots, {str(tmp_path / "content" / "articles" / "a.md")})
    assert found.kinds == {"content"} and found.content == {str((tmp_path / "content/articles/a.md").resolve())}
    assert classify(roots, {str(tmp_path / "theme" / "templates" / "base.html")}).kinds == {"templates"}
    assert classify(roots, {str(tmp_path / "theme" / "translations" / "en.po")}).kinds == {"theme"}
    assert classify(roots, {str(tmp_path / "theme" / "static" / "css" / "site.css")}).kinds == {"static"}
    assert classify(roots, {str(tmp_path / "plugins" / "x.py"), str(tmp_path / "pelicanconf.py")}).kinds == {"code"}
