"""The #SoistS community wall: post files, the wall pages, per-municipality feeds, takedown."""

from __future__ import annotations

from pelican import signals

from .generator import CommunityGenerator


def get_generators(_pelican):
    return CommunityGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
