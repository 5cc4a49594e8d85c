"""The store on SQLite and PostgreSQL alike: migrations up and down, UTC instants, JSON,
booleans, and ids after rows that were inserted with an explicit id (a restored backup)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

import scheduler.plan.editor_choices  # noqa: F401  (tables on the shared metadata)
import scheduler.publish.state  # noqa: F401
from scheduler.store.db import alembic_config, make_engine, migrate, reset_sequences, session_factory
from scheduler.store.models import Base, Post

pytestmark = pytest.mark.both_databases

TABLES = {"posts", "images", "consents", "audit_events", "source_cursors", "feature_publications",
          "feature_publish_steps", "editor_choices", "place_aliases", "alert_log", "job_runs", "editor_accounts"}


def revision(engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrations_up_down_and_up_again(db_url):
    engine = make_engine(db_url)
    try:
        migrate(db_url)
        assert revision(engine) == "0005" and TABLES <= set(inspect(engine).get_table_names())
        command.downgrade(alembic_config(db_url), "0001")
        assert revision(engine) == "0001"
        assert not {"feature_publications", "editor_choices", "place_aliases", "alert_log"} & set(
            inspect(engine).get_table_names())
        command.downgrade(alembic_config(db_url), "base")
        assert revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(db_url)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                    Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def new_post(uid: str, **extra) -> Post:
    return Post(uid=uid, source="folder", author="anna", caption="", hashtags=["soists", "ä"],
                taken_at=datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc), is_video=False,
                detection_candidates=[{"ags": "08116053", "score": 0.5}], needs_review=True, **extra)


def test_instants_json_and_booleans_round_trip(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    berlin_summer = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))  # = 01:30 UTC
    with sessions.begin() as session:
        session.add(new_post("a", state_changed_at=berlin_summer))
    with sessions() as session:
        post = session.scalar(select(Post))
        assert post.state_changed_at == datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)
        assert post.state_changed_at.tzinfo is timezone.utc
        assert post.hashtags == ["soists", "ä"] and post.detection_candidates[0]["score"] == 0.5
        assert post.needs_review is True and post.is_video is False
        # comparisons happen in UTC on both databases
        later = session.scalars(select(Post).where(Post.state_changed_at > datetime(
            2026, 3, 29, 1, 0, tzinfo=timezone.utc))).all()
        assert [p.uid for p in later] == ["a"]
    with pytest.raises(Exception):
        with sessions.begin() as session:
            session.add(new_post("b", state_changed_at=datetime(2026, 1, 1)))  # naive: refused
    engine.dispose()


def test_new_ids_continue_after_explicit_ids(db_url):
    """Rows copied in with their ids (a restore) must not make the next insert collide."""
    migrate(db_url)
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        session.add(new_post("restored", id=41))
    reset_sequences(engine)
    with sessions.begin() as session:
        session.add(new_post("new"))
    with sessions() as session:
        ids = dict(session.execute(text("SELECT uid, id FROM posts")).all())
    assert ids["restored"] == 41 and ids["new"] > 41
    engine.dispose()
