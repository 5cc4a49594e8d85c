"""Pure helpers for the campaign pages: which wall posts belong to a campaign, the wall's JSON,
the tour map and the tour's calendar. Kept apart from the generator so tests need no build."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape, quoteattr

from icalendar import Calendar, Event as VEvent

from plugins.navigation.dates import german_date
from plugins.region.mapsvg import project

from .model import BERLIN, Campaign

HASHTAG = re.compile(r"#(\w+)")


def post_hashtags(caption: str) -> set[str]:
    return {t.lower() for t in HASHTAG.findall(caption or "")}


def belongs(campaign: Campaign, post) -> bool:
    """A wall post (approved and consented, or it would not be on the wall) belongs to a campaign
    when its file names the campaign, or it carries the campaign's hashtag and was taken in the window."""
    source = post.source
    if source.extra.get("campaign", "").strip() == campaign.slug:
        return True
    taken = datetime.combine(source.taken, datetime.min.time(), campaign.start.tzinfo) if source.taken else None
    return bool(taken) and campaign.matches(post_hashtags(source.caption), taken + timedelta(hours=12))


def wall_json(campaign: Campaign, posts, image_path) -> str:
    """The Leinwand's data: a static file the projector page fetches every few minutes."""
    items = [{"id": p.id, "image": image_path(p.image, 1600), "alt": p.alt, "credit": p.credit,
              "place": p.municipality.name} for p in posts]
    return json.dumps({"campaign": campaign.slug, "title": campaign.title,
                       "hashtag": "#" + (campaign.hashtags_as_written or ("SoistS",))[0], "posts": items},
                      ensure_ascii=False, indent=0)


def tour_map(campaign: Campaign, registry, site_url: str, width: float = 640) -> str:
    """All 179 municipalities as faint dots, the tour's stops numbered and joined in date order."""
    everyone = list(registry)
    points, height = project(everyone, width)
    where = {m.slug: point for m, point in zip(everyone, points)}
    dots = "".join(f'<circle class="tour-map__dot" cx="{x:.1f}" cy="{y:.1f}" r="2.2"/>' for x, y in points)
    route = " ".join(f"{where[s.municipality.slug][0]:.1f},{where[s.municipality.slug][1]:.1f}" for s in campaign.stops)
    # No links inside the image (role="img" must not hold interactive content): the list of
    # stops beside the map links each municipality.
    stops = "".join(
        f'<circle class="tour-map__stop" cx="{x:.1f}" '
        f'cy="{y:.1f}" r="9"><title>{n}. {escape(s.municipality.name)}, {german_date(s.day)}</title></circle>'
        f'<text class="tour-map__label" x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">{n}</text>'
        for n, s in enumerate(campaign.stops, 1) for x, y in [where[s.municipality.slug]])
    label = f"Karte der Region Stuttgart mit den Stationen von {campaign.title}"
    return (f'<svg class="region-map tour-map" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
            f'aria-label={quoteattr(label)} xmlns="http://www.w3.org/2000/svg">{dots}'
            f'<polyline class="tour-map__route" points="{route}"/>{stops}</svg>')


def tour_calendar(campaign: Campaign, changed: datetime, site_url: str) -> bytes:
    """The stops as all-day entries (DATE values, DTEND exclusive, UID stable per stop); DTSTAMP
    is when the campaign's file last changed (the same bytes for the same input)."""
    calendar = Calendar()
    calendar.add("prodid", "-//So ist S//Kampagnen//DE")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"So ist S – {campaign.title}")
    for stop in campaign.stops:
        entry = VEvent()
        entry.add("uid", f"{campaign.slug}-{stop.municipality.slug}-{stop.day:%Y%m%d}@so-ist-s.de")
        entry.add("dtstamp", changed.astimezone(timezone.utc))
        entry.add("dtstart", stop.day)
        entry.add("dtend", stop.day + timedelta(days=1))
        entry.add("summary", f"{campaign.title}: {stop.municipality.name}")
        entry.add("url", f"{site_url}/{campaign.url}")
        calendar.add_component(entry)
    return calendar.to_ical()


DRAW_MOMENTS = ("opened_at", "frozen_at", "drawn_at")


def draw_moments(published: dict) -> dict[str, datetime]:
    """The draw's UTC timestamps as local times, for German dates on the page (the JSON keeps UTC)."""
    return {key: datetime.fromisoformat(published[key].replace("Z", "+00:00")).astimezone(BERLIN)
            for key in DRAW_MOMENTS if published.get(key)}
