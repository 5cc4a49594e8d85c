"""The plan's operations — one implementation that the CLI and the review board's plan view call.

move (swap two slots), pin, hold, skip, replan from a slot, edit a caption, publish now and
retry a failed feature. Each operation:
- bumps the plan's revision by compare-and-set (`expected_revision`, the board passes the one
  its page was rendered with; the CLI passes None) and, where slots are involved, checks that
  the slots still hold what the editor saw (`expected`), so a stale page changes nothing;
- records who did it (editor choices keep the editor; posts get an audit event);
- leaves the queue as the scheduled plan job would (`refresh_queue`): the slots of the next
  48 hours are queued again from the new plan.
A queued feature may be moved, skipped or held only while nothing of it has run yet (status
pending, no step, no attempt): it is taken out of the queue and its post pinned where it goes.
Messages are German: the board shows them, the CLI prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from plugins.navigation.dates import BERLIN, german_date
from plugins.region.registry import Registry
from scheduler.curate.workflow import CurationError, claim, record
from scheduler.plan import editor_choices
from scheduler.plan.enqueue import PlanningConfig, PlanResult, build_plan, feature_request, plan_and_enqueue
from scheduler.plan.operations_publish import publish_one, status_message
from scheduler.plan.plan_state import CaptionOverride, PlanRevision, caption_budget, caption_text
from scheduler.plan.slots import slots_between
from scheduler.publish.queue import enqueue_feature, retry_feature
from scheduler.publish.state import FeaturePublication
from scheduler.store.models import Post, utcnow


class PlanError(CurationError):
    """An operation refused, with the German reason (the CLI exits with its usage code)."""


class StalePlan(PlanError):
    """The plan changed since the editor's page was rendered."""


STALE = ("Der Plan wurde inzwischen geändert (von einer anderen Person oder durch neue Beiträge). "
         "Nichts wurde verändert – bitte den Redaktionsplan neu laden.")
SENT_STEPS = ("instagram", "facebook")
CHOICE_NAMES = {"pin": "Feste Einplanung", "hold": "Zurückhalten", "skip": "Auslassen des Sendeplatzes"}


@dataclass(frozen=True)
class Planner:
    """What every operation needs: the registry, the planning settings and the moment."""

    registry: Registry
    config: PlanningConfig
    now: datetime


@dataclass(frozen=True)
class SlotEntry:
    """One slot of the plan as the board and the CLI see it."""

    slot_utc: datetime
    kind: str  # queued | pinned | planned | skipped | empty
    post_uid: str | None
    ags: str | None
    reason: str  # the planner's reason (English, the CLI's words)
    feature_key: str | None = None
    feature_status: str | None = None


def slot_text(slot: datetime) -> str:
    """"Mo., 7. Dezember 2026, 18:00" (Berlin time) for messages."""
    local = slot.astimezone(BERLIN)
    return f"{german_date(local, 'weekday')}, {local:%H:%M}"


# --- reading -----------------------------------------------------------------------------

def snapshot(session: Session, planner: Planner, until: datetime | None = None) -> PlanResult:
    """The plan from now on, long enough to reach `until` (the board's weeks); reads only."""
    config = planner.config
    if until is not None:
        count = len(slots_between(config.schedule, planner.now, until + timedelta(microseconds=1)))
        config = replace(config, horizon=max(config.horizon, count))
    return build_plan(session, planner.registry, config, planner.now)


def entries(result: PlanResult, choices: editor_choices.EditorChoices) -> list[SlotEntry]:
    queued = {f.slot_utc: f for f in result.queued}
    planned = {p.slot_utc: p for p in result.planned}
    found = []
    for slot in result.slots:
        if slot in queued:
            f = queued[slot]
            found.append(SlotEntry(slot, "queued", f.post_uid, f.ags, f"queued ({f.status})", f.key, f.status))
            continue
        p = planned.get(slot)
        if p is None:
            continue
        kind = ("skipped" if slot in choices.skips else "pinned" if slot in choices.pins and p.post_id
                else "planned" if p.post_id else "empty")
        found.append(SlotEntry(slot, kind, p.post_id, p.ags, p.reason))
    return found


def current_entries(session: Session, planner: Planner, until: datetime | None = None) -> list[SlotEntry]:
    return entries(snapshot(session, planner, until), editor_choices.load_choices(session))


