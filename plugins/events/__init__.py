"""Event calendar: Termine pages, ICS subscriptions and schema.org Event JSON-LD.

See README.md in this folder for the metadata fields editors write.
"""

from __future__ import annotations

from pelican import signals

from .generator import EventsGenerator


def get_generators(_pelican):
    return EventsGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
