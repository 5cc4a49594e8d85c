"""Pages for the region: one per municipality (179), one per district (6), and overviews."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from markupsafe import Markup
from pelican.generators import Generator

from .. import parallel, validation
from .coverage import coverage_rows, never_featured
from .figures import site_now
from .mapsvg import render_map
from .registry import Municipality, load_registry

INTRO_FOLDER = "kommunen"


def index_by_municipality(items) -> dict[Municipality, list]:
    """The items naming each municipality, in their order: one pass over the items instead of
    one pass per municipality (179 x all posts, articles and events)."""
    index: dict[Municipality, list] = {}
    for item in items:
        for municipality in dict.fromkeys(getattr(item, "municipalities", ()) or ()):
            index.setdefault(municipality, []).append(item)
    return index


def feature_dates(posts) -> list[tuple[str, datetime]]:
    """(AGS, when) for every community feature, the input of the coverage figures."""
    return [
        (m.ags, post.featured)
        for post in posts
        if getattr(post, "featured", None)
        for m in getattr(post, "municipalities", ())
    ]


def region_today(settings: dict | None = None):
    return site_now(settings).date()  # the region's day (SITE_NOW in tests), not the server's


class RegionGenerator(Generator):
    """Reads optional editor intros (content/kommunen/<slug>.md) and writes the region pages."""

    def generate_context(self) -> None:
        self.registry = load_registry()
        self.intros = self._read_intros()
        self.context["REGION"] = self.registry
        self.context["DISTRICTS"] = self.registry.districts

    def _read_intros(self) -> dict[str, object]:
        from pelican.contents import Page

        intros: dict[str, object] = {}
        folder = Path(self.path) / INTRO_FOLDER
        if not folder.is_dir():
            return intros
        for path in sorted(folder.glob("*.md")):
            slug = path.stem
            if slug not in self.registry.by_slug:
                hint = ", ".join(self.registry.suggestions(slug)) or "none"
                validation.report(str(path), "filename", f"'{slug}' is no municipality slug; closest: {hint}")
                continue
            intros[slug] = self.readers.read_file(
                base_path=self.path, path=os.path.relpath(path, self.path), content_class=Page, context=self.context
            )
        return intros

    def generate_output(self, writer) -> None:
        today = region_today(self.settings)
        articles = self.context.get("articles", [])
        events = self.context.get("events", [])
        posts = self.context.get("community_posts", [])
        rows = coverage_rows(self.registry, feature_dates(posts), today)
        figures = {row.ags: row for row in rows}
        site_url = self.settings.get("SITEURL", "")

        by_article, by_event, by_post = (index_by_municipality(items) for items in (articles, events, posts))

        def write_municipality(municipality: Municipality) -> None:
            # Only what the page shows: the live preview renders a page again when anything it
            # is given changes, and all 179 pages once got every municipality's figures.
            self._write(writer, "municipality", f"{municipality.url}index.html", municipality.url, {
                "municipality": municipality,
                "intro": self.intros.get(municipality.slug),
                "municipality_articles": by_article.get(municipality, []),
                "events": by_event.get(municipality, []),
                "posts": by_post.get(municipality, []),
                "figures": figures[municipality.ags],
                "page_title": municipality.name,
            })

        municipalities = list(self.registry)
        parallel.each(self.settings, len(municipalities), lambda i: write_municipality(municipalities[i]), writer)

        for district in self.registry.districts:
            members = set(district.municipalities)
            in_district = lambda items: [i for i in items if members & set(getattr(i, "municipalities", ()))]
            self._write(writer, "district", f"{district.url}index.html", district.url, {
                "district": district,
                "district_articles": in_district(articles),
                "events": in_district(events),
                "posts": in_district(posts),
                "page_title": district.name,
            })

        self._write(writer, "municipalities", "kommunen/index.html", "kommunen/", {
            "coverage": figures,
            # render_map escapes every name and URL it writes (mapsvg.py): safe as it is.
            "region_map": Markup(render_map(
                [figures[m.ags] for m in self.registry], site_url,
                "Karte der 179 Kommunen der Region Stuttgart: wie oft und wie kürzlich vorgestellt",
                description="Dieselben Angaben stehen als Liste unter der Karte.")),
            "never_featured": never_featured(rows),
            "page_title": "Kommunen",
        })
        self._write(writer, "districts", "landkreise/index.html", "landkreise/", {"page_title": "Landkreise"})

    def _write(self, writer, template: str, save_as: str, url: str, extra: dict) -> None:
        writer.write_file(save_as, self.get_template(template), self.context,
                          relative_urls=self.settings.get("RELATIVE_URLS"), url=url, **extra)
