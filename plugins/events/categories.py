"""The fixed set of event categories: slug (used in URLs and metadata) -> German label.

This is the only place categories are defined; adding one here adds its page and ICS.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventCategory:
    slug: str
    label: str  # singular, shown on an event ("Netzwerkgespräch")
    plural: str  # heading of the category list ("Netzwerkgespräche")

    @property
    def url(self) -> str:
        return f"termine/kategorie/{self.slug}/"

    @property
    def ics_name(self) -> str:
        return f"kategorie-{self.slug}.ics"


CATEGORIES: dict[str, EventCategory] = {
    c.slug: c
    for c in (
        EventCategory("netzwerk", "Netzwerkgespräch", "Netzwerkgespräche"),
        EventCategory("flaechen", "Gewerbeflächen", "Gewerbeflächen"),
        EventCategory("fachkraefte", "Fachkräfte", "Fachkräfte"),
        EventCategory("instawalk", "Instawalk", "Instawalks"),
        EventCategory("messe", "Messe", "Messen"),
        EventCategory("medien", "Medien", "Medien"),
    )
}

# Status values editors write, with the iCalendar STATUS and schema.org eventStatus they mean.
STATUSES: dict[str, tuple[str, str, str]] = {
    # status: (German label, ICS STATUS, schema.org eventStatus)
    "geplant": ("geplant", "CONFIRMED", "https://schema.org/EventScheduled"),
    "abgesagt": ("abgesagt", "CANCELLED", "https://schema.org/EventCancelled"),
    "verschoben": ("verschoben", "TENTATIVE", "https://schema.org/EventPostponed"),
}
