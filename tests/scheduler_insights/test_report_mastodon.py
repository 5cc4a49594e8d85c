"""The report counts Mastodon as a third channel: its favourites, reblogs and replies are interactions
of the feature's municipality; Mastodon has no reach figure (0, never a KeyError)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from scheduler.insights.metrics import INTERACTIONS, REACH
from scheduler.insights.state import Measurement
from scheduler.publish.state import FeaturePublication
from scheduler.report.data import load
from scheduler.store.db import make_engine, migrate, session_factory

SLOT = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)


def test_mastodon_interactions_count_for_the_municipality(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    session = session_factory(make_engine(url))()
    session.add(FeaturePublication(key="2026-11-23-plochingen", slot_utc=SLOT, post_uid="fediverse:x", ags="08116049",
                                   request={"handle": "anna@bawue.example"}, status="done", attempts=0,
                                   created_utc=SLOT, updated_utc=SLOT))
    for channel, values in (("instagram", {"reach": 100, "total_interactions": 5}),
                            ("mastodon", {"favourites": 12, "reblogs": 3, "replies": 2})):
        session.add(Measurement(feature_key="2026-11-23-plochingen", ags="08116049", channel=channel, object_id="1",
                                posted_utc=SLOT, age_days=7, measured_utc=SLOT + timedelta(days=7), values=values,
                                provisional=False))
    session.commit()
    [feature] = load(session, SLOT + timedelta(days=8), REACH, INTERACTIONS).features
    assert feature.interactions == {"instagram": 5, "mastodon": 17}
    assert feature.reach == {"instagram": 100, "mastodon": 0} and feature.total_interactions == 22
