"""What an alert is about: a Problem, the German names of its kinds, German dates.

Any stage may produce Problems (the token store does for expiring tokens); the alerts stage
only decides when to mail them. (kind, subject) is the identity of a problem: the same pair
seen again is the same problem, still open, and is mailed at most once a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from plugins.navigation.dates import BERLIN, german_date

WARNING, CRITICAL = "warning", "critical"

# kind → the German title used in the mail subject (a kind not listed here is still mailed)
KIND_TITLES = {
    "feature_failed": "Feature fehlgeschlagen",
    "feature_needs_editor": "Feature wartet auf die Redaktion",
    "empty_slot": "Leerer Sendeplatz, kein Beitrag übrig",
    "token_expiring": "Zugangstoken läuft bald ab",
    "token_invalid": "Zugangstoken ungültig",
    "collect_login": "Sammeln braucht eine Anmeldung",
    "rate_limit": "Rate-Limit seit über 6 Stunden",
    "deploy_failed": "Website-Build oder Deploy fehlgeschlagen",
    "disk_space": "Wenig Speicherplatz",
    "job_failed": "Job fehlgeschlagen",
    "token_missing": "Zugangstoken fehlt",
    "graph_version": "Graph-API-Version läuft aus",
    "permissions": "Berechtigungen nicht prüfbar",
    "temporary_block": "Meta hat das Konto vorübergehend gesperrt",
    "suspected_spam": "Instagram vermutet Spam",
    "insights_permission": "Statistiken: Berechtigung fehlt",
    "mention_gave_up": "Instagram-Erwähnung aufgegeben",
    "mention_stale": "Instagram-Erwähnungen warten seit zwei Tagen",
    "calendar_rejected": "Veranstaltungskalender einer Kommune abgelehnt",
    "channel_failed": "Ein Kanal (Mastodon) veröffentlicht nicht",
    "calendar_cms_access": "Kalenderimport: kein Zugang zum GitLab des Web-Editors",
}
SEVERITY_DE = {WARNING: "Warnung", CRITICAL: "Kritisch"}


@dataclass(frozen=True)
class Problem:
    kind: str  # one of KIND_TITLES (others are allowed, e.g. from a newer stage)
    subject: str  # what it is about: a feature key, a slot, a token name, a path
    severity: str  # WARNING | CRITICAL
    text_de: str  # what happened, in German, one or two sentences
    action_de: str  # what to do, in German

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.subject

    @property
    def title_de(self) -> str:
        return kind_title(self.kind)


def kind_title(kind: str) -> str:
    return KIND_TITLES.get(kind, kind.replace("_", " ").capitalize())


def german_datetime(value: datetime) -> str:
    """"Di., 1. Dezember 2026, 21:05" in Berlin time (the editors' clock, whatever the server's)."""
    local = value.astimezone(BERLIN)
    return f"{german_date(local, 'weekday')}, {local:%H:%M}"
