"""A takedown leaves nothing: the demo chain publishes a post (site, Instagram, Facebook through
the local Graph API fake) in a temporary project folder, `invoke takedown` removes it, and then
every file of that folder - content/, output/, the image and build caches, the SQLite file (with
its WAL), the media folder - is searched for the post's handle, author name, caption, original
id and permalink (raw, JSON- and HTML-escaped) and for the SHA-256 of every copy of its image.

Not searched: fake.json, the fake's own state, which stands for Meta's servers (what it still
holds is checked through its API: the photo and the media are gone)."""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from plugins.community.postfile import read_post_file

ROOT = Path(__file__).resolve().parents[2]
INVOKE = str(Path(sys.executable).with_name("invoke"))
# The demo chain (scheduler/jobs/demo.py), with an author name (credit) on every consent.
DEMO = """
import sys
from pathlib import Path
from scheduler.jobs import demo
seed = demo.seed_demo_posts
def seeded(sessions, *args, **kwargs):
    uids = seed(sessions, *args, **kwargs)
    from scheduler.store.models import Consent
    with sessions.begin() as session:
        for consent in session.query(Consent):
            consent.credit = f"Gerda Geheimnis {consent.post_id}"
    return uids
demo.seed_demo_posts = seeded
sys.exit(demo.run_demo(work=Path(sys.argv[1])))
"""


def project_env(project: Path) -> dict[str, str]:
    return {**os.environ, "SOISTS_BUILD_CACHE_DIR": str(project / ".cache/builds"),
            "SOISTS_IMAGE_CACHE_DIR": str(project / ".cache/images"), "SOISTS_OUTPUT": str(project / "output"),
            "SOISTS_CONTENT_DIR": str(project / "content"), "SOISTS_MEDIA_DIR": str(project / "media"),
            "SOISTS_DB_URL": f"sqlite:///{project / 'soists.db'}", "SOISTS_SECRETS_FILE": str(project / "none.json"),
            "SOISTS_IG_USER_ID": IG_USER_ID, "SOISTS_FB_PAGE_ID": PAGE_ID, "SOISTS_IG_TOKEN": IG_TOKEN,
            "SOISTS_FB_PAGE_TOKEN": PAGE_TOKEN}


def variants(text: str) -> set[bytes]:
    """How a string may be stored: raw UTF-8, JSON-escaped, HTML-escaped."""
    return {form.encode() for form in (text, json.dumps(text)[1:-1], html.escape(text), html.escape(text, False))}


def project_files(project: Path) -> list[Path]:
    return [p for p in project.rglob("*") if p.is_file() and p.name not in ("fake.json", "fake.part")]


def traces(project: Path, needles: dict[str, str], image_hashes: set[str]) -> list[str]:
    found = []
    for path in project_files(project):
        data = path.read_bytes()
        rel = path.relative_to(project)
        found += [f"{rel}: {what}" for what, text in needles.items() if any(v in data for v in variants(text))]
        if hashlib.sha256(data).hexdigest() in image_hashes:
            found.append(f"{rel}: image bytes")
    return found


def test_a_takedown_leaves_no_trace_anywhere_in_the_project(tmp_path):
    project = tmp_path / "project"
    (project / ".cache").mkdir(parents=True)
    if (ROOT / ".cache/images").is_dir():  # a warm derivative cache: the demo's own images are not re-encoded
        shutil.copytree(ROOT / ".cache/images", project / ".cache/images")
    env = project_env(project)
    demo = subprocess.run([sys.executable, "-c", DEMO, str(project)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    new = [p for p in (project / "content/community").glob("*.md") if not (ROOT / "content/community" / p.name).exists()]
    assert len(new) == 1, demo.stdout
    post, _ = read_post_file(new[0])
    needles = {"handle": post.handle, "author name": post.author_name, "caption": post.caption.split(" #")[0],
               "original id": post.original_id, "permalink": post.original_url}
    assert post.handle and post.author_name.startswith("Gerda Geheimnis") and post.original_id, post
    with sqlite3.connect(project / "soists.db") as db:
        media = [project / "media" / rel for row in db.execute(
            "SELECT i.path, i.thumbnail_path FROM images i JOIN posts p ON p.id = i.post_id WHERE p.uid LIKE ?",
            (f"%{post.original_id}",)) for rel in row]
    copies = media + [project / "content" / post.image, project / f"content/share/{post.id}.jpg",
                      *(project / "output/images/community").glob(f"{post.id}-*")]
    image_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in copies if p.is_file()}
    assert len(image_hashes) >= 5, copies
    before = traces(project, needles, image_hashes)
    places = {line.split("/")[0].split(":")[0] for line in before}
    assert {"content", "output", "media", "soists.db", ".cache"} <= places, sorted(places)

    fake = GraphFake(project / "fake.json")  # Meta's side, with what the demo published
    env["SOISTS_GRAPH_BASE_URL"] = fake.start()
    try:
        assert len(fake.published()["facebook"]) == 1 and len(fake.published()["instagram"]) == 1
        takedown = subprocess.run([INVOKE, "takedown", post.id], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=300)
        assert takedown.returncode == 0, takedown.stdout[-3000:] + takedown.stderr[-3000:]
        assert fake.published() == {"instagram": [], "facebook": []}
    finally:
        fake.stop()
    after = traces(project, needles, image_hashes)
    print(f"\ntakedown traces: {len(before)} before, {len(after)} after, in {len(project_files(project))} files "
          f"(searched: {', '.join(needles)}, {len(image_hashes)} image hashes)")
    assert after == []
    with sqlite3.connect(project / "soists.db") as db:
        audit = db.execute("SELECT post_id, reason, editor, status FROM takedowns").fetchall()
    assert audit == [(post.id, "Einwilligung widerrufen", os.environ.get("USER", "editor"), "done")]
    assert (project / "output/index.html").is_file() and not (project / f"output/wall/{post.id}").exists()
