"""German page in, German and English page out: the template wrapper that renders both.

Every page of the site is rendered by `template.render(context)` (Pelican's writer, the
parallel page groups, the preview). The wrapper renders the German page as before and, when
the page has an English counterpart (routes.has_english), renders the same template from the
English environment with the same context and writes it to en/<path> — in the same process
and worker as the German page, so the English site costs one more render per page and no
second read of the content.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, Template

from . import routes
from .catalog import CATALOG_DIR, gettext_callables

logger = logging.getLogger(__name__)
SWITCH_LABELS = {"de": "English", "en": "Deutsch"}


@dataclass
class Site:
    """What the wrapper needs to know about the build, filled in once the content is read."""

    output_path: str = ""
    site_url: str = ""
    english_pages: dict[str, object] = field(default_factory=dict)  # German page file -> English Page
    catalogs: Path = CATALOG_DIR  # the theme's translations folder


def language_context(language: str, own_file: str, other_file: str | None, site: Site) -> dict:
    """The variables base.html reads for the language: lang, og:locale, alternates, switcher."""
    german_file = own_file if language == "de" else other_file
    # Menus mark the current page by its German path (the menu's URLs are German; routes.py).
    # german_lang marks German text on an English page; a variable, not a filter on a constant,
    # which Jinja would fold at compile time (and the preview shares compiled templates).
    variables = {"page_lang": language, "og_locale": "en_GB" if language == "en" else "de_DE",
                 "german_output_file": german_file or own_file, "german_lang": routes.german_marker(language),
                 **gettext_callables(language, site.catalogs)}
    if other_file is None or german_file is None:
        # A German page without an English version (campaigns, the Impressum) keeps the switch, to the
        # English home page: a visitor who came in English keeps the way back. No hreflang pair.
        home = {"lang": "en", "label": SWITCH_LABELS["de"], "url": f"{site.site_url}/en/"} if language == "de" else None
        return {**variables, "language_alternates": (), "language_switch": home}
    other_language = "en" if language == "de" else "de"
    return {**variables, "language_alternates": routes.alternates(german_file, site.site_url),
            "language_switch": {"lang": other_language, "label": SWITCH_LABELS[language],
                                "url": f"{site.site_url}/{routes.url_of(other_file)}"}}


def english_context(context: dict, site: Site) -> dict:
    german_file = context["output_file"]
    english = {**context, **language_context("en", routes.english_path(german_file), german_file, site),
               "output_file": routes.english_path(german_file)}
    page = site.english_pages.get(german_file)
    if page is not None:
        english["page"] = page
    return english


class BilingualTemplate:
    """Looks like the German jinja2 Template to its callers; render() also writes the English twin."""

    def __init__(self, german: Template, english: Callable[[], Template], site: Site) -> None:
        self._german = german
        self._english = english
        self._site = site

    def __getattr__(self, name: str):
        return getattr(self._german, name)

    def render(self, *args, **kwargs) -> str:
        context = dict(*args, **kwargs)
        output_file = context.get("output_file") or ""
        twin = routes.has_english(output_file, self._site.english_pages)
        context.update(language_context("de", output_file, routes.english_path(output_file) if twin else None,
                                        self._site))
        if twin and self._site.output_path:
            self.write_english(context)
        return self._german.render(context)

    def write_english(self, context: dict) -> None:
        english = english_context(context, self._site)
        html = routes.localize_links(self._english().render(english), self._site.site_url, self._site.english_pages)
        path = os.path.join(self._site.output_path, english["output_file"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(html)
        logger.info('Writing "%s"', path)


def english_environment(german: Environment, filters: dict) -> Environment:
    """The theme's environment with the English filters (gettext comes with the context)."""
    english = german.overlay()
    english.filters = {**german.filters, **filters}
    return english
