"""The latest reading per feature and channel, and what it adds up to: the one definition of a
feature's reach and interactions (the impact report and the monthly mail to the municipalities).

Reach = Instagram reach + Facebook unique media views; interactions = Instagram total_interactions
+ Facebook reactions, comments and shares (metrics.REACH, metrics.INTERACTIONS). A later gap never
hides earlier figures; a feature whose every reading failed has no figures (None, not zero).
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.insights.metrics import INTERACTIONS, REACH
from scheduler.insights.state import Measurement


def latest_readings(session: Session, as_of: datetime,
                    keys: Iterable[str] | None = None) -> dict[tuple[str, str], Measurement]:
    """The newest reading per (feature, channel) taken until `as_of` (a gap counts: it says why)."""
    query = select(Measurement).where(Measurement.measured_utc <= as_of)
    if keys is not None:
        query = query.where(Measurement.feature_key.in_(list(keys)))
    latest: dict[tuple[str, str], Measurement] = {}
    for row in session.scalars(query.order_by(Measurement.measured_utc, Measurement.id)):
        previous = latest.get((row.feature_key, row.channel))
        if row.gap is None or previous is None or previous.gap is not None:
            latest[(row.feature_key, row.channel)] = row  # a later gap never hides earlier figures
    return latest


def reach_of(readings: dict[str, Measurement]) -> dict[str, int]:
    """channel → reach of one feature's good readings."""
    return {ch: int(m.values.get(REACH[ch], 0)) for ch, m in readings.items() if m.gap is None and REACH.get(ch)}


def interactions_of(readings: dict[str, Measurement]) -> dict[str, int]:
    return {ch: sum(int(m.values.get(k, 0)) for k in INTERACTIONS[ch]) for ch, m in readings.items()
            if m.gap is None and ch in INTERACTIONS}
