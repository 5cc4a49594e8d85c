"""Campaigns (Instawalks, Gewinnspiele, Influencertouren): content/kampagnen/*.md → /kampagnen/.

See README.md in this folder for the fields editors write.
"""

from __future__ import annotations

from pelican import signals

from .generator import CampaignsGenerator


def get_generators(_pelican):
    return CampaignsGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
