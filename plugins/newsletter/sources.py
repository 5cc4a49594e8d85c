"""Pelican's content as newsletter items (plugins/newsletter/selection.py holds the rules).

Adapters only: each turns one content object the other plugins made (a community WallPost,
a portrait Article, an event Occurrence, a campaign file) into a plain item. Campaigns are
optional: content/kampagnen/ may be missing, and a file that lacks a window is skipped with
a log line instead of stopping the build, because that folder belongs to another plugin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from plugins.navigation.dates import german_date

from .selection import CampaignCall, EventItem, Feature, Image, Portrait, to_berlin

logger = logging.getLogger(__name__)
ImagePath = Callable[[str], str]  # content path -> site-relative derivative path ("" if unknown)
IMAGE_WIDTH = 1200  # derivatives up to this width: sharp at 600 px on high-density screens
CAMPAIGN_FOLDER = "kampagnen"
# Campaign files are written by another plugin; accept the obvious names for the window.


def iso(moment: datetime | date) -> str:
    return to_berlin(moment).isoformat() if isinstance(moment, datetime) else moment.isoformat()


def feature_from_post(post, image_path: ImagePath) -> Feature:
    """A community WallPost (plugins/community/generator.py)."""
    municipality = post.municipality
    return Feature(id=post.id, title=post.title, url=post.url, image=Image(post.image, image_path(post.image), post.alt),
                   municipality=municipality.name, municipality_url=municipality.url, credit=post.credit,
                   when=iso(post.featured), date_label=german_date(to_berlin(post.featured)))


def _image(src: str, alt: str, image_path: ImagePath) -> Image:
    return Image(src, image_path(src), alt)


def portrait_from_article(article, image_path: ImagePath) -> Portrait | None:
    """A portrait article (plugins/portraits); None for any other article."""
    if not getattr(article, "is_portrait", False):
        return None
    metadata = article.metadata
    municipalities = getattr(article, "municipalities", None) or []
    first = municipalities[0] if municipalities else None
    return Portrait(title=str(article.title), url=article.url, firstname=str(metadata.get("firstname", "")),
                    quote=str(metadata.get("quote", "")), municipality=first.name if first else "",
                    municipality_url=first.url if first else "",
                    image=_image(str(metadata.get("image", "")), str(metadata.get("alt", "")), image_path),
                    when=iso(article.date), date_label=german_date(to_berlin(article.date)))


def event_items(events) -> list[EventItem]:
    """Every date of every event (plugins/events Event.occurrences), past ones included:
    an archived issue keeps the events it announced."""
    items = []
    for event in events:
        for occurrence in event.occurrences:
            first = event.municipalities[0].name if event.municipalities else ""
            items.append(EventItem(title=event.title, url=event.url, when=iso(occurrence.start),
                                   date_label=occurrence.date_label, location=event.location,
                                   municipality=first, cancelled=event.is_cancelled))
    return items


def _first(metadata: dict[str, str], keys: tuple[str, ...]) -> str:
    return next((metadata[k] for k in keys if metadata.get(k)), "")


def campaign_call(campaign) -> CampaignCall:
    """A campaign (plugins/campaigns: the one parser of content/kampagnen/) as the newsletter's call."""
    return CampaignCall(title=campaign.title, url=campaign.url, summary=campaign.summary,
                        opens=iso(campaign.start), closes=iso(campaign.end), closes_label=german_date(campaign.end))


def campaign_calls(content_path: Path) -> list[CampaignCall]:
    """Every valid campaign; invalid files are the campaigns plugin's to report, not ours."""
    from plugins.campaigns.model import load_campaigns
    from plugins.region.registry import load_registry

    if not (content_path / CAMPAIGN_FOLDER).is_dir():
        return []
    return [campaign_call(c) for c in load_campaigns(content_path, load_registry())]