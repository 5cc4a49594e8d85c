"""Make the demo Gewinnspiel's draw data with the real tool: a throwaway store with plausible
entries, then open → freeze → run → contact → answer, as the CLI would.

    .venv/bin/python -m demo.campaign_draw   (writes content/kampagnen/<slug>.draw.json)
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from plugins.campaigns.model import load_campaigns
from plugins.region.registry import load_registry
from scheduler.campaigns import entries, ledger, notify
from scheduler.store.db import make_engine, migrate, session_factory
from scheduler.store.models import Post

ROOT = Path(__file__).resolve().parents[1]
SLUG = "fotowettbewerb-herbst-im-remstal"
HANDLES = ["sara_unterwegs26", "nora_draussen30", "remstal_linse", "weinberg.wanderer", "kernen_klick",
           "schorndorf_shots", "murrhardt_moments", "fellbach.foto", "winnenden_view", "korb_im_herbst",
           "rems_riders", "backnang.bilder", "waiblingen_walks", "streuobst.liebe"]
PLACES = ["backnang", "waiblingen", "remshalden", "kernen-im-remstal", "kernen-im-remstal", "schorndorf",
          "murrhardt", "fellbach", "winnenden", "korb", "weinstadt", "backnang", "waiblingen", "urbach"]


def seed_posts(session, registry) -> None:
    start = datetime(2026, 9, 5, 9, 0, tzinfo=timezone.utc)
    for n, (handle, place) in enumerate(zip(HANDLES, PLACES)):
        ags = registry.get(place).ags
        session.add(Post(uid=f"demo:{n}", source="hashtag", author=handle, caption="#HerbstImRemstal #SoistS",
                         hashtags=["herbstimremstal", "soists"], taken_at=start + timedelta(days=2 * n, hours=n),
                         municipality_ags=ags, campaign=SLUG))
    # not entries: a second photo of an account, a late one, and the WRS account itself
    for n, (handle, day) in enumerate((("sara_unterwegs26", 20), ("remstal_linse", 31), ("wirzeigens", 10))):
        session.add(Post(uid=f"demo:x{n}", source="hashtag", author=handle, caption="#HerbstImRemstal",
                         hashtags=["herbstimremstal"], taken_at=start + timedelta(days=day),
                         municipality_ags=registry.get("waiblingen").ags, campaign=SLUG))


def main() -> Path:
    registry = load_registry()
    campaign = next(c for c in load_campaigns(ROOT / "content", registry) if c.slug == SLUG)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.db"
        migrate(url)
        sessions = session_factory(make_engine(url))
        with sessions.begin() as session:
            seed_posts(session, registry)
            ledger.open_draw(session, campaign, "redaktion", now=campaign.start - timedelta(hours=2))
        after = campaign.end + timedelta(hours=10)
        with sessions.begin() as session:
            region = frozenset(m.ags for m in registry)
            ledger.freeze(session, campaign, entries.candidates(session, campaign), region, "redaktion", now=after)
            row = ledger.run(session, campaign, "redaktion", now=after + timedelta(minutes=5))
            # no Instagram API in the demo: the notices go out as direct messages (channel "manual")
            notify.contact(session, campaign, "redaktion", None, "jaSoistS", now=after + timedelta(minutes=10))
            winner = int(row.winners[0].split()[0])
            ledger.answer(session, SLUG, winner, True, False, "redaktion", now=after + timedelta(days=2))
            return ledger.write_published(ROOT / "content", ledger.published(row, campaign))


if __name__ == "__main__":
    print(main())
