"""The build service (plugins/build_service): `invoke publish` asks the resident build when
its socket is there. After edits of a body, a title, a template and a stylesheet, and after
a deleted article, the live site equals a fresh production build file by file, and each
rebuild rendered only what the edit reaches."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time

from tests.conftest import ROOT, build_site
from tests.deploy.test_publish import ARTICLE, publish
from tests.production.real_site import SETTINGS, SITEURL, STRICT, minimal_content
from tests.site.test_reproducible import SEARCH_INDEX, differing

SERVICE_LINE = "build service: "


def start_service(env: dict[str, str], theme, *args: str) -> subprocess.Popen:
    service = subprocess.Popen([sys.executable, "-m", "plugins.build_service", "-e", json.dumps({"THEME": str(theme)}),
                                *args],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in service.stdout:
        if line.startswith(SERVICE_LINE):
            return service
        if line.startswith("✗"):
            break
    service.kill()
    raise AssertionError("the build service did not start: " + service.stdout.read())


def service_env(tmp_path, content, live, socket_path) -> dict[str, str]:
    """`invoke publish` into `live` with the build service on `socket_path`, all state in tmp_path."""
    return {**os.environ, "SOISTS_CONTENT_DIR": str(content), "SOISTS_SITEURL": SITEURL,
            "SOISTS_SITE_SETTINGS": str(SETTINGS), "SOISTS_DEPLOY_TARGET": str(live),
            "SOISTS_PUBLISH_OUTPUT": str(tmp_path / "publish" / "site"), "SOISTS_BUILD_SERVICE": str(socket_path),
            "SOISTS_BUILD_CACHE_DIR": str(tmp_path / "build-cache"), "SOISTS_IMAGE_CACHE_DIR": str(tmp_path / "images")}


def fresh_build(tmp_path, content, theme, env) -> object:
    saved = dict(os.environ)
    os.environ.update({key: env[key] for key in ("SOISTS_SITEURL", "SOISTS_SITE_SETTINGS", "SOISTS_IMAGE_CACHE_DIR")})
    try:
        return build_site(tmp_path, content=content, settings="publishconf.py",
                          extra=[*STRICT, "-e", f"THEME={json.dumps(str(theme))}"])
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_publish_through_the_service_equals_a_fresh_build(tmp_path):
    content = minimal_content(tmp_path)
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    (content / "articles").mkdir()
    for n, title in enumerate(("Am Neckar", "Auf der Alb", "Im Remstal")):
        (content / "articles" / f"artikel-{n}.md").write_text(
            ARTICLE.format(title=title, n=n, body=f"Ein Absatz {title}."), encoding="utf-8")
    live, socket_path = tmp_path / "live", tmp_path / "build.sock"
    env = service_env(tmp_path, content, live, socket_path)
    service = start_service(env, theme)
    try:
        copied, linked, log = publish(env)
        assert "built by the build service" in log and copied > 100 and linked == 0

        article = content / "articles" / "artikel-0.md"
        article.write_text(ARTICLE.format(title="Am Neckar", n=0, body="Ein neuer Absatz am Neckar."), encoding="utf-8")
        copied, linked, log = publish(env)
        assert 0 < copied < linked / 4, log
        written = json.loads(log.split("build service answer: ", 1)[1].splitlines()[0])["written"]
        assert 0 < written < 20, log  # the article's page, its lists and feeds, not the site

        (content / "articles" / "artikel-1.md").write_text(
            ARTICLE.format(title="Über die Alb", n=1, body="Ein Absatz."), encoding="utf-8")
        (content / "articles" / "artikel-2.md").unlink()
        article_template = theme / "templates" / "article.html"
        article_template.write_text(article_template.read_text(encoding="utf-8").replace(
            "</article>", "<p>Neu in der Vorlage</p></article>", 1), encoding="utf-8")
        copied, linked, log = publish(env)
        answer = json.loads(log.split("build service answer: ", 1)[1].splitlines()[0])
        assert answer["removed"] >= 1

        fresh = tmp_path / "fresh"
        built = fresh_build(fresh, content, theme, env)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        assert [p for p in differing(live.resolve(), fresh) if not p.startswith(SEARCH_INDEX + "/")] == []
        pages = [p.read_text(encoding="utf-8") for p in live.rglob("*.html")]
        assert any("Neu in der Vorlage" in page and "Über die Alb" in page for page in pages)
    finally:
        service.terminate()
        service.wait(timeout=30)
    assert not socket_path.exists()


EVENT = ("title: Netzwerktreffen\nuid: netzwerk-1@so-ist-s.de\nstart: 2027-03-09 09:30\nend: 2027-03-09 12:00\n"
         "category: netzwerk\nmunicipality: boeblingen\nlocation: Kongresshalle\naddress: {address}\n\nText.\n")


def test_a_warning_fails_the_publish_and_leaves_the_live_site(tmp_path):
    """Strict as the one-shot publish: a warning (an address in another municipality) stops the
    build, nothing is deployed; once fixed, the next publish brings the event."""
    content = minimal_content(tmp_path)
    live, socket_path = tmp_path / "live", tmp_path / "build.sock"
    env = service_env(tmp_path, content, live, socket_path)
    service = start_service(env, ROOT / "theme")
    try:
        publish(env)
        release = live.resolve()
        (content / "events").mkdir()
        event = content / "events" / "netzwerk.md"
        event.write_text(EVENT.format(address="Marktplatz 1, 70173 Stuttgart"), encoding="utf-8")
        failed = subprocess.run([str(ROOT / ".venv" / "bin" / "invoke"), "publish"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=900)
        assert failed.returncode == 1, failed.stdout[-2000:] + failed.stderr[-2000:]
        assert "nothing was deployed" in failed.stderr and "municipality" in failed.stderr, failed.stderr[-2000:]
        assert live.resolve() == release

        event.write_text(EVENT.format(address="Tübinger Straße 14, 71032 Böblingen"), encoding="utf-8")
        copied, _linked, log = publish(env)
        assert "built by the build service" in log and copied > 0
        assert "Netzwerktreffen" in (live / "termine" / "netzwerk" / "index.html").read_text(encoding="utf-8")
    finally:
        service.terminate()
        service.wait(timeout=30)


def test_new_settings_restart_the_service_and_that_publish_builds_without_it(tmp_path):
    """Settings (like plugins and packages) only a new process reads: the service answers
    „restart“, that publish builds the one-shot way, and the service comes back on the new
    settings for the next publish."""
    content = minimal_content(tmp_path)
    settings = tmp_path / "settings.py"
    settings.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom publishconf import *  # noqa\n",
                        encoding="utf-8")
    live, socket_path = tmp_path / "live", tmp_path / "build.sock"
    env = service_env(tmp_path, content, live, socket_path)
    service = start_service(env, ROOT / "theme", "--settings", str(settings))
    try:
        assert "built by the build service" in publish(env)[2]
        settings.write_text(settings.read_text(encoding="utf-8") + "DEFAULT_PAGINATION = 11\n", encoding="utf-8")
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(service.stdout), daemon=True).start()
        assert "built by the build service" not in publish(env)[2]  # the one-shot build, as without a service
        deadline = time.monotonic() + 120
        while not any(line.startswith(SERVICE_LINE) for line in lines) and time.monotonic() < deadline:
            time.sleep(0.2)  # the new process's first build, then it listens again
        assert any("restarting" in line for line in lines), lines
        assert "built by the build service" in publish(env)[2]
    finally:
        service.terminate()
        service.wait(timeout=30)


def test_the_service_freezes_after_a_build_and_collects_once_idle(tmp_path):
    """plugins/preview/memory.py in the build service: after a build what is alive is frozen;
    the garbage is collected between requests, once none came for IDLE_SECONDS."""
    import gc
    import socketserver

    from plugins.build_service import __main__ as service_main

    server = service_main.Server(str(tmp_path / "s.sock"), socketserver.StreamRequestHandler)
    try:
        server.built()
        assert server.memory.pending == 1 and gc.get_freeze_count() > 0
        server.service_actions()  # right after the build: nothing yet
        assert server.memory.pending == 1
        server.last_build -= service_main.IDLE_SECONDS
        server.service_actions()
        assert server.memory.pending == 0
    finally:
        server.server_close()
        gc.unfreeze()
