"""The publishing queue: one row per feature (table `feature_publications`), keyed by
"<local date>-<municipality slug>". The plan stage puts features in, the publisher takes
the due ones out; coverage reads the completed ones."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scheduler.config import BERLIN
from scheduler.publish.state import FeaturePublication


@dataclass(frozen=True)
class FeatureRequest:
    """Everything needed to publish one feature, snapshotted when it is queued."""

    key: str  # community post id, e.g. "2026-11-23-plochingen"
    slot_utc: datetime
    post_uid: str
    ags: str
    municipality_slug: str
    municipality_name: str
    source_image: str  # path of the original photo in the store
    handle: str
    platform: str  # instagram | facebook | email
    taken: date
    alt: str
    consent_date: date
    consent_method: str
    text: str = ""  # the author's caption
    author_name: str = ""
    original_url: str = ""
    original_id: str = ""
    hashtags: tuple[str, ...] = ()

    def to_json(self) -> dict:
        data = asdict(self)
        data.update(slot_utc=self.slot_utc.isoformat(), taken=self.taken.isoformat(),
                    consent_date=self.consent_date.isoformat(), hashtags=list(self.hashtags))
        return data

    @classmethod
    def from_json(cls, data: dict) -> "FeatureRequest":
        return cls(**{**data, "slot_utc": datetime.fromisoformat(data["slot_utc"]),
                      "taken": date.fromisoformat(data["taken"]),
                      "consent_date": date.fromisoformat(data["consent_date"]),
                      "hashtags": tuple(data.get("hashtags", ()))})


def feature_key(slot_utc: datetime, municipality_slug: str) -> str:
    """Default key: local date and municipality, e.g. "2026-11-23-plochingen" (≤ 80 chars)."""
    return f"{slot_utc.astimezone(BERLIN).date().isoformat()}-{municipality_slug}"[:80].rstrip("-")


def enqueue_feature(session: Session, request: FeatureRequest) -> FeaturePublication:
    """Queue a feature once (same key → the existing row)."""
    existing = session.scalar(select(FeaturePublication).where(FeaturePublication.key == request.key))
    if existing is not None:
        return existing
    now = datetime.now(timezone.utc)
    feature = FeaturePublication(key=request.key, slot_utc=request.slot_utc, post_uid=request.post_uid,
                                 ags=request.ags, request=request.to_json(), status="pending",
                                 attempts=0, created_utc=now, updated_utc=now)
    session.add(feature)
    session.commit()
    return feature


def due_features(session: Session, now: datetime) -> list[FeaturePublication]:
    return list(session.scalars(
        select(FeaturePublication)
        .where(FeaturePublication.status == "pending", FeaturePublication.slot_utc <= now,
               or_(FeaturePublication.next_attempt_utc.is_(None), FeaturePublication.next_attempt_utc <= now))
        .order_by(FeaturePublication.slot_utc)))


def retry_feature(session: Session, key: str) -> None:
    """An editor fixed the cause (new token, new image): let the publisher try again."""
    feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == key))
    if feature is None:
        raise KeyError(key)
    feature.status, feature.next_attempt_utc = "pending", None
    session.commit()


def published_features(session: Session) -> list[tuple[str, datetime]]:
    """(AGS, slot) of every completed feature: the input of coverage.coverage_rows."""
    return [(f.ags, f.slot_utc) for f in session.scalars(
        select(FeaturePublication).where(FeaturePublication.status == "done"))]
