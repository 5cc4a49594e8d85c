"""Shared helpers for the runner tests: a migrated temp store with posts, a fake-backed publisher."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image as PILImage

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN
from scheduler.publish.graph_api import GraphClient, GraphConfig
from scheduler.publish.publisher import Publisher
from scheduler.store.db import make_engine, migrate, session_factory
from scheduler.store.models import Consent, Image, Post

NOW = datetime(2026, 11, 23, 17, 30, tzinfo=timezone.utc)  # Monday 18:30 Berlin, after the 18:00 slot


def store(url: str):
    """A migrated store at `url` (the `db_url` fixture: SQLite or a fresh PostgreSQL database)."""
    migrate(url)
    engine = make_engine(url)
    return url, engine, session_factory(engine)


def add_post(sessions, media_dir: Path, n: int, ags: str | None, state: str = "granted",
             author: str | None = None, days_old: int = 10) -> str:
    relative = f"originals/p{n}.jpg"
    (media_dir / "originals").mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", (1200, 900), (20 * n % 255, 90, 140)).save(media_dir / relative)
    uid = f"instagram:P{n}"
    with sessions.begin() as session:
        post = Post(uid=uid, source="folder", shortcode=f"P{n}", permalink=f"https://www.instagram.com/p/P{n}/",
                    author=author or f"fotografin{n}", caption=f"Sonnenuntergang am Fluss {n} #SoistS", hashtags=[],
                    taken_at=NOW - timedelta(days=days_old + n), state=state, municipality_ags=ags,
                    needs_review=False, detection_reason="test")
        session.add(post)
        session.add(Image(post=post, path=relative, thumbnail_path=relative, width=1200, height=900,
                          sha256=f"{n:064x}", phash=f"{n:016x}"))
        if state == "granted":
            session.add(Consent(post=post, status="granted", answered_at=NOW - timedelta(days=2), evidence="DM ja"))
    return uid


def fake_publisher(base_url: str, content_dir: Path, deploys: list) -> Publisher:
    client = GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, base_url),
                         sleep=lambda s: None, max_attempts=2)
    return Publisher(client=client, site_url="https://www.example.org", content_dir=content_dir,
                     deploy=lambda: deploys.append(1), poll_s=0, lock_path=None)


def planning_env(monkeypatch, tmp_path: Path, slots: str = "Mon 18:00, Wed 18:00, Fri 18:00") -> None:
    (tmp_path / "content" / "community").mkdir(parents=True, exist_ok=True)
    for name, value in {"SOISTS_CONTENT_DIR": str(tmp_path / "content"), "SOISTS_MEDIA_DIR": str(tmp_path / "media"),
                        "SOISTS_SLOTS": slots, "SOISTS_ENQUEUE_HOURS": "48", "SOISTS_CATCH_UP_HOURS": "6",
                        "SOISTS_PLAN_SLOTS": "6"}.items():
        monkeypatch.setenv(name, value)
    for name in ("SOISTS_IG_USER", "SOISTS_IG_USER_ID", "SOISTS_IG_TOKEN", "SOISTS_FB_PAGE_ID",
                 "SOISTS_FB_PAGE_TOKEN", "SOISTS_SKIP_DATES", "SOISTS_DEPLOY_COMMAND"):
        monkeypatch.delenv(name, raising=False)


def head_revision() -> str:
    """The newest migration (one head: a second head would mean two branches' migrations collide)."""
    from alembic.script import ScriptDirectory

    from scheduler.store.db import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
