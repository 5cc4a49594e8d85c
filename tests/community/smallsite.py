"""Small content folders for edge-case builds (shared by tests/community and tests/images)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from demo.artwork import render_scene, save_jpeg
from plugins.community.postfile import CommunityPost, render_post_file, write_post_file
from tests.conftest import ROOT, build_site

BERLIN_WINTER = timezone(timedelta(hours=1))


def make_content(root: Path) -> Path:
    """A content folder with only the municipality data (the registry needs it)."""
    content = root / "content"
    (content / "community").mkdir(parents=True)
    (content / "images" / "community").mkdir(parents=True)
    shutil.copytree(ROOT / "content" / "data", content / "data")
    return content


def sample_post(post_id: str = "probe-1", municipality: str = "esslingen-am-neckar", **changes) -> CommunityPost:
    post = CommunityPost(
        id=post_id, platform="instagram", handle="probe_handle", author_name="Probe Person",
        original_url="https://www.instagram.com/p/Probe123/", original_id="Probe123",
        municipality=municipality, taken=date(2026, 10, 1),
        featured=datetime(2026, 10, 5, 18, 0, tzinfo=BERLIN_WINTER),
        image=f"images/community/{post_id}.jpg", alt="Hügel im Abendlicht",
        consent_date=date(2026, 10, 2), consent_method="E-Mail",
        caption="Abendlicht über #Esslingen #SoistS @wirzeigenS",
    )
    return replace(post, **changes)


def add_post(content: Path, post: CommunityPost, seed: int = 1, raw: bool = False,
             size: tuple[int, int] = (900, 600)) -> Path:
    """Write the post's image (drawn) and file; raw=True bypasses validation (for hostile input)."""
    image = content / post.image
    if not image.exists():
        save_jpeg(render_scene(seed, size), image, quality=80)
    if raw:
        path = content / "community" / f"{post.id}.md"
        path.write_text(render_post_file(post), encoding="utf-8")
        return path
    return write_post_file(post, content)


def build(content: Path, output: Path, cache: Path, extra_settings: dict | None = None):
    settings = {"IMAGE_CACHE_DIR": str(cache), **(extra_settings or {})}
    extra: list[str] = []
    for key, value in settings.items():
        extra += ["-e", f"{key}={json.dumps(value)}"]
    return build_site(output, content=content, extra=extra)


def image_stats(cache: Path) -> dict:
    return json.loads((cache / "stats.json").read_text(encoding="utf-8"))
