"""schema.org Event JSON-LD for event pages (one Event per shown date)."""

from __future__ import annotations

import json

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


def event_jsonld(event: Event, siteurl: str = "") -> str:
    """JSON text for a <script type="application/ld+json"> block, safe inside HTML."""
    shown = [o for o in event.occurrences if o.is_upcoming][:MAX_DATES] or event.occurrences[-1:]
    items = [occurrence_jsonld(event, o, siteurl) for o in shown]
    payload = items[0] if len(items) == 1 else items
    # "</" would end the script element early; JSON allows the escaped form.
    return json.dumps(payload, ensure_ascii=False, indent=2).replace("</", "<\\/")
