"""Fixtures for the scheduler tests: a migrated store in a temp folder, the registry."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from plugins.region.registry import load_registry
from scheduler.config import Settings
from scheduler.store.db import make_engine, migrate, session_factory


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """SQLite by default; PostgreSQL too in modules marked `both_databases` (tests/conftest.py)."""
    return Settings(root=tmp_path, db_url=db_url, media_dir=tmp_path / "media",
                    min_image_px=100, author_weekly_cap=100, backoff_seconds=0.0, editor="tester")


@pytest.fixture
def sessions(settings):
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture
def with_settings(settings):
    return lambda **changes: replace(settings, **changes)


# The local Graph API fake and a folder of photos served on 127.0.0.1 (the official-collection tests).
@pytest.fixture
def fake(tmp_path):
    from tests.scheduler.official_helpers import start_fake

    fake = start_fake(tmp_path)
    yield fake
    fake.stop()


@pytest.fixture
def photos(tmp_path, serve_dir):
    folder = tmp_path / "cdn"
    folder.mkdir()
    from tests.scheduler.official_helpers import Photos

    return Photos(folder, serve_dir(folder))
