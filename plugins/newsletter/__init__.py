"""The monthly newsletter: its selection (selection.py, shared with the mail builder in
scheduler/newsletter), the web version of each issue and the archive. See README.md."""

from __future__ import annotations

from pelican import signals

from .generator import NewsletterGenerator


def get_generators(_pelican):
    return NewsletterGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
