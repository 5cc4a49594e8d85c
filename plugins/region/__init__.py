"""The Region Stuttgart in the site: municipality references, pages and the overview map."""

from __future__ import annotations

from pelican import signals

from .. import validation
from .coverage import from_figures
from .figures import figures, site_now
from .generator import RegionGenerator, feature_dates
from .registry import UnknownMunicipality, load_registry
from .wording import municipality_sentence

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


def add_coverage_summary(generators) -> None:
    """`region_coverage` for every template (e.g. /ueber/): the figures, once all content is read."""
    context = generators[0].context
    counted = figures((m.ags for m in load_registry()), feature_dates(context.get("community_posts", [])),
                      site_now(generators[0].settings))
    context["region_coverage"] = from_figures(counted)  # „bisher vorgestellt“, as on /kommunen/


def add_filters(pelican) -> None:
    pelican.settings.setdefault("JINJA_FILTERS", {})["municipality_sentence"] = municipality_sentence


def get_generators(_pelican):
    return RegionGenerator


def register() -> None:
    signals.content_object_init.connect(resolve_municipalities)
    signals.initialized.connect(add_filters)
    signals.get_generators.connect(get_generators)
    signals.all_generators_finalized.connect(add_coverage_summary)
