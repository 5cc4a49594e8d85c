"""What the plan view says, as pure functions: slot kinds, the planner's reason, step states, errors.

German for the board; the stored values (kinds, step states, error kinds) stay English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from plugins.navigation.dates import BERLIN, german_date, german_time

KIND_LABELS = {
    "queued": "in der Warteschlange", "pinned": "fest eingeplant", "planned": "geplant",
    "skipped": "ausgelassen", "empty": "frei", "done": "veröffentlicht", "failed": "fehlgeschlagen",
    "needs_editor": "Redaktion gefragt", "pending": "in der Warteschlange", "taken_down": "überall entfernt",
}
STEP_LABELS = {"image": "Bild", "website": "Website", "deploy": "Veröffentlichung der Website",
               "instagram": "Instagram", "facebook": "Facebook", "mastodon": "Mastodon"}
STEP_STATES = {"done": "erledigt", "started": "läuft", "failed": "fehlgeschlagen", None: "noch nicht begonnen"}
ERROR_KINDS = {  # graph_errors' classes → what an editor should know
    "NeedsEditor": "Die Redaktion muss eingreifen (Zugang, Berechtigung, Einstellung oder Bild).",
    "ContainerFailed": "Instagram hat das Bild nicht angenommen.",
    "RetryLater": "Vorübergehender Fehler; ein neuer Versuch folgt von selbst.",
    "RetryPublish": "Instagram war noch nicht bereit; ein neuer Versuch folgt von selbst.",
    "TemporarilyBlocked": "Die Plattform hat vorübergehend gesperrt; ein neuer Versuch folgt in einer Stunde.",
    "OutcomeUnknown": "Die Antwort der Plattform kam nicht an; vor einem neuen Versuch wird nachgesehen.",
    "Fatal": "Unerwarteter Fehler der Plattform.",
}
VIEWS = {"week": "Wochen", "month": "Monat"}
WEEKDAY_HEADERS = (("Mo", "Montag"), ("Di", "Dienstag"), ("Mi", "Mittwoch"), ("Do", "Donnerstag"),
                   ("Fr", "Freitag"), ("Sa", "Samstag"), ("So", "Sonntag"))
FINAL_STATES = ("done", "failed", "needs_editor")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember")


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def slot_state(kind: str, feature_status: str | None) -> str:
    """The month view's badge: a queued feature shows how it ended once it did (veröffentlicht, fehlgeschlagen)."""
    return feature_status if kind == "queued" and feature_status in FINAL_STATES else kind


def day_label(day: date) -> str:
    """"Mo., 1. März 2027" — a calendar cell's full name (the grid shows only the day's number)."""
    return german_date(day, "weekday")


def step_state_label(state: str | None) -> str:
    return STEP_STATES.get(state, state or "")


def error_text(kind: str | None, code: int | None = None) -> str:
    """The German explanation of a failed step; the platform's own message is shown beside it."""
    text = ERROR_KINDS.get(kind or "", "Fehler beim Veröffentlichen.")
    return f"{text} (Fehlercode {code})" if code else text


def side_channel_error(channel: str, error: dict, retry_utc: str | None) -> str:
    """A failed side channel (Mastodon): the others are not affected, and when it is tried again."""
    if error.get("http_status") in (401, 403):
        text = (f"{channel} hat den Zugang abgelehnt (Fehler {error['http_status']}): das {channel}-Konto muss neu "
                "verbunden werden (Technik: connect --mastodon).")
    else:
        text = f"{channel}: {ERROR_KINDS.get(error.get('kind') or '', 'Fehler beim Veröffentlichen.')}"
    again = f"; nächster Versuch: {when(datetime.fromisoformat(retry_utc))}" if retry_utc else ""
    return f"{text} Website, Instagram und Facebook sind davon nicht betroffen{again}."


def local_day(instant: datetime) -> str:
    """"Mo., 7. Dezember 2026" (Berlin)."""
    return german_date(instant.astimezone(BERLIN), "weekday")


def local_clock(instant: datetime) -> str:
    """"18:00 Uhr" (Berlin), the style guide's one form of a time."""
    return german_time(instant.astimezone(BERLIN))


def when(instant: datetime | None) -> str:
    return f"{local_day(instant)}, {local_clock(instant)}" if instant else ""


def week_title(monday: date) -> str:
    """"KW 50 · 7.–13. Dezember 2026"."""
    sunday = date.fromordinal(monday.toordinal() + 6)
    first = f"{monday.day}." if monday.month == sunday.month else f"{monday.day}. {MONTHS[monday.month - 1]}"
    if monday.year != sunday.year:
        first += f" {monday.year}"
    return f"KW {monday.isocalendar()[1]} · {first}–{sunday.day}. {MONTHS[sunday.month - 1]} {sunday.year}"


def month_title(first: date) -> str:
    return f"{MONTHS[first.month - 1]} {first.year}"


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@dataclass(frozen=True)
class ReasonFacts:
    """What the German reason of a planned slot is made of (plan_view counts it)."""

    municipality: str
    year_count: int  # features of this municipality in the slot's year before this slot
    last: datetime | None  # the municipality's previous feature (done, queued or planned earlier)
    waiting: int  # approved posts of this municipality still waiting, this one included
    pinned_by: str = ""  # the editor who pinned it
    same_author: bool = False  # the planner had to repeat the previous slot's author


def reason(facts: ReasonFacts, slot: datetime) -> str:
    """"erster Beitrag für Kirchberg an der Murr in diesem Jahr; 3 Beiträge warten"."""
    if facts.year_count == 0:
        parts = [f"erster Beitrag für {facts.municipality} in diesem Jahr"]
    else:
        parts = [f"{facts.year_count + 1}. Beitrag für {facts.municipality} in diesem Jahr"]
    if facts.last is not None:
        days = (slot - facts.last).days
        parts.append(f"zuletzt am {german_date(facts.last.astimezone(BERLIN))} (vor {plural(days, 'Tag', 'Tagen')})")
    parts.append(plural(facts.waiting, "Beitrag wartet", "Beiträge warten"))
    if facts.pinned_by:
        parts.insert(0, f"fest eingeplant von {facts.pinned_by}")
    if facts.same_author:
        parts.append("gleiche Person wie auf dem Sendeplatz davor – es gab keine andere Wahl")
    return "; ".join(parts)


def empty_reason(kind: str, planner_reason: str, skipped_by: str = "", why: str = "") -> str:
    if kind == "skipped":
        by = f" von {skipped_by}" if skipped_by else ""
        return f"Sendeplatz{by} ausgelassen" + (f": {why}" if why else "")
    if planner_reason.startswith("pinned post"):
        return "der fest eingeplante Beitrag ist nicht mehr planbar"
    return "keine freigegebenen Beiträge mehr, die warten"


def number(value: int | None) -> str:
    """German thousands separator: 12.345."""
    return "–" if value is None else f"{value:,}".replace(",", ".")
