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

from plugins.community.postfile import parse_post_text
from plugins.navigation.dates import german_date

from .selection import CampaignCall, EventItem, Feature, Image, Portrait, to_berlin

logger = logging.getLogger(__name__)
ImagePath = Callable[[str], str]  # content path -> site-relative derivative path ("" if unknown)
IMAGE_WIDTH = 1200  # derivatives up to this width: sharp at 600 px on high-density screens
CAMPAIGN_FOLDER = "kampagnen"
# Campaign files are written by another plugin; accept the obvious names for the window.
OPENS_KEYS = ("opens", "open_from", "start", "starts", "from")
CLOSES_KEYS = ("closes", "open_until", "deadline", "end", "ends", "until")


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


def _moment(text: str) -> datetime | date | None:
    try:
        return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        return None


def campaign_from_text(text: str) -> CampaignCall | None:
    """One campaign file (`Key: value` header); None when it has no readable window."""
    metadata, _body = parse_post_text(text)
    opens, closes = _moment(_first(metadata, OPENS_KEYS)), _moment(_first(metadata, CLOSES_KEYS))
    if opens is None or closes is None or not metadata.get("title"):
        return None
    # A closing date names the last day of the call: it is open until that day has ended.
    closes_iso = iso(closes) if isinstance(closes, datetime) else iso(date.fromordinal(closes.toordinal() + 1))
    # Without its own `Url` a call links to "Mitmachen", a page that always exists.
    url = metadata.get("url") or "mitmachen/"
    return CampaignCall(title=metadata["title"], url=url.lstrip("/"), summary=metadata.get("summary", ""),
                        opens=iso(opens), closes=closes_iso, closes_label=german_date(closes))


def campaign_calls(content_path: Path) -> list[CampaignCall]:
    folder = content_path / CAMPAIGN_FOLDER
    if not folder.is_dir():
        return []
    calls = []
    for path in sorted(folder.glob("*.md")):
        call = campaign_from_text(path.read_text(encoding="utf-8"))
        if call is None:
            logger.info("newsletter: %s has no title or no open/close dates; not offered as a call", path)
        else:
            calls.append(call)
    return calls
