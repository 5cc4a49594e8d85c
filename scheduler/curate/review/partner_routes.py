"""„Vorschläge aus den Kommunen“ on the board: events imported from the municipalities' own
calendars (scheduler/partners/calendars) as drafts in the web editor's workflow.

GET /kommunen/termine   every role that may view (roles.py): the calendars and what each answered
                        (a refusal with its reason), then the suggestions with municipality, title,
                        date, source, the upstream change as a diff, and links to the web editor's
                        draft or the published event. Deciding happens in the web editor
                        („Entwürfe“ → „Veröffentlichen“), so this page changes nothing.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy import select

from plugins.events.model import parse_moment
from plugins.navigation.dates import german_date, german_time
from plugins.region.registry import UnknownMunicipality
from scheduler.curate.review import roles
from scheduler.curate.review.present import german_datetime
from scheduler.partners.calendars.diff import diff_rows
from scheduler.partners.calendars.state import (
    ACCEPTED,
    DISCARDED,
    DRAFT,
    EDITED,
    CalendarImport,
    CalendarSource,
)

PATH = "/kommunen/termine"
STATE_LABELS = {DRAFT: "Entwurf im Redaktionsbereich", EDITED: "von der Redaktion bearbeitet",
                ACCEPTED: "übernommen (veröffentlicht)", DISCARDED: "verworfen"}
HOW_FOUND = {"Anschrift": "Kommune aus der Anschrift", "Ortserkennung": "Kommune aus dem Ortsnamen erkannt",
             "Kontakt": "Kommune des Kalenders (keine andere erkannt)"}


def partner_method(path: str) -> str | None:
    return "GET" if path == PATH else None


def site_url() -> str:
    """The public site (SOISTS_SITE_URL); the web editor is its /admin/."""
    return os.environ.get("SOISTS_SITE_URL", "").rstrip("/")


def date_label(start_text: str) -> str:
    try:
        moment = parse_moment(start_text)
    except ValueError:
        return start_text
    if hasattr(moment, "hour"):
        return f"{german_date(moment, 'weekday')}, {german_time(moment)}"
    return german_date(moment, "weekday") + " (ganztägig)"


def change_note(row: CalendarImport) -> str:
    if not row.diff:
        return ""
    if row.diff_applied:
        return "Der Kalender der Kommune hat den Termin geändert; der unbearbeitete Entwurf wurde angepasst."
    if row.state == ACCEPTED:
        return ("Der Kalender der Kommune hat den Termin geändert, nachdem er veröffentlicht wurde. "
                "Nichts wurde überschrieben: Bitte die Änderung im Redaktionsbereich von Hand übernehmen.")
    if row.state == DISCARDED:
        return "Der Kalender der Kommune hat den verworfenen Termin geändert."
    return ("Der Kalender der Kommune hat den Termin geändert. Der Entwurf wurde nicht überschrieben, weil die "
            "Redaktion ihn bearbeitet hat: Bitte die Änderung im Redaktionsbereich von Hand übernehmen.")


def source_label(url: str) -> str:
    return urlsplit(url).hostname or url[:60]


class PartnerRoutes:
    def __init__(self, app):
        self.app = app

    def handle(self, environ, start_response, path: str, browser, headers: list):
        self.app.require(browser, "view")
        show_all = parse_qs(environ.get("QUERY_STRING", "")).get("alle", [""])[0] == "1"
        with self.app.sessions() as session:
            sources = [self._source(s) for s in session.scalars(select(CalendarSource))]
            chosen = select(CalendarImport)
            if not show_all:
                chosen = chosen.where(CalendarImport.state.in_((DRAFT, EDITED)))
            rows = [self._card(r) for r in session.scalars(chosen.order_by(CalendarImport.start_text,
                                                                           CalendarImport.id).limit(500))]
        sources.sort(key=lambda s: (s["ok"], s["municipality"]))
        return self.app._page(start_response, "partners.html", headers, token=browser.csrf, editor=browser.user,
                              role_label=roles.LABELS.get(browser.role, ""), can=roles.can(browser.role),
                              can_sign_out=self.app.auth.mode == "accounts", current="partners",
                              flash=self.app.flashes.pop(browser.id, None), sources=sources, cards=rows,
                              show_all=show_all, workflow_url=f"{site_url()}/admin/#/workflow")

    def _name(self, ags: str) -> str:
        try:
            municipality = self.app.registry.get(ags)
        except UnknownMunicipality:
            return ags
        return f"{municipality.name} ({municipality.district})"

    def _source(self, source: CalendarSource) -> dict:
        skipped = [line for line in source.skipped_de.splitlines() if line]
        return {"municipality": self._name(source.ags), "url": source.url, "host": source_label(source.url),
                "ok": source.ok, "reason": source.reason_de, "events": source.events_seen, "skipped": skipped,
                "checked": german_datetime(source.checked_utc)}

    def _card(self, row: CalendarImport) -> dict:
        editor_link = f"{site_url()}/admin/#/collections/termine/entries/{quote(row.slug)}"
        return {"id": row.id, "title": row.title, "municipality": self._name(row.ags), "date": date_label(row.start_text),
                "iso": row.start_text.replace(" ", "T"), "state": row.state, "state_label": STATE_LABELS[row.state],
                "how_found": HOW_FOUND.get(row.how_found, ""), "source_host": source_label(row.source_url),
                "source_url": row.event_url if row.event_url.startswith(("https://", "http://")) else row.source_url,
                "calendar_url": row.source_url, "imported": german_datetime(row.imported_utc),
                "changed": german_datetime(row.changed_utc) if row.changed_utc else "",
                "diff": diff_rows(row.diff), "change_note": change_note(row),
                "editor_link": editor_link if row.state in (DRAFT, EDITED) else "",
                "site_link": f"{site_url()}/termine/{quote(row.slug)}/" if row.state == ACCEPTED else ""}
