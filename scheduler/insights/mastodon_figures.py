"""Figures of the Fediverse channel: favourites, reblogs and replies of each feature's status.

`GET /api/v1/statuses/:id` answers the Status entity with `favourites_count`, `reblogs_count` and
`replies_count` (https://docs.joinmastodon.org/entities/Status/, methods/statuses/#get); Mastodon
has no reach or views. Read on the same schedule as Meta's figures (1, 2, 7, 28 days …) into the same
`insight_measurements` table, channel "mastodon", so the report counts it per municipality as a third
channel. A deleted status (404) is a `deleted` gap and not asked again; a rate limit or an outage stops
the run without storing anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.insights import metrics as M
from scheduler.insights.measure import PublishedObject, RunReport, due_age, provisional
from scheduler.insights.state import Measurement
from scheduler.publish.graph_errors import RetryLater
from scheduler.publish.mastodon_api import Gone, MastodonClient
from scheduler.publish.state import FeaturePublication

CHANNEL = "mastodon"
FIELDS = {"favourites": "favourites_count", "reblogs": "reblogs_count", "replies": "replies_count"}


def mastodon_objects(session: Session) -> list[PublishedObject]:
    found = []
    for feature in session.scalars(select(FeaturePublication).where(FeaturePublication.status == "done")
                                   .options(selectinload(FeaturePublication.steps))):
        for step in feature.steps:
            status_id = str((step.data or {}).get("status_id") or "")
            if step.step == CHANNEL and status_id:
                found.append(PublishedObject(feature.key, feature.ags, CHANNEL, status_id,
                                             step.finished_utc or feature.slot_utc))
    return found


def measure_mastodon(session: Session, client: MastodonClient, now: datetime,
                     report: RunReport | None = None) -> RunReport:
    report = report or RunReport()
    done: dict[str, set[int]] = {}
    for key, age, gap in session.execute(select(Measurement.feature_key, Measurement.age_days, Measurement.gap)
                                         .where(Measurement.channel == CHANNEL)):
        done.setdefault(key, set()).update(M.MEASURE_AGES if gap == "deleted" else {age})
    for obj in mastodon_objects(session):
        age = due_age(obj.posted_utc, now, done.get(obj.feature_key, set()))
        if age is None:
            continue
        values, gap = {}, None
        try:
            status = client.call("status", obj.object_id)
            values = {name: int(status.get(field) or 0) for name, field in FIELDS.items()}
        except Gone:
            gap = "deleted"
            report.gaps[gap] = report.gaps.get(gap, 0) + 1
        except RetryLater as error:
            report.stopped = f"mastodon: {error}"
            return report
        session.add(Measurement(feature_key=obj.feature_key, ags=obj.ags, channel=CHANNEL, object_id=obj.object_id,
                                posted_utc=obj.posted_utc, age_days=age, measured_utc=now, values=values,
                                provisional=provisional(obj.posted_utc, now), gap=gap, gap_detail=None))
        session.commit()
        report.measured += 1
    return report
