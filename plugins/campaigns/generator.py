"""The Pelican generator: reads content/kampagnen/*.md (+ <slug>.draw.json) and writes
/kampagnen/, a page per campaign, its Leinwand (projector wall) with its JSON, and for tours a
calendar of the stops."""

from __future__ import annotations

import json
import os
from pathlib import Path

from markupsafe import Markup
from pelican.contents import Page
from pelican.generators import Generator

from plugins import source_dates, validation
from plugins.events.generator import build_now
from plugins.region.registry import load_registry

from . import model, site

ALGORITHM_DE = ("Beim Start des Gewinnspiels wurde ein geheimer Zufallswert (Seed) erzeugt und nur sein "
                "SHA-256-Fingerabdruck veröffentlicht. Zum Einsendeschluss wurde die Teilnahmeliste eingefroren "
                "(eine Zeile pro Teilnahme: Beitragsnummer, Pseudonym des Kontos, Zeitpunkt in UTC; sortiert) und "
                "ihr SHA-256 veröffentlicht. Danach wurde der Seed offengelegt. Jede Zeile erhält die Punktzahl "
                "HMAC-SHA-256(Seed, Zeile); die niedrigsten Punktzahlen gewinnen, die nächsten rücken nach.")
PSEUDONYM_DE = ("Kontonamen veröffentlichen wir nicht: Statt des Kontos steht in jeder Zeile ein Pseudonym, die "
                "ersten 16 Hex-Zeichen von HMAC-SHA-256(Seed, „konto:“ + Kontoname in Kleinbuchstaben). Solange der "
                "Seed geheim war, ließ sich daraus niemand erkennen; jetzt können alle Teilnehmenden die eigene Zeile "
                "finden. Die Auslosung lässt sich mit den veröffentlichten Daten allein nachrechnen.")


class CampaignsGenerator(Generator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, readers_cache_name="CampaignsGenerator-Readers", **kwargs)
        self.campaigns: list[model.Campaign] = []
        self.draws: dict[str, dict] = {}
        self.now = build_now(self.settings)

    def generate_context(self) -> None:
        source_dates.forget()  # a preview renders again after saves: ask Git afresh
        registry = load_registry()
        event_slugs = model.event_slugs_in(self.path)
        for path in model.campaign_files(self.path):
            campaign = model.read_campaign_file(path, registry, validation.report, event_slugs)
            if campaign is None:
                continue
            page = self.readers.read_file(base_path=self.path, path=os.path.relpath(path, self.path),
                                          content_class=Page, context=self.context)
            campaign.body_html = page.content  # sanitised by plugins/sanitize like every body
            self.campaigns.append(campaign)
            self.draws[campaign.slug] = self._draw(campaign)
        self.readers.save_cache()
        self.campaigns.sort(key=lambda c: (c.start, c.slug), reverse=True)
        by: dict[str, dict[str, list]] = {"municipality": {}, "district": {}, "event": {}}
        for c in self.campaigns:
            places = {m.slug: m for m in [*c.municipalities, *(s.municipality for s in c.stops)]}
            for m in places.values():
                by["municipality"].setdefault(m.slug, []).append(c)
            districts = {m.district_slug for m in places.values()} | ({c.district.slug} if c.district else set())
            for slug in districts:
                by["district"].setdefault(slug, []).append(c)
            for event in {*c.events, *(s.event for s in c.stops if s.event)}:
                by["event"].setdefault(event, []).append(c)
        self.context["campaigns"] = self.campaigns
        self.context["CAMPAIGNS_BY"] = by

    def _draw(self, campaign: model.Campaign) -> dict:
        path = model.draw_file(self.path, campaign.slug)
        if campaign.kind != "gewinnspiel" or not path.exists():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            validation.report(str(path), "file", f"{exc}; expected the draw data written by 'python -m scheduler draw'")
            return {}

    def generate_output(self, writer) -> None:
        posts = self.context.get("community_posts", [])
        siteurl = self.settings.get("SITEURL", "")
        image_path = self.env.globals.get("image_path") or (lambda src, width=1200: src)
        output = Path(self.output_path)
        self._write(writer, "campaigns/index", f"{model.URL_ROOT}/", phases={
            c.slug: c.phase(self.now) for c in self.campaigns})
        for c in self.campaigns:
            gallery = [p for p in posts if site.belongs(c, p)]
            drawn = self.draws.get(c.slug, {})
            folder = output / c.url
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "leinwand.json").write_text(site.wall_json(c, gallery, image_path), encoding="utf-8")
            if drawn:
                (folder / "ziehung.json").write_text(json.dumps(drawn, ensure_ascii=False, indent=1), "utf-8")
            if c.stops:
                changed = source_dates.last_changed(c.source_path, self.path)
                (folder / "stationen.ics").write_bytes(site.tour_calendar(c, changed, siteurl))
            tour_map = Markup(site.tour_map(c, load_registry(), siteurl)) if c.stops else ""  # escaped in site.py
            self._write(writer, "campaigns/campaign", c.url, campaign=c, phase=c.phase(self.now), gallery=gallery,
                        draw=drawn, draw_when=site.draw_moments(drawn), algorithm=ALGORITHM_DE,
                        pseudonym_note=PSEUDONYM_DE, tour_map=tour_map)
            self._write(writer, "campaigns/leinwand", f"{c.url}leinwand/", campaign=c, gallery=gallery[:1])

    def _write(self, writer, template: str, url: str, **variables) -> None:
        writer.write_file(f"{url}index.html", self.get_template(template), self.context,
                          relative_urls=self.settings.get("RELATIVE_URLS", False), url=url, page_url=url, **variables)
