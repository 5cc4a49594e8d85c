"""English dates and the filters whose answer depends on the page's language.

Every filter here has a German form (what the templates showed before: the model's own
German label) and an English form (Babel with the en_GB locale: "Saturday, 12 December 2026,
2:00 pm", times in Europe/Berlin). The German forms are registered on the theme's
environment; the English environment (an overlay of it) swaps them in, together with
English forms of the German-only date filters of plugins/navigation.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from plugins.navigation.dates import BERLIN

# day before month, "pm" in lower case; parsed once (Babel parses a locale name on every call,
# more than half the time of formatting a date)
LOCALE = Locale.parse("en_GB")
DATE_PATTERNS = {"long": "d MMMM y", "weekday": "EEE, d MMMM y", "full": "EEEE, d MMMM y", "short": "dd/MM/y"}
GERMAN_MARK = Markup(' lang="de"')
DASH = "\u2013\u2060"  # a word joiner after the dash keeps a range on one line (as the German labels do)


def _local(moment: date | datetime) -> date | datetime:
    return moment.astimezone(BERLIN) if isinstance(moment, datetime) else moment


def english_date(value: date | datetime | None, style: str = "long") -> str:
    if value is None or value == "":
        return ""
    return format_date(_local(value), DATE_PATTERNS[style], locale=LOCALE)


def english_time(value: datetime) -> str:
    return format_time(_local(value), "h:mm\u00a0a", locale=LOCALE)


def english_month(year: int, month: int) -> str:
    return format_date(date(year, month, 1), "MMMM y", locale=LOCALE)


def english_number(value: int | float) -> str:
    return format_decimal(value, locale=LOCALE)


@lru_cache(maxsize=8192)  # one event shows on many list pages; Babel's formatting is the cost
def english_span(start: date | datetime, end: date | datetime) -> str:
    """'Saturday, 12 December 2026, 2:00 pm–4:00 pm', '…, all day', or a range across days."""
    if not isinstance(start, datetime):
        if end == start:
            return f"{english_date(start, 'full')}, all day"
        return f"{english_date(start, 'full')} to {english_date(end, 'full')}"
    start, end = _local(start), _local(end)
    if start.date() == end.date():
        return f"{english_date(start, 'full')}, {english_time(start)}{DASH}{english_time(end)}"
    return f"{english_date(start, 'full')}, {english_time(start)} to {english_date(end, 'full')}, {english_time(end)}"


def shown_dates(item) -> tuple:
    """The dates an event list shows for an Occurrence, or for an Event its next (else last) date."""
    shown = getattr(item, "next_occurrence", item) or item
    return shown.start, shown.end


def _event(item):
    return getattr(item, "event", item)


# --- German forms (the output the templates had before): --------------------------------------------

def german_date_label(item) -> str:
    return item.date_label


def german_event_title(item) -> str:
    return item.title


def german_event_summary(item) -> str:
    return _event(item).summary


def german_lang_mark(item=None) -> Markup:
    return Markup("")


def german_text(text: str) -> Markup:
    return escape(text)


def german_month_label(month) -> str:
    return month.label


# --- English forms: ----------------------------------------------------------------------------------

def english_date_label(item) -> str:
    return english_span(*shown_dates(item))


def english_event_title(item) -> str:
    return getattr(_event(item), "title_en", "") or item.title


def english_event_summary(item) -> str:
    event = _event(item)
    return getattr(event, "summary_en", "") or event.summary


def english_lang_mark(item=None) -> Markup:
    """' lang="de"' unless the item carries its English text (an event with title_en) or says
    it is in another language (a `lang` field, e.g. a community post's caption)."""
    event = _event(item) if item is not None else None
    if getattr(event, "title_en", ""):
        return Markup("")
    language = getattr(item, "lang", None) or (getattr(item, "extra", None) or {}).get("lang")
    return Markup("") if language == "en" else (Markup(f' lang="{language}"') if language else GERMAN_MARK)


def english_german_text(text: str) -> Markup:
    """German text that has no English version, marked as German for screen readers."""
    return Markup('<span lang="de">{}</span>').format(text) if text else escape(text)


def english_month_label(month) -> str:
    return english_month(month.year, month.month)


def english_municipality_sentence(municipality) -> str:
    """"Plochingen is a town in the district of Esslingen." (names stay German)."""
    if municipality.district.startswith("Stadtkreis"):
        return f"{municipality.name} is an urban district and the centre of the Stuttgart Region."
    kind = "town" if municipality.kind == "Stadt" else "municipality"
    return f"{municipality.name} is a {kind} in {municipality.district}."


GERMAN_FILTERS = {"date_label": german_date_label, "event_title": german_event_title,
                  "event_summary": german_event_summary, "lang_mark": german_lang_mark,
                  "month_label": german_month_label, "de_text": german_text}
ENGLISH_FILTERS = {"date_label": english_date_label, "event_title": english_event_title,
                   "event_summary": english_event_summary, "lang_mark": english_lang_mark,
                   "month_label": english_month_label, "de_text": english_german_text,
                   "german_date": english_date, "german_time": english_time,
                   "german_month": english_month, "german_number": english_number,
                   "municipality_sentence": english_municipality_sentence}