def revision(session: Session) -> int:
    row = session.get(PlanRevision, 1)
    return row.version if row else 0


# --- guards ------------------------------------------------------------------------------

def _advance(session: Session, expected: int | None, editor: str) -> None:
    """Compare-and-set on the plan's revision: one of several concurrent operations gets through."""
    if session.get(PlanRevision, 1) is None:
        session.add(PlanRevision(id=1, version=0, editor=""))
        session.flush()
    query = update(PlanRevision).where(PlanRevision.id == 1)
    if expected is not None:
        query = query.where(PlanRevision.version == expected)
    moved = session.execute(query.values(version=PlanRevision.version + 1, editor=editor, changed_utc=utcnow())
                            .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        session.rollback()
        raise StalePlan(STALE)


def _entry(table: dict[datetime, SlotEntry], slot: datetime) -> SlotEntry:
    if slot not in table:
        raise PlanError(f"Den Sendeplatz {slot_text(slot)} gibt es im Plan nicht (vorbei oder kein Sendeplatz).")
    return table[slot]


def _feature(session: Session, key: str) -> FeaturePublication:
    feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == key))
    if feature is None:
        raise PlanError(f"Die Veröffentlichung „{key}“ gibt es nicht.")
    return feature


def _release(session: Session, entry: SlotEntry) -> None:
    """Take a queued feature out of the queue again — only while nothing of it has run."""
    if entry.kind != "queued":
        return
    feature = _feature(session, entry.feature_key)
    if feature.status != "pending" or feature.steps or feature.attempts:
        raise PlanError(f"„{feature.key}“ wird schon veröffentlicht oder ist veröffentlicht; "
                        "dieser Sendeplatz lässt sich nicht mehr ändern.")
    session.delete(feature)
    session.flush()


def post_by_ref(session: Session, ref: str) -> Post:
    """A post by its board id ("12") or its uid ("instagram:ABC")."""
    post = session.get(Post, int(ref)) if ref.isdigit() else session.scalar(select(Post).where(Post.uid == ref))
    if post is None:
        raise PlanError(f"Einen Beitrag „{ref}“ gibt es nicht (die Nummer aus der Übersicht oder die uid angeben).")
    return post


def _audit(session: Session, uid: str | None, editor: str, action: str, reason: str) -> None:
    post = session.scalar(select(Post).where(Post.uid == uid)) if uid else None
    if post is not None:
        record(session, post, editor, action, reason)


def refresh_queue(session: Session, planner: Planner) -> list[str]:
    """What the scheduled plan job does: queue the near slots of the new plan."""
    return plan_and_enqueue(session, planner.registry, planner.config, planner.now)[1]


# --- the operations ----------------------------------------------------------------------

def move(session: Session, planner: Planner, source: datetime, target: datetime, editor: str,
         expected_revision: int | None = None, expected: tuple[str, str] | None = None) -> str:
    """Move the source slot's post to the target slot; the target's post (if any) goes to the source."""
    if source == target:
        raise PlanError("Quelle und Ziel sind derselbe Sendeplatz.")
    table = {e.slot_utc: e for e in current_entries(session, planner, max(source, target))}
    a, b = _entry(table, source), _entry(table, target)
    if expected is not None and ((a.post_uid or ""), (b.post_uid or "")) != expected:
        raise StalePlan(STALE)
    if not a.post_uid:
        raise PlanError(f"Auf dem Sendeplatz {slot_text(source)} ist nichts geplant, das sich verschieben ließe.")
    _advance(session, expected_revision, editor)
    _release(session, a)
    _release(session, b)
    editor_choices.remove_choice(session, "skip", slot=target, commit=False)
    editor_choices.set_choice(session, "pin", slot=target, post_uid=a.post_uid, editor=editor,
                              reason=f"verschoben von {slot_text(source)}", commit=False)
    if b.post_uid:
        editor_choices.set_choice(session, "pin", slot=source, post_uid=b.post_uid, editor=editor,
                                  reason=f"getauscht mit {slot_text(target)}", commit=False)
        _audit(session, b.post_uid, editor, "plan_move", f"auf {slot_text(source)} verschoben (Tausch)")
    else:
        editor_choices.remove_choice(session, "pin", slot=source, commit=False)
    _audit(session, a.post_uid, editor, "plan_move", f"von {slot_text(source)} auf {slot_text(target)} verschoben")
    session.commit()
    refresh_queue(session, planner)
    swapped = " (getauscht)" if b.post_uid else ""
    return f"Verschoben: {slot_text(source)} → {slot_text(target)}{swapped}."


