"""Server time of the review board's plan view: 52 weeks × 3 slots, 156 planned features.

    .venv/bin/python bench/plan_render.py [--renders 15] [--limit-ms 300]

In-process: a SQLite store in a temporary folder with 156 approved posts (each in another
municipality, each with consent and an image row), the default Mon/Wed/Fri 18:00 schedule,
and `PlanRoutes.render_plan("week", weeks=52)` — the whole page the board sends, coverage strip
and review of past weeks included — timed K times. Prints one line with the median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.region.registry import load_registry  # noqa: E402
from scheduler.config import Settings  # noqa: E402
from scheduler.curate.review.app import ReviewApp  # noqa: E402
from scheduler.curate.review.auth import AuthConfig  # noqa: E402
from scheduler.plan import operations  # noqa: E402
from scheduler.store.db import make_engine, migrate, session_factory  # noqa: E402
from scheduler.store.models import Consent, Image, Post  # noqa: E402

WEEKS, PER_WEEK = 52, 3


def seed(sessions, count: int) -> None:
    """`count` approved posts, one per municipality, oldest photo first."""
    now = datetime.now(timezone.utc)
    with sessions.begin() as session:
        for n, municipality in enumerate(sorted(load_registry(), key=lambda m: m.ags)[:count]):
            post = Post(uid=f"bench:{n}", source="folder", shortcode=f"B{n}", author=f"fotografin{n}",
                        caption=f"Abendlicht über {municipality.name} #SoistS #{municipality.slug}", hashtags=[],
                        taken_at=now - timedelta(days=30 + n), state="granted",
                        municipality_ags=municipality.ags, needs_review=False)
            session.add(post)
            session.add(Image(post=post, path=f"originals/b{n}.jpg", thumbnail_path=f"thumbnails/b{n}.jpg",
                              width=1080, height=1350 if n % 2 else 810, sha256=f"{n:064x}", phash=f"{n:016x}"))
            session.add(Consent(post=post, status="granted", answered_at=now - timedelta(days=3),
                                evidence="DM: ja", credit=f"Fotografin {n}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=15)
    parser.add_argument("--limit-ms", type=float, default=300.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "content" / "community").mkdir(parents=True)
        os.environ.update(SOISTS_CONTENT_DIR=str(root / "content"), SOISTS_MEDIA_DIR=str(root / "media"),
                          SOISTS_SLOTS="Mon 18:00, Wed 18:00, Fri 18:00", SOISTS_SKIP_DATES="")
        settings = Settings(root=root, db_url=f"sqlite:///{root / 'bench.db'}", media_dir=root / "media")
        migrate(settings.db_url)
        engine = make_engine(settings.db_url)
        sessions = session_factory(engine)
        count = WEEKS * PER_WEEK
        seed(sessions, count)
        app = ReviewApp(sessions, settings, load_registry(), "bench", AuthConfig("none", "X-Remote-User", "bench"))
        page = app.plan.render_plan("week", None, WEEKS, "token")  # warm-up (templates compiled)
        shown = page.count('data-movable="1"')  # this week's passed slots are in the window, too
        with sessions() as session:
            planner = app.plan.planner()
            planned = sum(1 for e in operations.current_entries(session, planner, planner.now + timedelta(weeks=WEEKS))
                          if e.post_uid)
        timings = []
        for _ in range(args.renders):
            started = time.perf_counter()
            app.plan.render_plan("week", None, WEEKS, "token")
            timings.append((time.perf_counter() - started) * 1000)
        engine.dispose()
    median = statistics.median(timings)
    print(f"plan {WEEKS}x{PER_WEEK}: median {median:.0f} ms over {args.renders} renders "
          f"(limit {args.limit_ms:.0f} ms; {planned} planned features in the store's plan, {shown} of them in the "
          f"{WEEKS}-week window, page {len(page) // 1024} KiB)")
    sys.exit(0 if median <= args.limit_ms else 1)


if __name__ == "__main__":
    main()
