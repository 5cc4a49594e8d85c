"""The draw's steps on the store, each recorded in the audit trail, and the published data file.

open → freeze → run → contact → answer / replace (notify.py sends the messages and reads answers). Every step writes
content/kampagnen/<slug>.draw.json with only what may be public at that moment: the seed's
hash from the start, the seed itself only after the draw.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.campaigns.model import Campaign, draw_file
from scheduler.campaigns import draw
from scheduler.store.campaigns import CampaignDraw, DrawEvent
from scheduler.store.models import Post, utcnow

ALGORITHM = "HMAC-SHA-256(seed, Zeile), aufsteigend sortiert"
PSEUDONYM = "Zeile: Beitragsnummer, HMAC-SHA-256(seed, 'konto:' + Konto in Kleinbuchstaben)[:16], Zeitpunkt (UTC)"


def log(session: Session, campaign: str, actor: str, action: str, detail: str = "",
        at: datetime | None = None) -> None:
    session.add(DrawEvent(campaign=campaign, actor=actor, action=action, detail=detail, at=at or utcnow()))


def trail(session: Session, campaign: str) -> list[DrawEvent]:
    return list(session.scalars(select(DrawEvent).where(DrawEvent.campaign == campaign).order_by(DrawEvent.id)))


def get_draw(session: Session, campaign: str) -> CampaignDraw:
    row = session.scalar(select(CampaignDraw).where(CampaignDraw.campaign == campaign))
    if row is None:
        raise draw.DrawError(f"Für {campaign} wurde noch kein Gewinnspiel geöffnet (draw open).")
    return row


def open_draw(session: Session, campaign: Campaign, actor: str, now: datetime | None = None,
              seed: bytes | None = None) -> CampaignDraw:
    """Commit: draw a secret seed; only its hash will be public until the draw has run."""
    if campaign.kind != "gewinnspiel":
        raise draw.DrawError(f"{campaign.slug} ist kein Gewinnspiel (kind: {campaign.kind}).")
    if session.scalar(select(CampaignDraw).where(CampaignDraw.campaign == campaign.slug)) is not None:
        raise draw.DrawError(f"{campaign.slug} ist schon geöffnet; ein zweiter Seed würde die Zusage brechen.")
    seed = seed or secrets.token_bytes(32)
    row = CampaignDraw(campaign=campaign.slug, seed_hex=seed.hex(), seed_sha256=draw.seed_hash(seed),
                       opened_at=now or utcnow(), entries=[], rejected=[], winners=[], reserves=[], statuses={})
    session.add(row)
    log(session, campaign.slug, actor, "open", f"seed_sha256={row.seed_sha256}", now)
    return row


def rules_for(campaign: Campaign, region: frozenset[str]) -> draw.Rules:
    return draw.Rules(start=campaign.start, deadline=campaign.end, hashtags=frozenset(campaign.hashtags),
                      region=region, entries_per_account=campaign.entries_per_account,
                      excluded=frozenset(campaign.excluded))


def freeze(session: Session, campaign: Campaign, candidates: list[draw.Candidate], region: frozenset[str],
           actor: str, now: datetime | None = None) -> CampaignDraw:
    """At the deadline: the entry list is fixed and hashed; rejected candidates keep their reason."""
    row = get_draw(session, campaign.slug)
    now = now or utcnow()
    if row.frozen_at is not None:
        raise draw.DrawError(f"Die Teilnahmeliste von {campaign.slug} ist schon eingefroren.")
    if now < campaign.end:
        raise draw.DrawError(f"Einsendeschluss ist {campaign.end:%d.%m.%Y %H:%M}; vorher wird nicht eingefroren.")
    result = draw.eligibility(candidates, rules_for(campaign, region))
    row.entries = draw.entry_lines(result.entries, bytes.fromhex(row.seed_hex))
    row.entries_sha256 = draw.entries_hash(row.entries)
    row.rejected = [{"post_id": r.candidate.post_id, "handle": r.candidate.handle, "reason": r.reason}
                    for r in result.rejected]
    row.frozen_at = now
    log(session, campaign.slug, actor, "freeze",
        f"{len(row.entries)} Teilnahmen, {len(row.rejected)} abgelehnt, entries_sha256={row.entries_sha256}", now)
    for rejected in row.rejected:
        log(session, campaign.slug, actor, "reject_entry",
            f"Beitrag {rejected['post_id']} (@{rejected['handle']}): {rejected['reason']}", now)
    return row


def run(session: Session, campaign: Campaign, actor: str, now: datetime | None = None,
        seed: bytes | None = None) -> CampaignDraw:
    """Reveal: rank the frozen entries with the committed seed (another seed is refused)."""
    row = get_draw(session, campaign.slug)
    if row.frozen_at is None:
        raise draw.DrawError("Erst die Teilnahmeliste einfrieren (draw freeze), dann ziehen.")
    if row.drawn_at is not None:
        raise draw.DrawError(f"{campaign.slug} ist schon gezogen; eine zweite Ziehung gibt es nicht.")
    now = now or utcnow()
    result = draw.run_draw(seed if seed is not None else bytes.fromhex(row.seed_hex), row.seed_sha256,
                           row.entries, campaign.winners, campaign.reserves)
    row.winners, row.reserves, row.drawn_at = result.winners, result.reserves, now
    row.statuses = {line: {"status": "drawn", "since": draw.iso_utc(now), "show_handle": False}
                    for line in result.winners}
    log(session, campaign.slug, actor, "run", f"Gewinn: {result.winners}; Nachrücker: {result.reserves}", now)
    return row


def _set(row: CampaignDraw, line: str, status: str, now: datetime, **extra) -> None:
    statuses = dict(row.statuses)  # a new dict: the JSON column notices the change
    statuses[line] = {**statuses.get(line, {"show_handle": False}), "status": status, "since": draw.iso_utc(now),
                      **extra}
    row.statuses = statuses


def current_winners(row: CampaignDraw) -> list[str]:
    return [line for line, s in row.statuses.items() if s["status"] not in ("replaced", "declined")]


def to_contact(row: CampaignDraw) -> list[str]:
    """Winners (and reserves moved up) who have not been told yet."""
    return [line for line, s in row.statuses.items() if s["status"] == "drawn"]


def mark_contacted(session: Session, row: CampaignDraw, line: str, actor: str, now: datetime, channel: str,
                   comment_id: str | None = None) -> None:
    """The answer period starts now; `notify.contact` sent (or handed the editor) the message."""
    _set(row, line, "contacted", now, channel=channel, comment_id=comment_id)
    log(session, row.campaign, actor, "contact", f"{line} ({channel}{f', Kommentar {comment_id}' if comment_id else ''})",
        now)


def answer(session: Session, campaign: str, post_id: int, accepted: bool, show_handle: bool, actor: str,
           now: datetime | None = None) -> str:
    row, now = get_draw(session, campaign), now or utcnow()
    line = next((l for l in current_winners(row) if l.split(" ")[0] == str(post_id)), None)
    if line is None:
        raise draw.DrawError(f"Beitrag {post_id} ist kein offener Gewinn von {campaign}.")
    named = bool(accepted and show_handle)
    post = session.get(Post, post_id)
    # the handle is kept only with consent to be named: the published lines carry pseudonyms
    _set(row, line, "accepted" if accepted else "declined", now, show_handle=named,
         handle=post.author if named and post is not None else None)
    log(session, campaign, actor, "answer", f"{line}: {'angenommen' if accepted else 'abgelehnt'}"
        f"{', Name darf genannt werden' if accepted and show_handle else ''}", now)
    if not accepted:
        _promote(session, row, campaign, actor, now, f"{line} hat abgelehnt")
    return line


def _promote(session: Session, row: CampaignDraw, campaign: str, actor: str, now: datetime, why: str) -> str | None:
    used = set(row.statuses)
    reserve = next((line for line in row.reserves if line not in used), None)
    if reserve is None:
        log(session, campaign, actor, "no_reserve", why, now)
        return None
    _set(row, reserve, "drawn", now)  # notify.contact tells them next (draw advance does both)
    log(session, campaign, actor, "promote_reserve", f"{why}; nachgerückt: {reserve}", now)
    return reserve


def replace_overdue(session: Session, campaign: Campaign, actor: str, now: datetime | None = None) -> list[str]:
    """Winners contacted more than answer_days ago without an answer are replaced by the next reserve."""
    row, now = get_draw(session, campaign.slug), now or utcnow()
    cutoff = now - timedelta(days=campaign.answer_days)
    overdue = [line for line, s in row.statuses.items()
               if s["status"] == "contacted" and datetime.fromisoformat(s["since"].replace("Z", "+00:00")) <= cutoff]
    for line in overdue:
        _set(row, line, "replaced", now)
        _promote(session, row, campaign.slug, actor, now, f"{line}: keine Antwort in {campaign.answer_days} Tagen")
    return overdue


def published(row: CampaignDraw, campaign: Campaign) -> dict:
    """What the site may show now: never the seed before the draw, never a handle without consent."""
    data: dict = {"campaign": campaign.slug, "algorithm": ALGORITHM, "line": PSEUDONYM, "seed_sha256": row.seed_sha256,
                  "opened_at": draw.iso_utc(row.opened_at), "deadline": draw.iso_utc(campaign.end)}
    if row.frozen_at is not None:
        data.update(frozen_at=draw.iso_utc(row.frozen_at), entries=list(row.entries),
                    entries_sha256=row.entries_sha256, rejected_count=len(row.rejected))
    if row.drawn_at is not None:
        data.update(seed=row.seed_hex, drawn_at=draw.iso_utc(row.drawn_at), winners_count=campaign.winners,
                    reserves_count=campaign.reserves, winners=list(row.winners), reserves=list(row.reserves))
        data["announced"] = [
            {"status": s["status"], "handle": s.get("handle") if s.get("show_handle") else None}
            for line, s in row.statuses.items() if s["status"] not in ("replaced", "declined")]
    return data


def write_published(content_dir: Path | str, data: dict) -> Path:
    """Atomically write content/kampagnen/<slug>.draw.json (the site's only source for the draw)."""
    target = draw_file(content_dir, data["campaign"])
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp")
    staging.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(staging, target)
    return target
