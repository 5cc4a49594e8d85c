"""„Wer hat das freigegeben?“ — the audit view (issue 27): who did what and when.

Two sources, never updated, only added: the posts' audit events (curate/workflow.record: every
decision, municipality, plan move, pin, hold, caption edit, publish and retry names its actor) and
board events (accounts changed on the admin page or by the CLI; plan slots skipped or replanned).
Filters: person, post, municipality, date range; the same rows as CSV.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.navigation.dates import BERLIN, german_date, german_time
from scheduler.curate.labels import AUDIT_ACTION_LABELS, actor_label, state_label
from scheduler.curate.review.roles import LABELS as ROLE_LABELS
from scheduler.store.models import AuditEvent, BoardEvent, Post

EMPTY = ("{}", "[]")  # machine evidence without content (the collector's empty JSON)
PAGE_ROWS = 300
CSV_ROWS = 50_000
ACTION_LABELS = AUDIT_ACTION_LABELS | {
    "rules": "Regelprüfung", "enriched": "ergänzt", "caption_edit": "Bildtext bearbeitet",
    "plan_move": "im Plan verschoben", "plan_pin": "fest eingeplant", "plan_hold": "zurückgehalten",
    "plan_release": "wieder eingeplant", "plan_skip": "Sendeplatz ausgelassen", "plan_replan": "neu geplant",
    "publish_now": "sofort veröffentlicht", "publish_retry": "erneut versucht",
    "rights_answer": "Antwort auf Rechteanfrage", "mention_comment": "öffentlich angefragt",
    "prize_request": "Gewinnanfrage", "prize_answer": "Antwort auf Gewinnanfrage",
    "account_add": "Konto angelegt", "account_role": "Rolle geändert", "account_password": "Passwort neu gesetzt",
    "account_disable": "Konto gesperrt", "account_enable": "Konto entsperrt", "account_remove": "Konto gelöscht",
    "totp_enrol": "Zweiter Faktor eingerichtet", "totp_reset": "Zweiter Faktor zurückgesetzt",
    "totp_required": "Zweiter Faktor verlangt", "totp_optional": "Zweiter Faktor freiwillig",
    "takedown": "überall entfernen angestoßen", "takedown_resume": "Entfernung fortgesetzt",
    "takedown_confirm": "von Hand gelöscht (bestätigt)", "takedown_deploy": "Website nach Entfernung hochgeladen",
    "takedown_deploy_failed": "Hochladen nach Entfernung fehlgeschlagen", "takedown_done": "Entfernung abgeschlossen",
}


@dataclass(frozen=True)
class Filters:
    person: str = ""
    post: int | None = None
    municipality: str = ""  # AGS
    first: date | None = None
    last: date | None = None

    def query(self) -> dict[str, str]:
        return {k: str(v) for k, v in (("person", self.person), ("post", self.post or ""),
                                       ("municipality", self.municipality),
                                       ("from", self.first.isoformat() if self.first else ""),
                                       ("to", self.last.isoformat() if self.last else "")) if v}


@dataclass(frozen=True)
class Row:
    at: datetime
    actor: str
    action: str
    post_id: int | None
    municipality: str  # AGS or ""
    from_state: str
    to_state: str
    text: str


def _bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """Berlin days → UTC instants (the store keeps UTC)."""
    start = datetime.combine(filters.first, time(0), BERLIN) if filters.first else None
    end = datetime.combine(filters.last + timedelta(days=1), time(0), BERLIN) if filters.last else None
    return start, end


def rows(session: Session, filters: Filters, limit: int = PAGE_ROWS) -> list[Row]:
    start, end = _bounds(filters)
    posts = (select(AuditEvent, Post.municipality_ags).join(Post, AuditEvent.post_id == Post.id)
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    if filters.person:
        posts = posts.where(AuditEvent.actor == filters.person)
    if filters.post:
        posts = posts.where(AuditEvent.post_id == filters.post)
    if filters.municipality:
        posts = posts.where(Post.municipality_ags == filters.municipality)
    if start:
        posts = posts.where(AuditEvent.at >= start)
    if end:
        posts = posts.where(AuditEvent.at < end)
    found = [Row(e.at, e.actor, e.action, e.post_id, ags or "", e.from_state or "", e.to_state or "",
                 " · ".join(t for t in (e.reason, e.evidence) if t and t not in EMPTY)) for e, ags in session.execute(posts)]
    if not filters.post and not filters.municipality:  # board events belong to no post
        board = select(BoardEvent).order_by(BoardEvent.at.desc(), BoardEvent.id.desc()).limit(limit)
        if filters.person:
            board = board.where(BoardEvent.actor == filters.person)
        if start:
            board = board.where(BoardEvent.at >= start)
        if end:
            board = board.where(BoardEvent.at < end)
        found += [Row(e.at, e.actor, e.action, None, "", "", "", " · ".join(t for t in (e.subject, _roles(e)) if t))
                  for e in session.scalars(board)]
    return sorted(found, key=lambda r: r.at, reverse=True)[:limit]


def note(session: Session, actor: str, action: str, subject: str, detail: str = "") -> None:
    """A board event for what has no post: a slot skipped or replanned from the plan view."""
    session.add(BoardEvent(at=datetime.now(timezone.utc), actor=actor, action=action, subject=subject[:120],
                           detail=detail))


def _roles(event: BoardEvent) -> str:
    """An account event's role keys ("lesen → redaktion") as their German names."""
    if event.action not in ("account_add", "account_role"):
        return event.detail
    return " → ".join(ROLE_LABELS.get(part, part) for part in event.detail.split(" → "))


def people(session: Session) -> list[str]:
    names = set(session.scalars(select(AuditEvent.actor).distinct())) | set(
        session.scalars(select(BoardEvent.actor).distinct()))
    return sorted(names, key=str.casefold)


def local(value: datetime) -> datetime:
    return value.astimezone(BERLIN)


def view(row: Row, municipality_name) -> dict:
    moment = local(row.at)
    change = (f"{state_label(row.from_state)} → {state_label(row.to_state)}"
              if row.from_state and row.to_state and row.from_state != row.to_state else "")
    text = row.text
    return {"iso": row.at.isoformat(), "day": german_date(moment), "clock": german_time(moment),
            "actor": actor_label(row.actor), "action": ACTION_LABELS.get(row.action, row.action),
            "post": row.post_id, "municipality": municipality_name(row.municipality) if row.municipality else "",
            "change": change, "text": text}


def to_csv(found: list[Row], municipality_name) -> bytes:
    """UTF-8 with BOM (Excel opens it with umlauts), semicolons (German Excel), ISO times in Berlin."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Zeit", "Person", "Aktion", "Beitrag", "Kommune", "Status", "Grund, Nachweis, Details"])
    for row in found:
        shown = view(row, municipality_name)
        writer.writerow([local(row.at).isoformat(timespec="seconds"), _cell(row.actor), shown["action"],
                         row.post_id or "", shown["municipality"], shown["change"], _cell(shown["text"])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(text: str) -> str:
    """A cell a spreadsheet never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
