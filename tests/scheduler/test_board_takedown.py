"""„Überall entfernen“ on the board: a Veröffentlichen account takes a published post down (site
files, media, Graph API fake, Mastodon fake, a rebuilt site), the audit view names who, what and
why; other roles see no button and get 403; a missing reason is a German 400; a second POST does
not start a second takedown; a takedown stopped mid-way continues with „Fortsetzen“."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from demo.graph_fake_delete import delete_calls
from demo.graph_fake_tokens import DEFAULT_SCOPES
from demo.mastodon_fake import TOKEN, MastodonFake
from scheduler import jobs
from scheduler.curate import editors
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.server import serve_in_thread
from scheduler.publish.graph_api import GraphClient, GraphConfig
from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig
from scheduler.publish.publisher import publish_due
from scheduler.publish.takedown import SitePaths, Takedown
from scheduler.publish.takedown_state import TakedownRecord
from scheduler.store.models import BoardEvent, Post
from tests.conftest import build_site
from tests.scheduler.board_client import PASSWORD, Client, sign_in_page
from tests.scheduler.test_scheduler_review_german import VISIBLE_TEXT, english_words
from tests.scheduler_jobs.jobs_helpers import NOW, add_post, fake_publisher, planning_env
from tests.site.a11y import axe_context, run_axe

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = {"lea": "lesen", "rolf": "redaktion", "vera": "veroeffentlichen"}


class World:
    """A post published everywhere through the fakes, the board, and a takedown wired to the fakes."""

    def __init__(self, tmp_path, monkeypatch, sessions, settings, registry, graph_scopes=None):
        self.tmp, self.sessions = tmp_path, sessions
        planning_env(monkeypatch, tmp_path)
        self.graph = GraphFake(tmp_path / "fake.json", scopes=graph_scopes)
        self.mastodon = MastodonFake(tmp_path / "mastodon.json")
        self.graph.start(), self.mastodon.start()
        add_post(sessions, tmp_path / "media", 1, registry.get("plochingen").ags, author="geheime.knipserin")
        (self.key,) = jobs.plan_job(settings.db_url, NOW)[:1]
        publisher = fake_publisher(self.graph.base_url, tmp_path / "content", [])
        publisher.mastodon = self.mastodon_client()
        publisher.media_poll_s = 0
        with sessions() as session:
            assert publish_due(session, NOW, publisher) == {self.key: "done"}
            self.post_id = session.scalar(select(Post.id))
        with sessions.begin() as session:
            for name, role in PEOPLE.items():
                editors.add_account(session, name, PASSWORD, role)
        self.deploys: list[int] = []
        self.app = self.wire(ReviewApp(sessions, settings, registry))

    def wire(self, app: ReviewApp) -> ReviewApp:
        """The board's takedown on the fakes and the temp site (in production: the settings and `invoke publish`)."""
        app.takedowns.runner.factory, app.takedowns.runner.deploy = self.takedown, self.deploy
        return app

    def mastodon_client(self) -> MastodonClient:
        return MastodonClient(MastodonConfig(self.mastodon.base_url, TOKEN), sleep=lambda s: None)

    def takedown(self) -> Takedown:
        graph = GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, self.graph.base_url),
                            sleep=lambda s: None, max_attempts=2)
        paths = SitePaths(self.tmp / "content", self.tmp / "media", self.tmp / "output",
                          build_cache_dir=self.tmp / ".output.build-cache")
        return Takedown(paths, lambda: graph, mastodon=self.mastodon_client)

    def build(self) -> None:
        """The site as the build writes it (the same command `invoke build` runs)."""
        result = build_site(self.tmp / "output", content=self.tmp / "content")
        assert result.returncode == 0, result.stdout + result.stderr

    def deploy(self) -> None:  # the board's deploy is `invoke publish`: here the rebuild of the temp site
        self.build()
        self.deploys.append(1)

    def signed_in(self, name: str) -> Client:
        browser = Client(self.app)
        assert browser.sign_in(name, PASSWORD).status == 303
        return browser

    def stop(self) -> None:
        self.graph.stop()
        self.mastodon.stop()


@pytest.fixture
def world(tmp_path, monkeypatch, sessions, settings, registry, request):
    world = World(tmp_path, monkeypatch, sessions, settings, registry, getattr(request, "param", None))
    yield world
    world.stop()


