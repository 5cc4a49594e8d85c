"""The Fediverse channel in headless Chromium at 390 and 1280 px: a Fediverse post's card offers
„Rechte öffentlich anfragen“ with the Mastodon line (and, once asked, the date), and a feature whose
Mastodon step failed shows the step, why and the next attempt in the Redaktionsplan, marked as not
affecting the other channels. Screenshots: /tmp/fedi-board-*.png, /tmp/fedi-plan-*.png."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from scheduler.collect.ingest import Collector
from scheduler.curate import editors, workflow
from scheduler.curate.review.server import serve_in_thread
from scheduler.publish.state import FeaturePublication, PublishStep
from scheduler.store.models import Post, State
from tests.scheduler.board_client import PASSWORD, sign_in_page
from tests.scheduler.review_plan.plan_seed import seed_plan_world
from tests.scheduler.test_scheduler_store import collected

pytestmark = pytest.mark.browser


@pytest.fixture
def board(monkeypatch, tmp_path, sessions, settings, registry):
    world = seed_plan_world(monkeypatch, tmp_path, sessions, registry)
    monkeypatch.setenv("SOISTS_MASTODON_URL", "https://bawue.example")
    for n, author in ((91, "anna@pixel.example"), (92, "ben@bawue.example")):
        post = dataclasses.replace(collected(n, author=author, caption="Abendlicht in Plochingen #SoistS"),
                                   uid=f"fediverse:pixel.example/{n}", source="fediverse",
                                   permalink=f"https://pixel.example/@{author.split('@')[0]}/{n}")
        Collector(sessions, settings, registry).store(post)
    now = datetime.now(timezone.utc)
    with sessions.begin() as session:
        editors.add_account(session, "rolf", PASSWORD, "redaktion")
        for post in session.scalars(select(Post).where(Post.source == "fediverse")):
            workflow.transition(session, post, State.SHORTLISTED.value, "rolf")
            if post.author.startswith("ben"):  # asked already
                workflow.transition(session, post, State.RIGHTS_REQUESTED.value, "rolf", "öffentlich auf Mastodon angefragt",
                                    json.dumps({"kind": "public_request", "channel": "mastodon",
                                                "request_status_id": "110000000000001234", "account": "soists@bawue.example"}))
        feature = session.scalar(select(FeaturePublication).where(FeaturePublication.status == "done"))
        step = session.scalar(select(PublishStep).where(PublishStep.feature_id == feature.id, PublishStep.step == "mastodon"))
        step.state, step.error = "failed", "Mastodon: Mastodon token refused (401/403): The access token is invalid"
        step.data = {"attempts": 1, "retry_utc": (now + timedelta(hours=6)).isoformat(),
                     "error": {"kind": "NeedsEditor", "http_status": 401, "channel": "Mastodon"}}
        key = feature.key
    server = serve_in_thread(sessions, settings, registry)
    yield f"http://127.0.0.1:{server.server_address[1]}", key
    server.shutdown()
    server.server_close()
    world.fake.stop()


def test_fediverse_card_and_failed_mastodon_step(board, chromium_browser):
    base, key = board
    for width in (390, 1280):
        context = chromium_browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in_page(page, base, "rolf")
        page.goto(base + "/?view=pending")
        cards = page.locator("article", has_text="pixel.example")
        assert page.locator("text=Mastodon: öffentliche Anfrage möglich").count() == 1
        assert page.locator("text=Mastodon: öffentlich angefragt am").count() == 1
        button = page.locator("button.btn-request-public")
        assert button.count() == 1 and button.is_visible()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # never cut off
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        cards.first.screenshot(path=f"/tmp/fedi-board-{width}.png")
        page.goto(f"{base}/plan/features/{key}")
        error = page.locator(".step-error", has_text="Mastodon")
        assert error.count() == 1 and "401" in error.inner_text() and "nicht betroffen" in error.inner_text()
        assert "nächster Versuch" in error.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=f"/tmp/fedi-plan-{width}.png", full_page=True)
        context.close()
