"""What `status` shows: the next runs from the job store and the Instagram quota left."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping

from scheduler.jobs.runner import JOBS_TABLE


def next_runs(db_url: str) -> list[tuple[str, datetime | None]]:
    """(job id, next run) from the job store table, read without starting a scheduler."""
    from sqlalchemy import inspect, text

    from scheduler.store.db import make_engine

    engine = make_engine(db_url)
    try:
        if not inspect(engine).has_table(JOBS_TABLE):
            return []
        with engine.connect() as connection:
            rows = connection.execute(text(f"SELECT id, next_run_time FROM {JOBS_TABLE} ORDER BY id")).all()
    finally:
        engine.dispose()
    return [(job_id, datetime.fromtimestamp(ts, timezone.utc) if ts is not None else None) for job_id, ts in rows]


def quota_left(env: Mapping[str, str] | None = None) -> str:
    from scheduler.publish.graph_api import GraphClient, GraphConfig, GraphError

    try:
        config = GraphConfig.from_env(env)
    except GraphError:
        return "unknown (no credentials)"
    try:
        quota = GraphClient(config, max_attempts=1).publishing_quota()
    except GraphError as error:
        return f"unknown ({type(error).__name__}: {error})"
    except Exception as error:  # a network problem must not break the status command
        return f"unknown ({type(error).__name__})"
    return f"{quota.left} of {quota.total} posts per {quota.duration_s // 3600} h"


def recent_failures(session, limit: int = 10) -> tuple[list, list, int]:
    """Features that failed or wait for an editor, failed steps, and how many features are queued."""
    from sqlalchemy import func, or_, select

    from scheduler.publish.state import FeaturePublication, PublishStep

    failures = session.scalars(select(FeaturePublication).where(or_(
        FeaturePublication.status.in_(("needs_editor", "failed")), FeaturePublication.last_error.is_not(None)))
        .order_by(FeaturePublication.updated_utc.desc()).limit(limit)).all()
    steps = session.scalars(select(PublishStep).where(PublishStep.state == "failed")
                            .order_by(PublishStep.id.desc()).limit(limit)).all()
    pending = session.scalar(select(func.count()).select_from(FeaturePublication)
                             .where(FeaturePublication.status == "pending"))
    return list(failures), list(steps), pending
