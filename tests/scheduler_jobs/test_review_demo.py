"""`python -m scheduler review --demo` (issue 28 §4): a newcomer's Prüfung is not empty — posts wait
for a decision (one with an unclear municipality), the Redaktionsplan has approved posts in its
Sendeplätze and the feature published through the Graph API fake in „Rückblick“, with its page."""

from __future__ import annotations

import os

from bs4 import BeautifulSoup

from plugins.region.registry import load_registry
from scheduler.config import load_settings
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.auth import AuthConfig
from scheduler.jobs.review_demo import EDITOR, WAITING, demo_settings, prepare
from scheduler.store.db import make_engine, session_factory


def get(app: ReviewApp, path: str, query: str = "") -> str:
    seen = {}
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": "127.0.0.1:8765",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8765", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http"}
    body = b"".join(app(environ, lambda status, headers: seen.update(status=status)))
    assert seen["status"].startswith("200"), (path, seen["status"])
    return body.decode("utf-8")


def test_the_demo_fills_the_board_and_the_plan(tmp_path):
    saved = dict(os.environ)
    try:
        env = prepare(work=tmp_path / "review-demo")
        settings = demo_settings(load_settings(), env)
        engine = make_engine(settings.db_url)
        app = ReviewApp(session_factory(engine), settings, load_registry(), EDITOR, AuthConfig("none", "X-Remote-User", EDITOR))
        board = BeautifulSoup(get(app, "/"), "lxml")
        assert len(board.select("article.card")) == len(WAITING)
        assert len(board.select("article.card.needs-review")) == 2
        assert "„Altdorf“ kann Altdorf (Landkreis Böblingen) oder Altdorf (Landkreis Esslingen) sein." in board.get_text()
        plan = BeautifulSoup(get(app, "/plan"), "lxml")
        assert len(plan.select("li.slot.kind-planned")) >= 4  # the approved demo posts in their Sendeplätze
        feature = plan.select_one("section.past a[href^='/plan/features/']")
        assert feature is not None  # the feature published through the fake, with its page
        page = BeautifulSoup(get(app, feature["href"]), "lxml")
        assert page.h1.get_text().startswith(page.select_one(".place .municipality, .facts strong").get_text())
        engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)
