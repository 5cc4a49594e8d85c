"""Engine, sessions and schema migrations (Alembic) for the curation store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from scheduler.store.private import private_sqlite_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        private_sqlite_file(url)  # the store holds e-mail addresses and consent notes: 0600
    # pre-ping: a server restart leaves dead connections in the pool; check before use
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # why: FKs are off by default, and
            cursor = dbapi_connection.cursor()            # the board and a cron job may overlap
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database schema up to date (creates the SQLite file if needed)."""
    from alembic import command

    make_engine(url).dispose()  # creates the parent folder of a SQLite file
    command.upgrade(alembic_config(url), revision)


def has_tables(url: str, *names: str) -> bool:
    """True when every named table exists (read-only: for dry runs and status before a migration)."""
    from sqlalchemy import inspect

    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        return all(inspector.has_table(name) for name in names)
    finally:
        engine.dispose()


def reset_sequences(engine: Engine) -> None:
    """After rows were copied in with explicit ids, let PostgreSQL's id sequences continue
    after the largest id (SQLite does this by itself; a no-op there)."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return
    serial_ids = text("SELECT table_name, pg_get_serial_sequence(quote_ident(table_name), 'id') "
                      "FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'id'")
    with engine.begin() as connection:
        for table, sequence in connection.execute(serial_ids).all():
            if sequence:  # apscheduler_jobs' text id has no sequence
                connection.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'),
                                   {"s": sequence})
