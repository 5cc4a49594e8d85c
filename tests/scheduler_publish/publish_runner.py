"""A publisher process for the crash tests: queue one feature (idempotently) and publish what is due.

Usage: python tests/scheduler_publish/publish_runner.py WORKDIR BASE_URL
WORKDIR holds store.db, content/, deploys.log and source.jpg. The crash point comes from
SOISTS_PUBLISH_CRASH_AT (see scheduler.publish.publisher.CHECKPOINTS); tokens from the environment.
"""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from plugins.region.registry import load_registry  # noqa: E402
from scheduler.publish.graph_api import GraphClient, GraphConfig, install_token_redaction  # noqa: E402
from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig  # noqa: E402
from scheduler.publish.publisher import Publisher, publish_due  # noqa: E402
from scheduler.publish.queue import FeatureRequest, enqueue_feature  # noqa: E402
from scheduler.publish.state import ensure_tables  # noqa: E402
from scheduler.store.db import make_engine, session_factory  # noqa: E402

SLOT = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)


def request(workdir: Path) -> FeatureRequest:
    return FeatureRequest(
        key="2026-11-23-plochingen", slot_utc=SLOT, post_uid="instagram:C0abcDEF123",
        ags=load_registry().get("plochingen").ags,
        municipality_slug="plochingen", municipality_name="Plochingen",
        source_image=str(workdir / "source.jpg"), handle="anna.knipst", platform="instagram",
        taken=date(2026, 11, 18), alt="Das Hundertwasserhaus im Abendlicht",
        consent_date=date(2026, 11, 19), consent_method="Instagram-Direktnachricht",
        text="Abendlicht am Neckar #SoistS", original_url="https://www.instagram.com/p/C0abcDEF123/",
        original_id="C0abcDEF123", hashtags=("#Hundertwasser",))


def main(workdir: Path, base_url: str) -> int:
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, force=True,
                        format="%(levelname)s %(name)s %(message)s")
    install_token_redaction()
    engine = make_engine(f"sqlite:///{workdir / 'store.db'}")
    ensure_tables(engine)
    session = session_factory(engine)()
    enqueue_feature(session, request(workdir))

    def deploy() -> None:
        with open(workdir / "deploys.log", "a") as log:
            log.write("deploy\n")

    config = GraphConfig.from_env({**__import__("os").environ, "SOISTS_GRAPH_BASE_URL": base_url})
    mastodon = MastodonConfig.from_env()  # the third channel when SOISTS_MASTODON_URL is set
    publisher = Publisher(client=GraphClient(config, backoff_s=0.01), site_url="http://127.0.0.1:9",
                          content_dir=workdir / "content", deploy=deploy, poll_s=0.0,
                          mastodon=MastodonClient(mastodon, backoff_s=0.01) if mastodon else None,
                          media_poll_s=0.0, lock_path=workdir / "publish.lock")  # must be free again after a SIGKILL
    result = publish_due(session, datetime(2026, 11, 23, 17, 0, 5, tzinfo=timezone.utc), publisher)
    print(result)
    return 0 if all(status == "done" for status in result.values()) else 3


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
