"""Side channels (Mastodon): a failure there never holds back the feature.

The website, Instagram and Facebook steps decide a feature's status; a side channel's step runs after
them in the same pass, and when it fails (a revoked token: 401; the server down: 503, 429, lost
answers) only the step records it — state "failed", the error with the channel's name, and
`data.retry_utc`, when the step alone is tried again. The feature is done (so it counts as featured
for its municipality) and never waits for an editor because of Mastodon.

Retries: RetryLater backs off like the feature (retry_base doubling up to retry_max, at least a wait
the server named); anything else (401, a refused status) is tried again every EDITOR_WAIT, so a new
token from `connect --mastodon` heals it without a reset. The step itself reconciles before any repeat
(mastodon_step.py: the account's statuses are searched for the wall URL once an intent is stored),
so a retry never makes a second status. The plan view, the step log and the alerts name the channel
(CHANNEL_NAMES).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from scheduler.publish.graph_errors import GraphError, NeedsEditor, RetryLater
from scheduler.publish.locks import LockLost
from scheduler.publish.queue import FeatureRequest
from scheduler.publish.state import FeaturePublication, PublishStep

log = logging.getLogger(__name__)
SIDE_CHANNELS = ("mastodon",)
CHANNEL_NAMES = {"mastodon": "Mastodon"}
EDITOR_WAIT = timedelta(hours=6)


def retry_at(step: PublishStep) -> datetime | None:
    value = (step.data or {}).get("retry_utc")
    return datetime.fromisoformat(value) if value else None


def run_side_step(publisher, session: Session, feature: FeaturePublication, step: PublishStep,
                  request: FeatureRequest, now: datetime) -> bool:
    """Run one side channel's step; True when done, else the failure is recorded on the step only."""
    try:
        result = getattr(publisher, f"step_{step.step}")(session, feature, step, request)
    except (DBAPIError, LockLost):
        raise  # nothing can be recorded; the step stays "started" and the feature pending
    except GraphError as error:
        problem = error
    except ValueError as error:
        problem = NeedsEditor(f"{type(error).__name__}: {error}")
    except Exception as error:  # noqa: BLE001 - a network or disk problem: try again later
        problem = RetryLater(f"{type(error).__name__}: {error}")
    else:
        step.data = dict(result)
        step.state, step.finished_utc, step.error = "done", datetime.now(timezone.utc), None
        session.commit()
        log.info("feature %s: %s done", feature.key, step.step)
        return True
    _failed(publisher, session, step, problem, now)
    return False


def _failed(publisher, session: Session, step: PublishStep, error: GraphError, now: datetime) -> None:
    session.rollback()  # what the step stored before (media id, intent) is committed and stays
    data = dict(step.data or {})
    attempts = int(data.get("attempts", 0)) + 1
    if isinstance(error, RetryLater):
        delay = min(publisher.retry_base * 2 ** (attempts - 1), publisher.retry_max)
        if error.retry_after is not None:
            delay = max(delay, min(timedelta(seconds=error.retry_after), publisher.retry_named_max))
    else:
        delay = EDITOR_WAIT
    name = CHANNEL_NAMES.get(step.step, step.step)
    step.state, step.error, step.finished_utc = "failed", f"{name}: {error}", datetime.now(timezone.utc)
    step.data = {**data, "attempts": attempts, "retry_utc": (now + delay).isoformat(),
                 "error": {"code": error.code, "subcode": error.subcode, "kind": type(error).__name__,
                           "http_status": getattr(error, "http_status", None), "channel": name}}
    session.commit()
    log.warning("feature %s: %s failed (%s); the other channels are not affected; next attempt %s",
                step.feature.key, name, error, step.data["retry_utc"])


def due_side_steps(session: Session, now: datetime) -> list[PublishStep]:
    """Failed side-channel steps of done features whose retry time has come (oldest slot first);
    "started" on a done feature: a retry killed half-way, taken up again (the step reconciles first)."""
    rows = session.scalars(select(PublishStep).join(FeaturePublication).where(
        PublishStep.step.in_(SIDE_CHANNELS), PublishStep.state.in_(("failed", "started")),
        FeaturePublication.status == "done")
        .order_by(FeaturePublication.slot_utc))
    return [row for row in rows if (retry_at(row) or now) <= now]


def retry_side_step(publisher, session: Session, step: PublishStep, now: datetime) -> str:
    feature = step.feature
    step.state, step.started_utc = "started", datetime.now(timezone.utc)
    session.commit()
    publisher.checkpoint(f"{step.step}:before")
    done = run_side_step(publisher, session, feature, step, FeatureRequest.from_json(feature.request), now)
    if done:
        publisher.checkpoint(f"{step.step}:after")
    return "done" if done else "failed"


def failed_side_steps(session: Session) -> list[PublishStep]:
    """For the alerts: every side-channel step that failed on a done feature."""
    return list(session.scalars(select(PublishStep).join(FeaturePublication).where(
        PublishStep.step.in_(SIDE_CHANNELS), PublishStep.state == "failed", FeaturePublication.status == "done")
        .order_by(FeaturePublication.slot_utc)))