def site_files(world) -> list[str]:
    """Every built or content file that still names the post."""
    found = []
    for folder in (world.tmp / "content", world.tmp / "output"):
        found += [str(p.relative_to(world.tmp)) for p in folder.rglob("*")
                  if p.is_file() and (world.key in p.name or world.key.encode() in p.read_bytes())]
    return found


@pytest.mark.both_databases  # SQLite and PostgreSQL: the purge, and the unique takedown row per post
def test_a_publishing_editor_takes_a_post_down_everywhere(world):
    world.build()
    assert (world.tmp / f"output/wall/{world.key}/index.html").is_file() and site_files(world)
    assert (world.tmp / "media/originals/p1.jpg").is_file()
    [status] = world.mastodon.statuses()
    vera = world.signed_in("vera")
    board = vera.get("/?view=granted")
    assert f'href="/entfernen/{world.key}"' in board.text and "Überall entfernen …" in board.text
    detail = vera.get(f"/plan/features/{world.key}")
    assert f'href="/entfernen/{world.key}"' in detail.text
    page = vera.get(f"/entfernen/{world.key}")
    assert page.status == 200 and "nicht rückgängig" in page.text
    for promise in ("Seite des Fotos auf der Fotowand", "Instagram:</strong> Der Beitrag wird gelöscht",
                    "Facebook:</strong> Der Beitrag wird gelöscht", "Mastodon:</strong> Der Beitrag wird mit seinem Foto",
                    "Zwischenspeicher"):
        assert promise in page.text, promise

    started = vera.post(f"/entfernen/{world.key}", {"action": "start", "reason": "widerruf",
                                                    "note": "Mail vom 5. Dezember"})
    assert started.status == 303 and started.header("Location") == f"/entfernen/{world.key}"
    world.app.takedowns.runner.join(world.key, 120)
    progress = vera.get(f"/entfernen/{world.key}")
    assert "abgeschlossen" in progress.text and progress.text.count(">erledigt<") == 7  # six steps and the upload

    assert site_files(world) == [] and not (world.tmp / f"output/wall/{world.key}").exists()
    assert not (world.tmp / "media/originals/p1.jpg").exists()
    assert world.graph.published() == {"instagram": [], "facebook": []}
    assert world.mastodon.statuses() == []
    assert all(world.mastodon.persisted()["media"][m]["deleted"] for m in status["media_ids"])
    assert world.deploys == [1]
    with world.sessions() as session:
        record = session.scalar(select(TakedownRecord))
        assert (record.post_id, record.editor, record.reason, record.status) == (
            world.key, "vera", "Widerruf der Einwilligung: Mail vom 5. Dezember", "done")
        assert session.get(Post, world.post_id) is None
    audit = vera.get("/audit").text
    assert "überall entfernen angestoßen" in audit and "Entfernung abgeschlossen" in audit
    assert f"{world.key} · Widerruf der Einwilligung: Mail vom 5. Dezember" in audit


def test_the_request_returns_at_once_and_a_second_post_starts_nothing(world):
    runner, gate, made = world.app.takedowns.runner, threading.Event(), []

    def held() -> Takedown:  # the takedown waits at its first checkpoint until the test lets it go
        takedown = world.takedown()
        takedown.checkpoint = lambda name: name == "takedown:plan:before" and gate.wait(60)
        made.append(takedown)
        return takedown

    runner.factory = held
    vera, rolf = world.signed_in("vera"), world.signed_in("rolf")
    vera.get(f"/entfernen/{world.key}")
    assert vera.post(f"/entfernen/{world.key}", {"action": "start", "reason": "widerruf"}).status == 303
    page = vera.get(f"/entfernen/{world.key}").text  # answered while the takedown still waits
    assert runner.running(world.key) and "Die Entfernung läuft." in page and 'http-equiv="refresh"' in page
    assert "/plan/features/" in rolf.get(f"/entfernen/{world.key}").text  # every role may watch
    again = vera.post(f"/entfernen/{world.key}", {"action": "start", "reason": "rechte"})  # a double click
    assert again.status == 303 and "schon angestoßen" in vera.get(f"/entfernen/{world.key}").text
    assert vera.post(f"/entfernen/{world.key}", {"action": "resume"}).status == 303  # running: nothing to resume
    gate.set()
    runner.join(world.key, 120)
    assert len(made) == 1 and world.deploys == [1] and "abgeschlossen" in vera.get(f"/entfernen/{world.key}").text
    with world.sessions() as session:
        assert session.scalars(select(BoardEvent.action).where(BoardEvent.action.like("takedown%"))).all() == [
            "takedown", "takedown_deploy", "takedown_done"]
        assert session.scalar(select(TakedownRecord)).reason == "Widerruf der Einwilligung"
    assert set(delete_calls(world.graph).values()) == {1}


