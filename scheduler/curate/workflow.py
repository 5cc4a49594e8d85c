"""The curation state machine with its audit trail.

collected → shortlisted | rejected; shortlisted → rights_requested | granted (consent came
with the submission) | rejected; rights_requested → granted | declined | expired (14 days
without an answer). Only granted posts with a municipality are plannable.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from plugins.region.registry import Registry, UnknownMunicipality
from scheduler.curate.aliases import learn_from_post, load_learned
from scheduler.curate.detection import Detector
from scheduler.curate.labels import default_reason, state_label, state_list
from scheduler.store.models import AuditEvent, Consent, Post, State, utcnow

S = State
TRANSITIONS: dict[str, set[str]] = {
    S.COLLECTED: {S.SHORTLISTED, S.REJECTED},
    S.SHORTLISTED: {S.RIGHTS_REQUESTED, S.GRANTED, S.REJECTED, S.COLLECTED},
    S.REJECTED: {S.COLLECTED},  # reopen an editor's (or a rule's) mistake
    S.RIGHTS_REQUESTED: {S.GRANTED, S.DECLINED, S.EXPIRED, S.REJECTED},
    S.GRANTED: {S.REJECTED},  # takedown: the author withdrew consent
    S.DECLINED: {S.RIGHTS_REQUESTED, S.REJECTED},
    S.EXPIRED: {S.RIGHTS_REQUESTED, S.GRANTED, S.REJECTED},  # a late "yes" still counts
}
TRANSITIONS = {k.value: {v.value for v in vs} for k, vs in TRANSITIONS.items()}
CONSENT_STATES = {S.RIGHTS_REQUESTED.value, S.GRANTED.value, S.DECLINED.value, S.EXPIRED.value}
EDITOR_DECISION = "Entscheidung der Redaktion"  # the default reason of a municipality override
PENDING = (S.COLLECTED.value, S.SHORTLISTED.value, S.RIGHTS_REQUESTED.value)


class CurationError(ValueError):
    pass


class StalePost(CurationError):
    """The post changed since the editor's page was rendered (another editor, a job, a stale tab)."""


def stale_message(post: Post) -> str:
    return (f"Beitrag #{post.id} wurde inzwischen geändert (jetzt „{state_label(post.state)}“). "
            "Die Aktion wurde nicht ausgeführt – bitte die Übersicht neu laden und neu entscheiden.")


def claim(session: Session, post_id: int, expected_state: str, expected_version: int) -> Post | None:
    """Lock a post for this transaction if it is still as the editor saw it, else StalePost.

    Two guards, because either alone is not enough everywhere: SELECT … FOR UPDATE makes a
    second transaction on PostgreSQL wait for the first (SQLite ignores it), and the
    compare-and-set UPDATE … WHERE id, state and version match lets exactly one of several
    concurrent transactions through on both databases (SQLite serialises writers, and the
    loser's UPDATE then finds no matching row)."""
    post = session.get(Post, post_id, with_for_update=True)
    if post is None:
        return None
    if post.state != expected_state or post.version != expected_version:
        raise StalePost(stale_message(post))
    moved = session.execute(
        update(Post).where(Post.id == post_id, Post.state == expected_state, Post.version == expected_version)
        .values(version=expected_version + 1).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        session.refresh(post)
        raise StalePost(stale_message(post))
    session.refresh(post)
    return post


def record(session: Session, post: Post, actor: str, action: str, reason: str = "", evidence: str = "",
           from_state: str | None = None, to_state: str | None = None, at: datetime | None = None) -> AuditEvent:
    event = AuditEvent(post=post, actor=actor, action=action, reason=reason, evidence=evidence,
                       from_state=from_state, to_state=to_state, at=at or utcnow())
    session.add(event)
    return event


def transition(session: Session, post: Post, to_state: str, actor: str, reason: str = "",
               evidence: str = "", now: datetime | None = None, credit: str | None = None) -> Post:
    to_state = State(to_state).value
    now = now or utcnow()
    if to_state not in TRANSITIONS[post.state]:
        raise CurationError(f"Beitrag {post.id} hat den Status „{state_label(post.state)}“; von dort geht es nur "
                            f"nach: {state_list(TRANSITIONS[post.state])} – nicht nach „{state_label(to_state)}“.")
    if to_state == S.REJECTED.value and not reason.strip():
        raise CurationError("Eine Ablehnung braucht einen Grund.")
    if to_state == S.GRANTED.value and not evidence.strip():
        raise CurationError("Erteilte Rechte brauchen einen Nachweis (z. B. „DM 2026-11-20: ja, gerne“).")
    reason = reason.strip() or default_reason(to_state)
    if to_state in CONSENT_STATES:
        consent = post.consent or Consent(post=post, status=to_state, evidence="")
        session.add(consent)
        consent.status = to_state
        if to_state == S.RIGHTS_REQUESTED.value:
            consent.requested_at, consent.requested_by, consent.answered_at = now, actor, None
        else:
            consent.answered_at = now
        if evidence:
            consent.evidence = evidence
        if credit:
            consent.credit = credit
    record(session, post, actor, "transition", reason, evidence, post.state, to_state, now)
    post.state, post.state_changed_at = to_state, now
    post.version = (post.version or 0) + 1  # pages rendered before this change are now stale
    return post


def set_municipality(session: Session, post: Post, ref: str, registry: Registry, actor: str,
                     reason: str = EDITOR_DECISION, learn: bool = True) -> Post:
    """Editor override: a slug, AGS or unambiguous name; always wins over the detector.

    With `learn`, location parts the detector could not place are stored as place aliases
    for this municipality (the next post naming them gets it as a suggestion)."""
    try:
        municipality = registry.get(ref)
    except UnknownMunicipality:
        found = registry.lookup_name(ref)
        if len(found) != 1:
            if found:
                raise CurationError(f"„{ref}“ ist mehrdeutig: " + ", ".join(
                    f"{m.name} ({m.district}, {m.slug})" for m in found)) from None
            raise
        municipality = found[0]
    learned = []
    if learn and post.location_name:
        detector = Detector(registry, learned=load_learned(session))
        learned = learn_from_post(session, post, municipality, actor, detector)
    note = "".join(f"; Ortsalias gelernt: „{item.text}“" for item in learned)
    record(session, post, actor, "set_municipality", reason,
           f"{post.municipality_ags or '-'} → {municipality.ags} ({municipality.name}){note}")
    post.municipality_ags = municipality.ags
    post.needs_review = False
    post.version = (post.version or 0) + 1
    return post


def expire_overdue(session: Session, days: int = 14, now: datetime | None = None,
                   actor: str = "scheduler") -> list[Post]:
    """Rights requests without an answer for `days` days become expired (a job runs this daily)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    overdue = session.scalars(
        select(Post).join(Consent).where(Post.state == S.RIGHTS_REQUESTED.value, Consent.requested_at <= cutoff)
    ).all()
    for post in overdue:
        transition(session, post, S.EXPIRED.value, actor, f"keine Antwort innerhalb von {days} Tagen", now=now)
    return list(overdue)


def plannable(session: Session):
    """The planner's input: granted posts that have a municipality (issue 6 reads this)."""
    return select(Post).where(Post.state == S.GRANTED.value, Post.municipality_ags.is_not(None))


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
