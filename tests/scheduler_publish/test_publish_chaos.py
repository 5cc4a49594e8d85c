"""Chaos: the publisher SIGKILLed at random moments, 30 % of the answers to posting requests lost
(carried out, never answered), slots on both sides of the autumn DST change, three channels;
at the end exactly one Instagram media, one Facebook photo and one Mastodon status per feature."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from demo.mastodon_fake import TOKEN as MASTODON_TOKEN
from demo.mastodon_fake import MastodonFake
from scheduler.publish.state import FeaturePublication
from scheduler.store.db import make_engine, session_factory
from tests.scheduler_publish.chaos_runner import SLOTS

RUNNER = Path(__file__).with_name("chaos_runner.py")
ROOT = Path(__file__).resolve().parents[2]
LOSS = 0.3


class LossyGraphFake(GraphFake):
    """Loses the answer of LOSS of the media_publish and Page photo requests (carried out all the same)."""

    rng = random.Random(29)
    lost = 0

    def _lost_response(self) -> bool:
        lose = super()._lost_response() or self.rng.random() < LOSS
        type(self).lost += lose
        return lose


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOISTS_")}
    env.update(SOISTS_IG_USER_ID=IG_USER_ID, SOISTS_FB_PAGE_ID=PAGE_ID, SOISTS_IG_TOKEN=IG_TOKEN,
               SOISTS_FB_PAGE_TOKEN=PAGE_TOKEN, SOISTS_MASTODON_TOKEN=MASTODON_TOKEN, PYTHONPATH=str(ROOT))
    return env


def test_random_kills_lost_answers_dst_three_channels_exactly_once(tmp_path):
    Image.new("RGB", (1600, 2000), (200, 120, 60)).save(tmp_path / "source.jpg")
    rng = random.Random(2026)
    graph = LossyGraphFake(tmp_path / "graph.json")
    mastodon = MastodonFake(tmp_path / "mastodon.json", lose_ratio=LOSS, seed=29)
    graph_url, mastodon_url = graph.start(), mastodon.start()
    graph.inject("lost_response")  # at least one lost answer on each channel, whatever the dice say
    mastodon.inject("lost_status")
    now = max(slot for _, slot in SLOTS) + timedelta(minutes=1)
    runs = kills = 0
    mastodon_lost = 0
    try:
        while runs < 60:
            runs += 1
            child = subprocess.Popen([sys.executable, str(RUNNER), str(tmp_path), graph_url, mastodon_url,
                                      now.isoformat()], cwd=ROOT, env=environment(),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # killed at a random moment until eight kills have hit, then left to finish
            deadline = time.monotonic() + rng.uniform(0.3, 3.0) if kills < 8 else float("inf")
            while child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                kills += 1
            out, err = child.communicate(timeout=120)
            assert MASTODON_TOKEN not in err and IG_TOKEN not in err and PAGE_TOKEN not in err
            if child.returncode == 0:
                break
            assert child.returncode in (-signal.SIGKILL, 3), err[-3000:]
            now += timedelta(hours=7)  # past any backoff the publisher set (≤ 6 h)
            if runs % 5 == 0:  # the fakes restart too: their records survive on disk
                graph.stop()
                mastodon_lost += mastodon.lost
                mastodon.stop()
                faults = graph.faults, mastodon.faults  # injected faults not yet hit stay armed
                graph = LossyGraphFake(tmp_path / "graph.json")
                mastodon = MastodonFake(tmp_path / "mastodon.json", lose_ratio=LOSS, seed=runs)
                graph.faults, mastodon.faults = faults
                graph_url, mastodon_url = graph.start(), mastodon.start()
        assert child.returncode == 0, f"not done after {runs} runs: {err[-3000:]}"
        published = graph.published()
        statuses = mastodon.statuses()
        mastodon_lost += mastodon.lost
    finally:
        graph.stop()
        mastodon.stop()

    session = session_factory(make_engine(f"sqlite:///{tmp_path / 'store.db'}"))()
    features = session.scalars(select(FeaturePublication)).all()
    assert len(features) == len(SLOTS) and all(f.status == "done" for f in features)
    for feature in features:
        wall = f"/wall/{feature.key}/"
        assert sum(wall in m["caption"] for m in published["instagram"]) == 1, (feature.key, published)
        assert sum(wall in p["name"] for p in published["facebook"]) == 1, (feature.key, published)
        assert sum(wall in s["text"] for s in statuses) == 1, (feature.key, statuses)
    assert len(published["instagram"]) == len(published["facebook"]) == len(statuses) == len(SLOTS)
    assert LossyGraphFake.lost >= 1 and mastodon_lost >= 1
    keys = sorted(f.key for f in features)
    assert keys == ["2026-10-23-plochingen", "2026-10-26-waiblingen", "2026-10-28-ludwigsburg"]
    print(f"\nchaos: {len(SLOTS)} features across the DST change, {runs} runs, {kills} SIGKILLs, "
          f"{LossyGraphFake.lost} Graph and {mastodon_lost} Mastodon answers lost → "
          f"{len(published['instagram'])} Instagram media, {len(published['facebook'])} Facebook photos, "
          f"{len(statuses)} Mastodon statuses")
