"""A publisher process for the chaos test: queue features whose slots straddle the autumn DST
change (idempotently) and publish what is due at NOW on all three channels.

Usage: python tests/scheduler_publish/chaos_runner.py WORKDIR GRAPH_URL MASTODON_URL NOW_ISO
The test SIGKILLs it at random moments; exit 0 when every feature is done, 3 otherwise.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from plugins.region.registry import load_registry  # noqa: E402
from scheduler.publish.graph_api import GraphClient, GraphConfig, install_token_redaction  # noqa: E402
from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig  # noqa: E402
from scheduler.publish.publisher import Publisher, publish_due  # noqa: E402
from scheduler.publish.queue import FeatureRequest, enqueue_feature, feature_key  # noqa: E402
from scheduler.publish.state import FeaturePublication, PublishStep, ensure_tables  # noqa: E402
from scheduler.store.db import make_engine, session_factory  # noqa: E402

UTC = timezone.utc
# 18:00 in Berlin on both sides of Sunday 2026-10-25 (CEST → CET): 16:00 UTC, then 17:00 UTC.
SLOTS = (("plochingen", datetime(2026, 10, 23, 16, 0, tzinfo=UTC)),
         ("waiblingen", datetime(2026, 10, 26, 17, 0, tzinfo=UTC)),
         ("ludwigsburg", datetime(2026, 10, 28, 17, 0, tzinfo=UTC)))


def requests(workdir: Path) -> list[FeatureRequest]:
    registry = load_registry()
    out = []
    for number, (slug, slot) in enumerate(SLOTS):
        place = registry.get(slug)
        out.append(FeatureRequest(
            key=feature_key(slot, slug), slot_utc=slot, post_uid=f"instagram:Chaos{number}", ags=place.ags,
            municipality_slug=slug, municipality_name=place.name, source_image=str(workdir / "source.jpg"),
            handle=f"knipser.{number}", platform="instagram", taken=date(2026, 10, 1),
            alt=f"Alt-Text {number}: Abendlicht über {place.name}", consent_date=date(2026, 10, 2),
            consent_method="Instagram-Direktnachricht", text=f"Abendlicht #{number} #SoistS",
            original_url=f"https://www.instagram.com/p/Chaos{number}/", original_id=f"Chaos{number}"))
    return out


def main(workdir: Path, graph_url: str, mastodon_url: str, now: datetime) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                        format="%(levelname)s %(name)s %(message)s")
    install_token_redaction()
    engine = make_engine(f"sqlite:///{workdir / 'store.db'}")
    ensure_tables(engine)
    session = session_factory(engine)()
    for request in requests(workdir):
        enqueue_feature(session, request)

    def deploy() -> None:
        with open(workdir / "deploys.log", "a") as log:
            log.write("deploy\n")

    env = {**os.environ, "SOISTS_GRAPH_BASE_URL": graph_url, "SOISTS_MASTODON_URL": mastodon_url}
    publisher = Publisher(client=GraphClient(GraphConfig.from_env(env), backoff_s=0.01), site_url="http://127.0.0.1:9",
                          content_dir=workdir / "content", deploy=deploy, poll_s=0.0, media_poll_s=0.0,
                          mastodon=MastodonClient(MastodonConfig.from_env(env), backoff_s=0.01),
                          lock_path=workdir / "publish.lock")
    print(publish_due(session, now, publisher), flush=True)
    session.commit()
    statuses = session.scalars(select(FeaturePublication.status)).all()
    # A feature is done with the website, Instagram and Facebook; Mastodon, a side channel, may still be
    # waiting for its own retry (publish/side_channels.py): the run is over when that one is done too.
    side = session.scalars(select(PublishStep.state).where(PublishStep.step == "mastodon")).all()
    done = len(statuses) == len(SLOTS) and all(s == "done" for s in statuses + side) and len(side) == len(SLOTS)
    return 0 if done else 3


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3], datetime.fromisoformat(sys.argv[4])))
