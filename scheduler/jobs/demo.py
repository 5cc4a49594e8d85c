"""`python -m scheduler demo` / `invoke scheduler --demo`: the whole runner offline, end to end.

Everything lives in var/scheduler-demo/: a copy of content/, a fresh store seeded with six
approved (granted, located) demo posts drawn by demo.artwork, the local fake Graph API
(demo/graph_fake.py, which downloads the image like Meta does), the built site in
output/ served on 127.0.0.1 as the "public" site, and a posting slot one minute ago.
Then `once` runs twice: the first run plans, queues and publishes one feature to the site,
Instagram and Facebook; the second finds nothing to do (exactly once).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

from demo.localsite import start_server
from scheduler.config import BERLIN, PROJECT_ROOT
from scheduler.store.private import public_umask

WORK = PROJECT_ROOT / "var" / "scheduler-demo"


def demo_slot_setting(now: datetime) -> str:
    """A weekly slot one minute before `now` (Berlin time), e.g. "Mon 21:59"."""
    local = (now - timedelta(minutes=1)).astimezone(BERLIN)
    return f"{local:%a} {local:%H:%M}"


def seed_demo_posts(sessions, media_dir: Path, registry, avoid_ags: set[str], count: int = 6) -> list[str]:
    """Granted posts with a municipality, each in a different district where possible."""
    from demo.artwork import render_scene, save_jpeg
    from scheduler.store.models import AuditEvent, Consent, Image, Post, State

    chosen = []
    for district in registry.districts:
        for municipality in district.municipalities:
            if municipality.ags not in avoid_ags:
                chosen.append(municipality)
                break
    now = datetime.now(timezone.utc)
    uids = []
    with sessions.begin() as session:
        for i, municipality in enumerate(chosen[:count]):
            relative = f"originals/demo_sched_{i}.jpg"
            path = media_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            save_jpeg(render_scene(700 + i), path)
            uid = f"instagram:DemoSched{i}"
            post = Post(uid=uid, source="folder", shortcode=f"DemoSched{i}",
                        permalink=f"https://www.instagram.com/p/DemoSched{i}/", author=f"demo.knipser{i}",
                        caption=f"Abendspaziergang in {municipality.name} (gezeichnetes Demobild) #SoistS",
                        hashtags=["soists"], taken_at=now - timedelta(days=10 + i), state=State.GRANTED.value,
                        municipality_ags=municipality.ags, suggested_ags=municipality.ags,
                        detection_confidence=1.0, detection_reason="demo", needs_review=False)
            session.add(post)
            session.add(Image(post=post, path=relative, thumbnail_path=relative, width=1600, height=1200,
                              sha256=hashlib.sha256(path.read_bytes()).hexdigest(), phash=f"{i:016x}"))
            session.add(Consent(post=post, status="granted", answered_at=now - timedelta(days=5),
                                evidence="Demo: DM ‚ja, gerne‘"))
            session.add(AuditEvent(post=post, actor="demo", action="seed", to_state=State.GRANTED.value))
            uids.append(uid)
    return uids


def build_site(content: Path, output: Path) -> None:
    """The demo's deploy: build the site (the Instagram JPEGs are published from content/share/)."""
    subprocess.run([sys.executable, "-m", "pelican", str(content), "-s", str(PROJECT_ROOT / "pelicanconf.py"),
                    "-o", str(output), "-q"], cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL,
                   umask=public_umask())  # the site's files: the operator's umask, not the private one


def run_demo(dry_run: bool = False, keep: bool = False, work: Path = WORK) -> int:
    from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
    from plugins.region.registry import load_registry
    from scheduler import jobs
    from scheduler.plan.enqueue import site_features
    from scheduler.store.db import make_engine, migrate, session_factory

    if work.exists() and not keep:
        shutil.rmtree(work)
    content, output, media = work / "content", work / "output", work / "media"
    db_url = f"sqlite:///{work / 'soists.db'}"
    registry = load_registry()
    fresh = not content.exists()
    if fresh:
        shutil.copytree(PROJECT_ROOT / "content", content)
    migrate(db_url)
    engine = make_engine(db_url)
    if fresh:
        avoid = {s.ags for s in site_features(content, registry)}
        uids = seed_demo_posts(session_factory(engine), media, registry, avoid)
        print(f"seeded {len(uids)} granted demo posts into {work / 'soists.db'}")
    engine.dispose()

    fake = GraphFake(work / "fake.json", fetch_images=True)
    graph_url = fake.start()
    output.mkdir(parents=True, exist_ok=True)
    server, site_url = start_server(output)
    now = datetime.now(timezone.utc)
    os.environ.update({
        "SOISTS_DB_URL": db_url, "SOISTS_MEDIA_DIR": str(media), "SOISTS_CONTENT_DIR": str(content),
        "SOISTS_GRAPH_BASE_URL": graph_url, "SOISTS_IG_USER_ID": IG_USER_ID, "SOISTS_FB_PAGE_ID": PAGE_ID,
        "SOISTS_IG_TOKEN": IG_TOKEN, "SOISTS_FB_PAGE_TOKEN": PAGE_TOKEN, "SOISTS_SITE_URL": site_url,
        "SOISTS_PUBLISH_LOCK": str(work / "publish.lock"), "SOISTS_SLOTS": demo_slot_setting(now)})
    os.environ.pop("SOISTS_IG_USER", None)  # no instaloader session: collect is skipped
    deploy = partial(build_site, content, output)
    try:
        print(f"fake Graph API: {graph_url}\nsite: {site_url} (built into {output})\n"
              f"slots: {os.environ['SOISTS_SLOTS']} (Berlin)")
        if dry_run:
            for line in jobs.dry_run(db_url, now):
                print(line)
            return 0
        deploy()
        exit_code = 0
        for run in (1, 2):
            report = jobs.run_once(db_url, now + timedelta(seconds=run), deploy=deploy)
            print(f"-- once, run {run} (exit {report.exit_code})")
            for line in report.lines:
                print(f"   {line}")
            exit_code = exit_code or report.exit_code
        published = fake.published()
        walls = sorted(p.parent.name for p in (output / "wall").glob("*/index.html")
                       if (content / "community" / f"{p.parent.name}.md").exists())
        print(f"fake recorded: {len(published['instagram'])} Instagram media, "
              f"{len(published['facebook'])} Facebook photo(s)")
        new = [w for w in walls if not (PROJECT_ROOT / "content" / "community" / f"{w}.md").exists()]
        print(f"new on the site: {', '.join(f'{site_url}/wall/{w}/' for w in new) or 'nothing'}")
        return exit_code
    finally:
        server.shutdown()
        fake.stop()
