"""schema.org Event JSON-LD for event pages (one Event per shown date)."""

from __future__ import annotations

import json

from markupsafe import Markup

from .german import iso
from .ics import absolute_url
from .model import Event

MAX_DATES = 12  # a recurring event lists its next dates, not all of them


def occurrence_jsonld(event: Event, occurrence, siteurl: str = "") -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "startDate": iso(occurrence.start),
        "endDate": iso(occurrence.end),
        "eventStatus": event.schema_status,
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {
            "@type": "Place",
            "name": event.location,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": event.address.street,
                "postalCode": event.address.postal_code,
                "addressLocality": event.address.locality,
                "addressCountry": event.address.country,
            },
        },
        "organizer": {"@type": "Organization", "name": event.organizer},
    }
    if event.summary:
        data["description"] = event.summary
    url = absolute_url(siteurl, event.url)
    if url:
        data["url"] = url
    return data


# Inside <script> the HTML parser ends the element at "</script" and treats "<!--" specially;
# "&" matters if the block is ever read as XHTML; U+2028/2029 end lines in old JavaScript.
# JSON allows every one of them as a \\u escape, so the data stays the same.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                              "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(payload) -> Markup:
    """JSON text that cannot end or alter the <script type="application/ld+json"> around it."""
    return Markup(json.dumps(payload, ensure_ascii=False, indent=2).translate(_SCRIPT_SAFE))


def event_jsonld(event: Event, siteurl: str = "") -> Markup:
    """The JSON-LD block's text, marked safe for the (autoescaping) event template."""
    shown = [o for o in event.occurrences if o.is_upcoming][:MAX_DATES] or event.occurrences[-1:]
    items = [occurrence_jsonld(event, o, siteurl) for o in shown]
    return script_json(items[0] if len(items) == 1 else items)


class LazyEventJsonLd:
    """event_jsonld(event, siteurl), made when the template prints it (Jinja calls __html__):
    the live preview skips unchanged event pages before rendering, so it no longer builds
    1,500 JSON-LD blocks per save only to compare them. Made once for the German page and its
    English twin (the block has no words of either language); kept in `_cached`, which the
    incremental build's fingerprints leave out (plugins/preview/fingerprint.py)."""

    def __init__(self, event: Event, siteurl: str = "") -> None:
        self.event, self.siteurl = event, siteurl

    def __html__(self) -> str:
        made = self.__dict__.get("_cached")
        if made is None:
            made = self._cached = str(event_jsonld(self.event, self.siteurl))
        return made

    __str__ = __html__
