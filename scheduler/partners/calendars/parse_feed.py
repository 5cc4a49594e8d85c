"""RSS 2.0 and Atom → UpstreamEvents, with the standard library's ElementTree.

defusedxml is not installed, so the guard is ours: any DOCTYPE or ENTITY declaration refuses
the feed before a parser sees it (no entity expansion, no external entities; a calendar feed
never needs them). The dates come from the RSS event module
(`xmlns:ev="http://purl.org/rss/1.0/modules/event/"`: ev:startdate, ev:enddate, ev:location),
which municipal calendar feeds use; an item without ev:startdate refuses the feed like a
VEVENT without DTSTART (a news feed is no calendar).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

from .parse_ics import decode
from .reasons import MAX_EVENTS, CalendarRejected
from .upstream import UpstreamEvent

EV = "{http://purl.org/rss/1.0/modules/event/}"
ATOM = "{http://www.w3.org/2005/Atom}"
DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def looks_like_feed(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<feed")


def _moment(text: str, label: str) -> date | datetime:
    value = (text or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CalendarRejected("no_start", f"{label[:60]}: {value[:40]!r}") from None


def _child(element: ET.Element, *names: str) -> str:
    for name in names:
        found = element.find(name)
        if found is not None and (found.text or "").strip():
            return found.text.strip()
    return ""


def _items(root: ET.Element) -> tuple[list[ET.Element], bool]:
    if root.tag == "rss" or root.tag.endswith("RDF"):
        return list(root.iter("item")) + list(root.iter("{http://purl.org/rss/1.0/}item")), False
    if root.tag == f"{ATOM}feed":
        return list(root.iter(f"{ATOM}entry")), True
    raise CalendarRejected("not_calendar", root.tag[:60])


def parse_feed(data: bytes) -> list[UpstreamEvent]:
    text = decode(data)
    if DECLARATION.search(text):
        raise CalendarRejected("xml_entities")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CalendarRejected("broken", str(exc)[:120]) from None
    items, atom = _items(root)
    if len(items) > MAX_EVENTS:
        raise CalendarRejected("too_many")
    events: list[UpstreamEvent] = []
    for number, item in enumerate(items, start=1):
        if atom:
            title = _child(item, f"{ATOM}title")
            link = item.find(f"{ATOM}link")
            url = link.get("href", "") if link is not None else ""
            uid = _child(item, f"{ATOM}id") or url
            description = _child(item, f"{ATOM}summary", f"{ATOM}content")
            categories = tuple(c.get("term", "") for c in item.findall(f"{ATOM}category") if c.get("term"))
        else:
            title = _child(item, "title", "{http://purl.org/rss/1.0/}title")
            url = _child(item, "link", "{http://purl.org/rss/1.0/}link")
            uid = _child(item, "guid") or url
            description = _child(item, "description", "{http://purl.org/rss/1.0/}description")
            categories = tuple((c.text or "").strip() for c in item.findall("category") if (c.text or "").strip())
        label = title or f"Eintrag {number}"
        start_text = _child(item, f"{EV}startdate")
        if not start_text:
            raise CalendarRejected("no_start", label[:80])
        start = _moment(start_text, label)
        end_text = _child(item, f"{EV}enddate")
        end = _moment(end_text, label) if end_text else None
        if isinstance(end, date) and not isinstance(end, datetime):
            end += timedelta(days=1)  # ev:enddate names the last day; UpstreamEvent counts like DTEND
        events.append(UpstreamEvent(uid=uid, title=" ".join(title.split()), start=start, end=end,
                                    location=" ".join(_child(item, f"{EV}location").split()),
                                    description=description, categories=categories, url=url))
    return events


def parse_calendar(data: bytes) -> list[UpstreamEvent]:
    """ICS or feed, by what the bytes are (servers often send calendars as text/plain)."""
    from .parse_ics import looks_like_ics, parse_ics

    if looks_like_ics(data):
        return parse_ics(data)
    if looks_like_feed(data):
        return parse_feed(data)
    decode(data)  # a file in another encoding is named as such, not as "no calendar"
    raise CalendarRejected("not_calendar")
