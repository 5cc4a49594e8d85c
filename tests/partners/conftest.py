"""Fixtures of the partners tests."""

from __future__ import annotations

import pytest

from scheduler.store.db import make_engine, migrate, session_factory


@pytest.fixture
def store(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    yield session_factory(engine)
    engine.dispose()