@pytest.mark.parametrize("name", ["lea", "rolf"])
def test_other_roles_see_no_button_and_are_refused(world, name):
    browser = world.signed_in(name)
    assert "/entfernen/" not in browser.get("/?view=granted").text
    assert "/entfernen/" not in browser.get(f"/plan/features/{world.key}").text
    assert browser.get(f"/entfernen/{world.key}").status == 403
    refused = browser.post(f"/entfernen/{world.key}", {"action": "start", "reason": "widerruf"})
    assert refused.status == 403 and "Nicht erlaubt" in refused.text
    with world.sessions() as session:
        assert session.scalar(select(TakedownRecord)) is None
    assert len(world.graph.published()["instagram"]) == 1


def test_missing_reason_and_missing_csrf_change_nothing(world):
    vera = world.signed_in("vera")
    vera.get(f"/entfernen/{world.key}")
    missing = vera.post(f"/entfernen/{world.key}", {"action": "start", "note": "bitte weg"})
    assert missing.status == 400 and "Bitte einen Grund auswählen." in missing.text and "bitte weg" in missing.text
    other = vera.post(f"/entfernen/{world.key}", {"action": "start", "reason": "sonstiges"})
    assert other.status == 400 and "Bei „Sonstiges“ bitte kurz beschreiben" in other.text
    forged = vera.post(f"/entfernen/{world.key}", {"action": "start", "reason": "widerruf", "csrf": "falsch"})
    assert forged.status == 403
    assert vera.get("/entfernen/gibt-es-nicht").status == 404
    with world.sessions() as session:
        assert session.scalar(select(TakedownRecord)) is None


class Stopped(BaseException):
    """The board's process ends while the takedown runs (a kill, a restart)."""


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the stop, on purpose
def test_a_stopped_takedown_continues_without_deleting_twice(world, monkeypatch):
    runner = world.app.takedowns.runner
    crashing = world.takedown()

    def stop_at(name):
        if name == "takedown:facebook:intent_stored":
            raise Stopped(name)

    crashing.checkpoint = stop_at
    runner.factory = lambda: crashing
    vera = world.signed_in("vera")
    vera.get(f"/entfernen/{world.key}")
    vera.post(f"/entfernen/{world.key}", {"action": "start", "reason": "rechte"})
    runner.join(world.key, 60)
    page = vera.get(f"/entfernen/{world.key}").text
    assert "unterbrochen – bitte fortsetzen" in page and ">Fortsetzen<" in page and world.deploys == []
    runner.factory = world.takedown
    assert vera.post(f"/entfernen/{world.key}", {"action": "resume"}).status == 303
    runner.join(world.key, 120)
    assert "abgeschlossen" in vera.get(f"/entfernen/{world.key}").text
    assert world.graph.published() == {"instagram": [], "facebook": []}
    assert set(delete_calls(world.graph).values()) == {1}


@pytest.mark.parametrize("world", [[s for s in DEFAULT_SCOPES if s != "instagram_manage_contents"]], indirect=True)
def test_a_copy_to_delete_by_hand_is_confirmed_with_a_button(world):
    vera = world.signed_in("vera")
    vera.get(f"/entfernen/{world.key}")
    vera.post(f"/entfernen/{world.key}", {"action": "start", "reason": "widerruf"})
    world.app.takedowns.runner.join(world.key, 120)
    page = vera.get(f"/entfernen/{world.key}").text
    assert "Instagram-Beitrag" in page and "von Hand löschen" in page and "python -m" not in page
    assert "wartet auf die Redaktion" in page and "Von Hand gelöscht – bestätigen" in page
    assert world.signed_in("lea").get(f"/entfernen/{world.key}").text.count("bestätigen</button>") == 0
    vera.post(f"/entfernen/{world.key}", {"action": "confirm"})
    page = vera.get(f"/entfernen/{world.key}").text
    assert "abgeschlossen" in page and "von Hand gelöscht (bestätigt)" in page
    with world.sessions() as session:
        confirmed = session.scalar(select(BoardEvent).where(BoardEvent.action == "takedown_confirm"))
        assert (confirmed.actor, confirmed.subject, confirmed.detail) == ("vera", world.key, "Instagram")
        assert session.scalar(select(BoardEvent).where(BoardEvent.action == "takedown_done")).actor == "vera"


