"""Test doubles for the scheduler tests: instaloader nodes, noise photos, a scripted context."""

from __future__ import annotations

import io
import random
from functools import lru_cache
from types import SimpleNamespace

from instaloader import InstaloaderContext
from PIL import Image


BASE_TIME = 1_795_000_000  # 2026-11-17, a fixed "now-ish" for taken_at


@lru_cache(maxsize=None)
def photo(seed: int, size: int = 200) -> bytes:
    """A distinct noise photo per seed: distinct perceptual hashes, no copied pictures."""
    rng = random.Random(seed)
    image = Image.new("L", (16, 16))
    image.putdata([rng.randrange(256) for _ in range(256)])
    buffer = io.BytesIO()
    image.resize((size, size)).convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def node(i: int, caption: str = "Abendlicht in #esslingen #soists", author: str | None = None,
         location: str | None = None, is_video: bool = False) -> dict:
    return {
        "__typename": "GraphVideo" if is_video else "GraphImage",
        "id": str(3_000_000_000 + i),
        "shortcode": f"SoS{i:05d}",
        "display_url": f"https://images.invalid/{i}.jpg",
        "is_video": is_video,
        "taken_at_timestamp": BASE_TIME + i * 3600,
        "owner": {"id": str(100 + i), "username": author or f"fotograf{i}"},
        "edge_media_to_caption": {"edges": [{"node": {"text": caption}}]},
        "location": {"id": "1", "name": location, "slug": "x", "has_public_page": True, "lat": 48.7, "lng": 9.3}
        if location else None,
        "dimensions": {"height": 1080, "width": 1080},
    }


class FakeContext(InstaloaderContext):
    """instaloader's real context with the network replaced by scripted GraphQL pages.

    `failures` maps a call number (1-based) to an exception instance raised instead of answering.
    """

    def __init__(self, nodes: list[dict], page_size: int = 3, failures: dict[int, BaseException] | None = None,
                 username: str | None = "soists_redaktion"):
        super().__init__(sleep=False, quiet=True)
        self.username = username
        self.nodes, self.page_size, self.failures = nodes, page_size, dict(failures or {})
        self.calls: list[dict] = []

    def graphql_query(self, query_hash, variables, referer=None):
        self.calls.append(dict(variables))
        if len(self.calls) in self.failures:
            raise self.failures[len(self.calls)]
        start = int(variables.get("after") or 0)
        chunk = self.nodes[start:start + self.page_size]
        end = start + len(chunk)
        media = {"count": len(self.nodes), "edges": [{"node": n} for n in chunk],
                 "page_info": {"has_next_page": end < len(self.nodes), "end_cursor": str(end)}}
        return {"data": {"hashtag": {"edge_hashtag_to_media": media},
                         "user": {"edge_user_to_photos_of_you": media}}}

    def get_raw(self, url, _attempt=1):
        return SimpleNamespace(content=photo(int(url.rsplit("/", 1)[1].split(".")[0])))
