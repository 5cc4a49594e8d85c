"""The English sub-site under /en/, rendered in the same Pelican run as the German site.

The theme's templates mark their German texts for gettext (jinja2.ext.i18n); the English
catalog (theme/translations/en.po) turns them into English. Each German page that has an
English counterpart (routes.py: home, Mitmachen, About, privacy, calendar, municipalities,
districts, wall) is rendered a second time from the same context by the template wrapper
(twin.py), so the content is read and parsed once. English texts of Markdown pages are
Pelican translations (content/pages/en/<slug>.md with `Lang: en`, same slug as the German
page); they are not written by Pelican itself (PAGE_LANG_SAVE_AS = "") but by the wrapper
at en/<slug>/.
"""

from __future__ import annotations

from pathlib import Path

from pelican import signals

from plugins.incremental import output_kept, output_started_empty, render

from .catalog import translations
from .english import ENGLISH_FILTERS, GERMAN_FILTERS
from .routes import english_path, orphans
from .twin import BilingualTemplate, Site, english_environment

SITE = Site()


def add_filters(pelican) -> None:
    pelican.settings.setdefault("JINJA_FILTERS", {}).update(GERMAN_FILTERS)
    SITE.output_path = ""  # set once the content is read (all_generators_finalized)
    SITE.english_pages = {}
    SITE.catalogs = Path(pelican.settings["THEME"]) / "translations"


def bilingual_templates(generator) -> None:
    """German catalog into the generator's environment; its templates come back wrapped."""
    generator.env.install_gettext_translations(translations("de", SITE.catalogs), newstyle=True)
    original = generator.get_template
    english_env = []  # made on first use: other plugins add their globals in generator_init too

    def english_template(name: str):
        if not english_env:
            english_env.append(english_environment(generator.env, ENGLISH_FILTERS))
        return english_env[0].get_template(name)

    def get_template(name: str):
        template = original(name)
        return BilingualTemplate(template, lambda: english_template(template.name), SITE)

    generator.get_template = get_template


def english_pages(generators) -> dict:
    """German page file -> its English translation (Lang: en), for the pages that have one."""
    pages = {}
    for generator in generators:
        for page in (getattr(generator, "pages", None) or []) + (getattr(generator, "hidden_pages", None) or []):
            if not hasattr(page, "save_as") or not hasattr(page, "translations"):
                continue
            for translation in page.translations:
                if getattr(translation, "lang", None) == "en":
                    pages[page.save_as] = translation
    return pages


def know_the_site(generators) -> None:
    settings = generators[0].settings
    SITE.output_path = generators[0].output_path
    SITE.site_url = settings.get("SITEURL", "")
    SITE.english_pages = english_pages(generators)


def remove_orphans(pelican) -> None:
    if output_kept() or output_started_empty():  # no English page of an earlier build to be left over
        return
    for path in orphans(Path(pelican.output_path), SITE.english_pages, pelican.settings.get("FOLDER_LISTINGS")):
        path.unlink()


def english_inputs() -> tuple:
    """For the incremental build's record: the English translations the twins are made from."""
    return tuple(sorted((german, page.source_path, render.file_digest(page.source_path))
                        for german, page in SITE.english_pages.items()))


def register() -> None:
    if english_path not in render.COMPANIONS:  # the English twin written beside a German page
        render.COMPANIONS.append(english_path)
        render.EXTRA_INPUTS.append(english_inputs)
    signals.finalized.connect(remove_orphans)  # before plugins/sitemap lists the pages (PLUGINS order)
    signals.initialized.connect(add_filters)
    signals.generator_init.connect(bilingual_templates)
    signals.all_generators_finalized.connect(know_the_site)
