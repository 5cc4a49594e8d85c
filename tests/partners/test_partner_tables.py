"""Migration 0014 creates exactly the tables the models describe (opt-outs, the mail's sent-log,
the campaign clicks), and goes down cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from scheduler.insights import state as _insights  # noqa: F401 - registers the tables
from scheduler.partners import state as _partners  # noqa: F401
from scheduler.publish import state as _publish  # noqa: F401
from scheduler.store.db import alembic_config, make_engine, migrate
from scheduler.store.models import Base

NEW = {"partner_opt_outs", "partner_mail_log", "insight_campaign_clicks"}


def test_migration_0014_matches_the_models_and_goes_down(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata) == []
        assert NEW <= set(inspect(connection).get_table_names())
    command.downgrade(alembic_config(url), "0013")
    with engine.connect() as connection:
        assert not NEW & set(inspect(connection).get_table_names())
    engine.dispose()