def pin(session: Session, planner: Planner, post_ref: str, slot: datetime, editor: str, reason: str = "",
        expected_revision: int | None = None) -> str:
    post = post_by_ref(session, post_ref)
    uid = post.uid
    _advance(session, expected_revision, editor)
    editor_choices.set_choice(session, "pin", slot=slot, post_uid=uid, editor=editor, reason=reason, commit=False)
    _audit(session, uid, editor, "plan_pin", reason or f"fest auf {slot_text(slot)} gesetzt")
    session.commit()
    refresh_queue(session, planner)
    return f"Beitrag #{post.id} ist fest für {slot_text(slot)} eingeplant."


def hold(session: Session, planner: Planner, post_ref: str, editor: str, reason: str = "",
         expected_revision: int | None = None) -> str:
    """Never plan this post (until the hold is removed); out of the queue if nothing of it ran yet."""
    post = post_by_ref(session, post_ref)
    uid, number = post.uid, post.id
    queued = session.scalar(select(FeaturePublication).where(FeaturePublication.post_uid == uid,
                                                             FeaturePublication.status != "done"))
    _advance(session, expected_revision, editor)
    if queued is not None:
        _release(session, SlotEntry(queued.slot_utc, "queued", uid, queued.ags, "", queued.key, queued.status))
    editor_choices.set_choice(session, "hold", post_uid=uid, editor=editor, reason=reason, commit=False)
    _audit(session, uid, editor, "plan_hold", reason or "zurückgehalten")
    session.commit()
    refresh_queue(session, planner)
    return f"Beitrag #{number} wird zurückgehalten und nicht eingeplant."


def skip(session: Session, planner: Planner, slot: datetime, editor: str, reason: str = "",
         expected_revision: int | None = None, expected: str | None = None) -> str:
    """Leave a slot empty; its planned post goes back to the pool."""
    table = {e.slot_utc: e for e in current_entries(session, planner, slot)}
    entry = table.get(slot)
    if entry is not None and expected is not None and (entry.post_uid or "") != expected:
        raise StalePlan(STALE)
    _advance(session, expected_revision, editor)
    if entry is not None:
        _release(session, entry)
        editor_choices.remove_choice(session, "pin", slot=slot, commit=False)
    editor_choices.set_choice(session, "skip", slot=slot, editor=editor, reason=reason, commit=False)
    session.commit()
    refresh_queue(session, planner)
    return f"Der Sendeplatz {slot_text(slot)} bleibt leer."


def remove(session: Session, planner: Planner, kind: str, editor: str, *, slot: datetime | None = None,
           post_ref: str | None = None, expected_revision: int | None = None) -> str:
    """Undo a pin, hold or skip."""
    uid = post_by_ref(session, post_ref).uid if post_ref else None
    _advance(session, expected_revision, editor)
    done = editor_choices.remove_choice(session, kind, slot=slot, post_uid=uid, commit=False)
    if done and kind == "hold":
        _audit(session, uid, editor, "plan_release", "wieder zum Einplanen freigegeben")
    session.commit()
    refresh_queue(session, planner)
    what = CHOICE_NAMES.get(kind, kind)
    return f"{what} aufgehoben." if done else f"{what}: nichts dergleichen gefunden."


def replan_from(session: Session, planner: Planner, slot: datetime, editor: str,
                expected_revision: int | None = None) -> str:
    """From this slot on, forget pins and skips and let the fair rotation plan again.

    Holds stay (they are about a post, not a slot); features that started publishing stay."""
    entries_now = current_entries(session, planner, slot)
    _advance(session, expected_revision, editor)
    for entry in entries_now:
        if entry.slot_utc >= slot and entry.kind == "queued":
            try:
                _release(session, entry)
            except PlanError:
                continue  # already publishing: it keeps its slot
    dropped = 0
    for choice in editor_choices.all_choices(session):
        if choice.kind in ("pin", "skip") and choice.slot_utc and choice.slot_utc >= slot:
            session.delete(choice)
            dropped += 1
    session.commit()
    refresh_queue(session, planner)
    return f"Ab {slot_text(slot)} neu geplant ({dropped} Festlegung(en) aufgehoben)."


