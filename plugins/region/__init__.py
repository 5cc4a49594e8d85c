"""The Region Stuttgart in the site: municipality references, pages and the overview map."""

from __future__ import annotations

from pelican import signals

from .. import validation
from .generator import RegionGenerator
from .registry import UnknownMunicipality, load_registry

METADATA_KEYS = ("municipality", "municipalities")
# Events and community posts resolve their own references in their plugins.
HANDLED_TYPES = ("Article", "Page")


def resolve_municipalities(content) -> None:
    """Turn the `municipality` metadata (slugs or AGS, comma-separated) into Municipality objects."""
    if type(content).__name__ not in HANDLED_TYPES:
        return
    content.municipalities = []
    for key in METADATA_KEYS:
        value = content.metadata.get(key)
        if not value:
            continue
        try:
            content.municipalities = load_registry().resolve_many(value)
        except UnknownMunicipality as error:
            validation.report(content.source_path or "?", key, str(error))


def get_generators(_pelican):
    return RegionGenerator


def register() -> None:
    signals.content_object_init.connect(resolve_municipalities)
    signals.get_generators.connect(get_generators)
