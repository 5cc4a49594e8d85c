"""The scheduler's store fixtures (a migrated store in a temp folder, settings, the registry)."""

from tests.scheduler.conftest import registry, sessions, settings  # noqa: F401  (pytest fixtures)
