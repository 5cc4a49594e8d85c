"""Words that reach the templates as data (registry kinds, event categories and statuses).

Templates translate them with `_(value)`; Babel finds only literal strings, so this module
names each value once, marked with N_, for the catalog. tests/site/i18n checks that the list
still covers the registry's kinds and plugins/events' categories and statuses.
"""

from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the gettext convention Babel's extractor knows
    return text


MUNICIPALITY_KINDS = (N_("Stadt"), N_("Gemeinde"))
EVENT_CATEGORY_LABELS = (N_("Netzwerkgespräch"), N_("Netzwerkgespräche"), N_("Gewerbeflächen"), N_("Fachkräfte"),
                         N_("Instawalk"), N_("Instawalks"), N_("Messe"), N_("Messen"), N_("Medien"))
EVENT_STATUS_LABELS = (N_("geplant"), N_("abgesagt"), N_("verschoben"))
