"""Build-once navigation and frozen URLs.

Pelican recomputes Content.url on every access; a theme that links many pages on every
page pays for that many times over. Once all content is read, each object's URL and
save_as are frozen (override_url/override_save_as), and the menus become one context
value shared by every page instead of being rebuilt per page.
"""

from __future__ import annotations

from dataclasses import dataclass

from pelican import signals

from plugins import parallel, parallel_read

from .dates import german_date, german_month, german_number, german_time
from .text import cut_words, description, plain_text


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str


def build_menu(entries: list[tuple[str, str]]) -> tuple[MenuItem, ...]:
    return tuple(MenuItem(label, url) for label, url in entries)


def _freeze(content) -> None:
    # Reading .url/.save_as once and storing them as overrides is byte-identical output
    # without the per-access formatting cost.
    url, save_as = content.url, content.save_as
    content.override_url = url
    content.override_save_as = save_as


def freeze_urls(generators) -> None:
    for generator in generators:
        for attribute in ("articles", "translations", "drafts", "drafts_translations",
                          "pages", "hidden_pages", "draft_pages", "hidden_translations"):
            for content in getattr(generator, attribute, ()) or ():
                _freeze(content)
    # All generators share one context dict: the menus are computed once for every page.
    context = generators[0].context
    context["MAIN_NAVIGATION"] = build_menu(context.get("MAIN_MENU", []))
    context["FOOTER_NAVIGATION"] = build_menu(context.get("FOOTER_MENU", []))


def add_filters(pelican) -> None:
    filters = pelican.settings.setdefault("JINJA_FILTERS", {})
    filters.update({"german_date": german_date, "german_time": german_time, "german_month": german_month,
                    "german_number": german_number, "description": description, "plain_text": plain_text,
                    "cut_words": cut_words})


def no_template_stat(generator) -> None:
    """Templates do not change during a build: stop Jinja from stat()ing the template file
    (and every imported/included one) each time a page asks for it."""
    generator.env.auto_reload = False


def register() -> None:
    signals.initialized.connect(add_filters)
    signals.generator_init.connect(no_template_stat)
    signals.all_generators_finalized.connect(freeze_urls)
    # Pelican's articles and pages render across the cores like the plugins' page groups.
    signals.all_generators_finalized.connect(parallel.spread_pelican_output)
    signals.generator_init.connect(parallel.share_compiled_templates)
    signals.readers_init.connect(parallel_read.reuse_markdown)