NO_INSTAGRAM_DELETE = [s for s in DEFAULT_SCOPES if s != "instagram_manage_contents"]


@pytest.mark.browser
@pytest.mark.parametrize("world", [NO_INSTAGRAM_DELETE], indirect=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_the_takedown_pages_in_chromium(world, chromium_browser, sessions, settings, registry, width):
    """From the card to the confirmation, the reason, the progress with a copy to delete by hand, and the
    confirmation of it; axe-clean, German, no horizontal scrolling. Screenshots: /tmp/board-takedown-*.png."""
    server = serve_in_thread(sessions, settings, registry)
    world.wire(server.get_app())
    base = f"http://127.0.0.1:{server.server_address[1]}"
    context = axe_context(chromium_browser, width)
    page = context.new_page()

    def check(shot: str) -> None:
        page.screenshot(path=f"/tmp/board-takedown-{shot}-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.lang") == "de"
        assert run_axe(page) == [], shot
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width, shot
        assert english_words(page.evaluate(VISIBLE_TEXT)) == [], shot

    try:
        sign_in_page(page, base, "vera")
        page.goto(f"{base}/plan/features/{world.key}")
        page.screenshot(path=f"/tmp/board-takedown-feature-{width}.png", full_page=True)
        assert page.locator("a.takedown-button").inner_text() == "Überall entfernen …"
        page.goto(base + "/?view=granted")
        card = page.locator(f"article[data-id='{world.post_id}']")
        card.screenshot(path=f"/tmp/board-takedown-card-{width}.png")
        with page.expect_navigation():
            card.locator("a.takedown-button").click()
        assert page.url == f"{base}/entfernen/{world.key}"
        check("confirm")
        page.check("input[name=reason][value=widerruf]")
        page.fill("#takedown-note", "Mail vom 5. Dezember")
        with page.expect_navigation():
            page.click("button.takedown-button")
        server.get_app().takedowns.runner.join(world.key, 120)
        page.goto(f"{base}/entfernen/{world.key}")
        assert page.locator("[data-step=instagram] .todo").inner_text().startswith("Instagram-Beitrag")
        check("manual")
        with page.expect_navigation():
            page.click("button.confirm-button")
        assert "abgeschlossen" in page.locator("p.status").inner_text()
        check("done")
        page.click("#flash button.close")
        assert page.locator("#flash").count() == 0
        page.goto(f"{base}/plan/features/{world.key}")
        assert page.locator(f"a[href='/entfernen/{world.key}']").inner_text() == "Entfernung: Stand ansehen"
        page.goto(base + "/audit")
        page.screenshot(path=f"/tmp/board-takedown-audit-{width}.png", full_page=True)
        assert "überall entfernen angestoßen" in page.locator("table.audit").inner_text()
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_a_failed_upload_is_shown_and_done_again_with_fortsetzen(world):
    runner, calls = world.app.takedowns.runner, []

    def deploy_once_broken():
        calls.append(1)
        if len(calls) == 1:
            raise OSError("rsync: connection refused")

    runner.deploy = deploy_once_broken
    vera = world.signed_in("vera")
    vera.get(f"/entfernen/{world.key}")
    vera.post(f"/entfernen/{world.key}", {"action": "start", "reason": "rechte"})
    runner.join(world.key, 120)
    page = vera.get(f"/entfernen/{world.key}").text
    assert 'data-step="deploy"><strong>Website neu bauen und hochladen</strong>: <span class="step-state">' \
           "fehlgeschlagen" in page and ">Fortsetzen<" in page
    vera.post(f"/entfernen/{world.key}", {"action": "resume"})
    runner.join(world.key, 120)
    page = vera.get(f"/entfernen/{world.key}").text
    assert calls == [1, 1] and ">Fortsetzen<" not in page and page.count(">erledigt<") == 7
    assert "Hochladen nach Entfernung fehlgeschlagen" in vera.get("/audit").text


def test_a_board_killed_mid_takedown_continues_with_fortsetzen(world, settings, tmp_path):
    """The real thing: `python -m scheduler review` takes the post down and is SIGKILLed right after the
    Facebook DELETE, before it is recorded (SOISTS_PUBLISH_CRASH_AT); a fresh board continues it."""
    env = {**os.environ, "SOISTS_DB_URL": settings.db_url, "SOISTS_MEDIA_DIR": str(tmp_path / "media"),
           "SOISTS_CONTENT_DIR": str(tmp_path / "content"), "SOISTS_OUTPUT": str(tmp_path / "output"),
           "SOISTS_BUILD_CACHE_DIR": str(tmp_path / "build-cache"), "SOISTS_GRAPH_BASE_URL": world.graph.base_url,
           "SOISTS_IG_USER_ID": IG_USER_ID, "SOISTS_FB_PAGE_ID": PAGE_ID, "SOISTS_IG_TOKEN": IG_TOKEN,
           "SOISTS_FB_PAGE_TOKEN": PAGE_TOKEN, "SOISTS_MASTODON_URL": world.mastodon.base_url,
           "SOISTS_MASTODON_TOKEN": TOKEN, "SOISTS_SECRETS_FILE": str(tmp_path / "no-secrets.json"),
           "SOISTS_PUBLISH_CRASH_AT": "takedown:facebook:deleted_unrecorded", "PYTHONUNBUFFERED": "1"}
    env.pop("SOISTS_SITE_URL", None)
    board = subprocess.Popen([sys.executable, "-m", "scheduler", "review", "--port", "0", "--no-browser", "--auth",
                              "none", "--editor", "vera"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        base = re.search(r"(http://127\.0\.0\.1:\d+)/", board.stdout.readline()).group(1)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(f"{base}/entfernen/{world.key}", timeout=30).read().decode()
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf": token, "action": "start", "reason": "widerruf"}).encode()
        assert "Die Entfernung läuft" in opener.open(f"{base}/entfernen/{world.key}", form, timeout=30).read().decode()
        assert board.wait(60) == -9  # killed by its own takedown thread, mid-way
    finally:
        board.kill()
        board.stdout.close()
    assert len(world.graph.published()["facebook"]) == 0 and len(world.graph.published()["instagram"]) == 1
    vera = world.signed_in("vera")
    page = vera.get(f"/entfernen/{world.key}").text
    assert "unterbrochen – bitte fortsetzen" in page and ">Fortsetzen<" in page
    vera.post(f"/entfernen/{world.key}", {"action": "resume"})
    world.app.takedowns.runner.join(world.key, 120)
    assert "abgeschlossen" in vera.get(f"/entfernen/{world.key}").text
    assert world.graph.published() == {"instagram": [], "facebook": []} and world.mastodon.statuses() == []
    assert set(delete_calls(world.graph).values()) == {1}  # the Facebook post: deleted once, not twice


def test_a_queued_post_is_taken_down_before_anything_is_published(tmp_path, monkeypatch, sessions, settings, registry):
    planning_env(monkeypatch, tmp_path)
    add_post(sessions, tmp_path / "media", 1, registry.get("plochingen").ags)
    (key,) = jobs.plan_job(settings.db_url, NOW)[:1]
    with sessions.begin() as session:
        editors.add_account(session, "vera", PASSWORD, "veroeffentlichen")
    app = ReviewApp(sessions, settings, registry)

    def no_platform():
        raise AssertionError("nothing was published: no platform is asked")

    app.takedowns.runner.factory = lambda: Takedown(SitePaths(tmp_path / "content", tmp_path / "media",
                                                              tmp_path / "output"), no_platform, mastodon=no_platform)
    app.takedowns.runner.deploy = None
    vera = Client(app)
    vera.sign_in("vera", PASSWORD)
    assert f'href="/entfernen/{key}"' in vera.get("/?view=granted").text
    page = vera.get(f"/entfernen/{key}").text
    assert "Die geplante Veröffentlichung wird abgesagt" in page and "Noch nicht auf der Website" in page
    assert page.count("nicht veröffentlicht – nichts zu tun.") == 3
    vera.post(f"/entfernen/{key}", {"action": "start", "reason": "sonstiges", "note": "Doppelt eingereicht"})
    app.takedowns.runner.join(key, 60)
    page = vera.get(f"/entfernen/{key}").text
    assert "abgeschlossen" in page and page.count("nicht veröffentlicht") == 3
    assert "auf diesem Rechner nicht eingerichtet" in page  # no site URL: nothing is uploaded
    with sessions() as session:
        assert session.scalar(select(Post)) is None
        assert session.scalar(select(TakedownRecord)).reason == "Sonstiges: Doppelt eingereicht"
    assert not (tmp_path / "media/originals/p1.jpg").exists()
    assert "/entfernen/" not in vera.get("/?view=all").text
