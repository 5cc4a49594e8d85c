"""Why a calendar was refused: a named reason in German (board, alerts) and English (log, CLI).

A broken or hostile calendar is refused as a whole; its events are not imported, and the
reason stays visible on the board until the next import succeeds.
"""

from __future__ import annotations

MAX_BYTES = 10 * 1024 * 1024  # 10 MB, read in chunks; one byte more refuses the calendar
MAX_EVENTS = 10_000

# code → (German, English)
REASONS: dict[str, tuple[str, str]] = {
    "scheme": ("Adresse ist kein http- oder https-Link", "the address is not an http(s) link"),
    "redirect": ("Weiterleitung auf eine Adresse, die kein http- oder https-Link ist",
                 "redirected to an address that is not http(s)"),
    "unreachable": ("Kalender nicht erreichbar", "the calendar could not be fetched"),
    "timeout": ("Kalender antwortet nicht rechtzeitig", "the calendar did not answer in time"),
    "http_status": ("Server antwortet mit einem Fehler", "the server answered with an error"),
    "too_large": ("Kalender ist größer als 10 MB", "the calendar is larger than 10 MB"),
    "encoding": ("Zeichenkodierung ungültig (kein UTF-8)", "bad encoding (not UTF-8)"),
    "not_calendar": ("weder ein iCalendar (ICS) noch ein RSS- oder Atom-Feed",
                     "neither an iCalendar (ICS) nor an RSS or Atom feed"),
    "broken": ("Kalenderdatei fehlerhaft", "the calendar file is malformed"),
    "too_many": ("mehr als 10.000 Termine", "more than 10,000 events"),
    "no_start": ("Termin ohne Beginn (DTSTART)", "an event without a start (DTSTART)"),
    "endless": ("Wiederholung ohne Ende (RRULE ohne COUNT oder UNTIL)",
                "a recurrence without an end (RRULE without COUNT or UNTIL)"),
    "frequency": ("Wiederholung öfter als täglich (stündlich, minütlich oder sekündlich)",
                  "a recurrence more often than daily (hourly, minutely or secondly)"),
    "xml_entities": ("XML mit DOCTYPE oder Entitäten abgelehnt (Schutz vor Entity-Bomben)",
                     "XML with a DOCTYPE or entities refused (entity bomb guard)"),
}


class CalendarRejected(Exception):
    """The whole calendar is refused; `code` names the reason, `detail` says where."""

    def __init__(self, code: str, detail: str = ""):
        if code not in REASONS:
            raise ValueError(f"unknown rejection reason {code!r}")
        self.code, self.detail = code, detail
        super().__init__(self.english)

    @property
    def german(self) -> str:
        return REASONS[self.code][0] + (f" ({self.detail})" if self.detail else "")

    @property
    def english(self) -> str:
        return REASONS[self.code][1] + (f" ({self.detail})" if self.detail else "")
