"""Place aliases taught by editors: load them for the detector, learn them, list and remove.

When an editor sets a post's municipality and the post's tagged location (or a part of it)
named nothing the detector knew, that phrase is stored against the chosen AGS. Only the
location is learned: hashtags and caption words are too often generic (#sonnenuntergang)
and would then point every post that uses them at one municipality. Editors can add such
phrases deliberately with `python -m scheduler aliases add`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from plugins.region.registry import Municipality, normalise
from scheduler.curate.detection import Detector, location_parts
from scheduler.store.models import PlaceAlias, Post, utcnow

MIN_KEY = 3  # "S", "BW", "DE" name nothing


@dataclass(frozen=True)
class Learned:
    phrase: str  # normalised key
    text: str
    ags: str


def load_learned(session: Session) -> dict[str, tuple[str, ...]]:
    """The detector's input: normalised phrase → every AGS editors chose for it."""
    learned: dict[str, list[str]] = {}
    for phrase, ags in session.execute(select(PlaceAlias.phrase, PlaceAlias.ags).order_by(PlaceAlias.id)):
        learned.setdefault(phrase, []).append(ags)
    return {phrase: tuple(ags) for phrase, ags in learned.items()}


def learnable_phrases(detector: Detector, location: str | None) -> list[str]:
    """Location parts the detector could not place (nothing in the region, outside, or ignored)."""
    parts = location_parts(location or "")
    phrases = [p for p in parts if len(normalise(p)) >= MIN_KEY and not normalise(p).isdigit()]
    return [p for p in dict.fromkeys(phrases) if not detector.resolves(p)]


def add_alias(session: Session, text: str, municipality: Municipality, editor: str,
              post_uid: str | None = None) -> PlaceAlias | None:
    """Store one alias; None when this phrase already points at this municipality."""
    key = normalise(text)
    if len(key) < MIN_KEY:
        raise ValueError(f"{text!r} is too short to be a place alias")
    existing = session.scalar(select(PlaceAlias).where(PlaceAlias.phrase == key, PlaceAlias.ags == municipality.ags))
    if existing is not None:
        return None
    alias = PlaceAlias(phrase=key, text=text.strip()[:300], ags=municipality.ags, editor=editor,
                       post_uid=post_uid, created_utc=utcnow())
    session.add(alias)
    session.flush()  # a second phrase folding to the same key in this transaction sees this row
    return alias


def learn_from_post(session: Session, post: Post, municipality: Municipality, editor: str,
                    detector: Detector) -> list[Learned]:
    learned = []
    for phrase in learnable_phrases(detector, post.location_name):
        if add_alias(session, phrase, municipality, editor, post.uid) is not None:
            learned.append(Learned(normalise(phrase), phrase, municipality.ags))
    return learned


def list_aliases(session: Session) -> list[PlaceAlias]:
    return list(session.scalars(select(PlaceAlias).order_by(PlaceAlias.phrase, PlaceAlias.ags)))


def remove_alias(session: Session, text: str, ags: str | None = None) -> int:
    """Remove the phrase (all its municipalities, or only `ags`); returns how many rows went."""
    query = delete(PlaceAlias).where(PlaceAlias.phrase == normalise(text))
    if ags:
        query = query.where(PlaceAlias.ags == ags)
    return session.execute(query).rowcount or 0
