"""Shared set-up for the official-collection tests: the Graph API fake, served photos, a client."""

from __future__ import annotations


from pathlib import Path

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from demo.graph_fake_ugc import UgcFake
from scheduler.collect.graph_ugc import UgcApi
from scheduler.publish.graph_api import GraphClient, GraphConfig
from tests.scheduler.scheduler_fakes import photo

APP_SECRET = "test-app-secret-0123"
VERIFY_TOKEN = "verify-me-please"


class Photos:
    """A served folder of distinct test photos: url(n) is the n-th photo's URL."""

    def __init__(self, folder: Path, base_url: str):
        self.folder, self.base_url = folder, base_url

    def url(self, seed: int) -> str:
        path = self.folder / f"p{seed}.jpg"
        if not path.exists():
            path.write_bytes(photo(seed))
        return f"{self.base_url}/p{seed}.jpg"


def start_fake(tmp_path: Path) -> GraphFake:
    fake = GraphFake(tmp_path / "fake.json")
    fake.start()
    return fake


def client_for(fake: GraphFake) -> GraphClient:
    return GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, fake.base_url),
                       max_attempts=1, sleep=lambda _s: None)


def api_for(fake: GraphFake) -> UgcApi:
    return UgcApi(client_for(fake))


def add(fake: GraphFake, photos: Photos, seed: int, caption: str, username: str = "anna", **kw) -> str:
    return UgcFake.add_media(fake, caption=caption, image_url=photos.url(seed), username=username, **kw)