def edit_caption(session: Session, post_id: int, text: str, editor: str,
                 expected_version: int | None = None) -> str:
    """A new free text for the caption (credit, place, link and hashtags are always added)."""
    text = text.replace("\r\n", "\n").strip()
    post = session.get(Post, post_id)
    if post is None:
        raise PlanError(f"Beitrag #{post_id} gibt es nicht.")
    features = list(session.scalars(select(FeaturePublication).where(FeaturePublication.post_uid == post.uid)))
    if any(caption_locked(f) for f in features):
        raise PlanError(f"Beitrag #{post_id} ist schon auf Instagram oder Facebook; der Bildtext bleibt, wie er ist.")
    budget = min(caption_budget(f.request, f.key) for f in features) if features else None
    if budget is not None and len(text) > budget:
        raise PlanError(f"Der Text ist {len(text) - budget} Zeichen zu lang (höchstens {budget} Zeichen, "
                        "damit der Bildtext mit Nennung, Ort, Link und Hashtags unter 2.200 Zeichen bleibt).")
    if expected_version is not None:
        post = claim(session, post_id, post.state, expected_version)
    before = caption_text(session, post)
    session.add(CaptionOverride(post_uid=post.uid, text=text, editor=editor, created_utc=utcnow()))
    for feature in features:  # the queued snapshot is what the publisher will post
        feature.request = {**feature.request, "text": text}
    record(session, post, editor, "caption_edit", "Bildtext geändert", f"vorher: {before}\nneu: {text}")
    if expected_version is None:
        post.version = (post.version or 0) + 1
    session.commit()
    return f"Bildtext von Beitrag #{post_id} gespeichert."


def caption_locked(feature: FeaturePublication) -> bool:
    """Once a channel has the caption (a container made, a post intended or done), it stays."""
    return feature.status == "done" or any(
        s.step in SENT_STEPS and (s.state == "done" or {"container_id", "intent", "media_id"} & set(s.data or {}))
        for s in feature.steps)


def retry(session: Session, key: str, editor: str, now: datetime, publisher=None,
          expected_status: str | None = None, expected_attempts: int | None = None) -> str:
    """The publisher's retry: the feature runs again from the step that failed (never a second post)."""
    feature = _feature(session, key)
    if expected_status is not None and (feature.status, feature.attempts) != (expected_status, expected_attempts):
        raise PlanError(f"„{key}“ hat sich inzwischen geändert. Bitte die Seite neu laden.")
    if feature.status not in ("failed", "needs_editor"):
        raise PlanError(f"„{key}“ ist nicht fehlgeschlagen; es gibt nichts zu wiederholen.")
    retry_feature(session, key)
    _audit(session, feature.post_uid, editor, "publish_retry", "Veröffentlichung erneut versucht")
    session.commit()
    if publisher is None or feature.slot_utc > now:
        return f"„{key}“ steht wieder in der Warteschlange."
    return status_message(key, publish_one(session, feature, publisher, now))


def publish_now(session: Session, planner: Planner, slot: datetime, editor: str, publisher,
                expected_revision: int | None = None, expected: str | None = None) -> str:
    """Publish the slot's feature now: a queued one as it is, a planned one queued for this moment."""
    table = {e.slot_utc: e for e in current_entries(session, planner, slot)}
    entry = _entry(table, slot)
    if expected is not None and (entry.post_uid or "") != expected:
        raise StalePlan(STALE)
    if not entry.post_uid:
        raise PlanError(f"Auf dem Sendeplatz {slot_text(slot)} ist nichts geplant.")
    _advance(session, expected_revision, editor)
    if entry.kind == "queued":
        feature = _feature(session, entry.feature_key)
        if feature.status != "pending":
            raise PlanError(f"„{feature.key}“ ist nicht bereit (Status: {feature.status}).")
        feature.slot_utc = min(feature.slot_utc, planner.now)  # due now: the publisher takes it
    else:
        post = post_by_ref(session, entry.post_uid)
        editor_choices.remove_choice(session, "pin", slot=slot, commit=False)
        at = planner.now.replace(microsecond=0)
        feature = enqueue_feature(session, feature_request(post, at, planner.registry, planner.config.media_dir))
    _audit(session, entry.post_uid, editor, "publish_now", "sofort veröffentlicht")
    session.commit()
    return status_message(feature.key, publish_one(session, feature, publisher, planner.now))
