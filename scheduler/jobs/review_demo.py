"""`python -m scheduler review --demo` / `invoke review --demo`: the Prüfung with something in it.

A newcomer's board is empty: nothing was collected yet. The demo makes var/review-demo/ the way
`python -m scheduler demo` does (scheduler/jobs/demo.py: a copy of content/, six approved demo
posts, one feature published through the local Graph API fake to the site, Instagram and
Facebook), then adds posts waiting for a decision — two clear ones, one whose municipality is
ambiguous (Altdorf), one without any place — and serves the board on that store as the one local
user "demo". The Redaktionsplan then shows the approved posts in its Sendeplätze, the published
feature under „Rückblick“ (its page: /plan/features/<key>) and the demo wall's photos.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scheduler.config import PROJECT_ROOT, Settings

WORK = PROJECT_ROOT / "var" / "review-demo"
EDITOR = "demo"
# (caption, AGS or None, needs_review, detection note as detection.py writes it, candidates)
WAITING = (
    ("Frühnebel über dem Neckartal bei Plochingen #SoistS", "08116056", False, "Plochingen aus Bildtext", ()),
    ("Marktplatz am Samstagmorgen, Backnang #SoistS", "08119008", False, "Backnang aus Bildtext", ()),
    ("Kirschblüte in Altdorf #SoistS", None, True,
     "mehrdeutig: 'Altdorf' kann Altdorf (Landkreis Böblingen) oder Altdorf (Landkreis Esslingen) sein",
     ("08115002", "08116005")),
    ("Was für ein Abendhimmel! #SoistS", None, True, "kein Ortsname gefunden", ()),
)
PLAN_ENV = ("SOISTS_SLOTS", "SOISTS_IG_TOKEN", "SOISTS_FB_PAGE_TOKEN", "SOISTS_GRAPH_BASE_URL", "SOISTS_PUBLISH_LOCK",
            "SOISTS_SITE_URL")  # without a site URL the board's takedown runs no `invoke publish`


def seed_waiting_posts(sessions, media_dir: Path) -> int:
    """Collected posts for the board's first view („Neu“), with drawn demo images."""
    from demo.artwork import render_scene, save_jpeg
    from scheduler.store.models import Image, Post, State

    now = datetime.now(timezone.utc)
    with sessions.begin() as session:
        for i, (caption, ags, unclear, note, candidates) in enumerate(WAITING):
            relative = f"originals/demo_board_{i}.jpg"
            path = media_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            save_jpeg(render_scene(800 + i), path)
            post = Post(uid=f"instagram:DemoBoard{i}", source="folder", shortcode=f"DemoBoard{i}",
                        permalink=f"https://www.instagram.com/p/DemoBoard{i}/", author=f"demo.fotografin{i}",
                        caption=caption + " (gezeichnetes Demobild)", hashtags=["soists"],
                        taken_at=now - timedelta(days=2 + i), state=State.COLLECTED.value,
                        municipality_ags=ags, suggested_ags=ags or (candidates[0] if candidates else None),
                        detection_confidence=0.95 if ags else 0.4 if candidates else 0.0,
                        detection_reason=note, detection_candidates=list(candidates), needs_review=unclear)
            session.add(post)
            session.add(Image(post=post, path=relative, thumbnail_path=relative, width=1600, height=1200,
                              sha256=hashlib.sha256(path.read_bytes()).hexdigest(), phash=f"{0xb0 + i:016x}"))
    return len(WAITING)


def prepare(work: Path = WORK, fresh: bool = True) -> dict[str, str]:
    """Make the demo store (unless `fresh` is False and it exists); returns the environment the
    board needs (store, media, content)."""
    from scheduler.jobs.demo import run_demo
    from scheduler.store.db import make_engine, session_factory

    db_url = f"sqlite:///{work / 'soists.db'}"
    if fresh or not (work / "soists.db").exists():
        run_demo(work=work)  # six approved posts; one published through the Graph API fake
        engine = make_engine(db_url)
        try:
            print(f"{seed_waiting_posts(session_factory(engine), work / 'media')} posts waiting for a decision")
        finally:
            engine.dispose()
    for name in PLAN_ENV:  # the default Sendeplätze; publishing is not set up in the demo (the fake has stopped)
        os.environ.pop(name, None)
    env = {"SOISTS_DB_URL": db_url, "SOISTS_MEDIA_DIR": str(work / "media"),
           "SOISTS_CONTENT_DIR": str(work / "content"),  # a takedown on the demo board stays in the demo's folders
           "SOISTS_OUTPUT": str(work / "output"), "SOISTS_BUILD_CACHE_DIR": str(work / "build-cache")}
    os.environ.update(env)
    return env


def demo_settings(settings: Settings, env: dict[str, str]) -> Settings:
    return replace(settings, db_url=env["SOISTS_DB_URL"], media_dir=Path(env["SOISTS_MEDIA_DIR"]), editor=EDITOR)
