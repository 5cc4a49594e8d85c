"""Store collected posts exactly once: rules, image, near-duplicates, municipality, audit.

Each post is stored in its own transaction; the unique ``uid`` makes a repeated or resumed
run skip what is already there, so an import killed halfway can simply run again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from plugins.region.registry import Registry, UnknownMunicipality
from scheduler.campaigns.collecting import campaign_of
from scheduler.collect import graph_refs
from scheduler.collect.media_store import BadImage, find_near_duplicate, store_image
from scheduler.collect.sources.base import CollectedPost
from scheduler.config import Settings
from scheduler.curate import rules
from scheduler.curate.aliases import load_learned
from scheduler.curate.detection import Detector
from scheduler.curate.workflow import record
from scheduler.store.models import Image, Post, SourceCursor, State, utcnow

ACTOR = "collector"


@dataclass
class RunReport:
    stored: int = 0
    already_known: int = 0
    rejected_by_rules: int = 0
    needs_review: int = 0
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.stored} new ({self.rejected_by_rules} rejected by rules, {self.needs_review} need a "
                f"municipality check), {self.already_known} already known")


def source_label(collected: CollectedPost) -> str:
    """The file a person would look for (manual and folder imports), else the post's uid."""
    return str(collected.evidence.get("path") or collected.evidence.get("file") or collected.uid)


class DbCursorStore:
    """SourceCursor rows: where each resumable source stopped."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def load(self, name: str) -> dict | None:
        with self.sessions() as session:
            row = session.scalar(select(SourceCursor).where(SourceCursor.name == name))
            return row.state if row else None

    def save(self, name: str, state: dict | None, message: str = "") -> None:
        with self.sessions.begin() as session:
            row = session.scalar(select(SourceCursor).where(SourceCursor.name == name))
            if row is None:
                row = SourceCursor(name=name)
                session.add(row)
            row.state = json.loads(json.dumps(state)) if state is not None else None
            row.updated_at, row.last_message = utcnow(), message


class Collector:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings, registry: Registry):
        self.sessions, self.settings, self.registry = sessions, settings, registry
        self._detector: Detector | None = None
        self.notes: list[str] = []  # per-file verdicts of this run that a person should read

    def detector(self, session: Session) -> Detector:
        """Built once per run with the aliases editors taught so far (read from the store here,
        so that detection itself stays free of database access)."""
        if self._detector is None:
            self._detector = Detector(self.registry, learned=load_learned(session))
        return self._detector

    def run(self, posts: Iterable[CollectedPost], report: RunReport | None = None,
            on_post: Callable[[CollectedPost, str], None] | None = None) -> RunReport:
        report = report or RunReport()
        self._detector = None  # aliases taught since the last run count from now on
        self.notes = []
        for collected in posts:
            outcome = self.store(collected)
            if outcome == "known":
                report.already_known += 1
            else:
                report.stored += 1
                report.rejected_by_rules += outcome == "rejected"
                report.needs_review += outcome == "review"
            if on_post:
                on_post(collected, outcome)
        report.messages.extend(self.notes)
        return report

    def store(self, collected: CollectedPost) -> str:
        """Store one post; returns 'known', 'rejected', 'review' or 'ok'."""
        with self.sessions.begin() as session:
            if session.scalar(select(Post.id).where(Post.uid == collected.uid)) is not None:
                note = graph_refs.enrich_known(session, collected)
                if note:
                    post = session.scalar(select(Post).where(Post.uid == collected.uid))
                    record(session, post, ACTOR, "enriched", note, json.dumps(collected.evidence, default=str))
                return "known"
            verdict = rules.check_text(collected, self.settings)
            post = Post(uid=collected.uid, source=collected.source, shortcode=collected.shortcode,
                        permalink=collected.permalink, author=collected.author, author_id=collected.author_id,
                        caption=collected.caption, hashtags=list(collected.hashtags),
                        location_name=collected.location, taken_at=collected.taken_at,
                        is_video=collected.is_video, state=State.COLLECTED.value,
                        campaign=campaign_of(self.settings.root / "content", collected.hashtags, collected.taken_at))
            session.add(post)
            session.flush()  # an id for the audit rows
            self._detect(post, collected, self.detector(session))
            if verdict.accepted:
                verdict = self._image(session, post, collected)
            graph_refs.store_ref(session, post, collected, self.settings.media_dir, self.settings.thumbnail_px,
                                 with_images=verdict.accepted)
            if verdict.accepted and collected.author:  # unknown authors (hashtag API) are not one author
                verdict = rules.check_author_cap(self._author_posts_in_week(session, post), self.settings)
            evidence = json.dumps(collected.evidence, ensure_ascii=False, default=str)
            record(session, post, ACTOR, "collected", f"gesammelt über {collected.source}", evidence, None, State.COLLECTED.value)
            if not verdict.accepted:
                record(session, post, "rules", "transition", verdict.reason, "", post.state, State.REJECTED.value)
                post.state = State.REJECTED.value
                return "rejected"
            if collected.consent:
                self._consent(session, post, collected)
            return "review" if post.needs_review else "ok"

    def _detect(self, post: Post, collected: CollectedPost, detector: Detector) -> None:
        detection = detector.detect(collected.location, collected.caption, collected.hashtags)
        post.suggested_ags, post.detection_confidence = detection.ags, detection.confidence
        post.detection_candidates, post.detection_reason = list(detection.candidates), detection.reason
        post.needs_review = detection.needs_review
        post.municipality_ags = detection.ags if detection.certain else None
        if collected.municipality:  # a person named it (manual submission): that wins
            try:
                municipality = self.registry.get(collected.municipality)
                post.municipality_ags, post.needs_review = municipality.ags, False
                post.detection_reason = f"vom Einsender genannt: {municipality.name}"
            except UnknownMunicipality as exc:
                post.detection_reason += f"; Kommune des Einsenders nicht erkannt: „{exc.value}“"

    def _image(self, session: Session, post: Post, collected: CollectedPost) -> rules.Verdict:
        try:
            stored = store_image(self.settings.media_dir, collected.uid, collected.load_image,
                                 self.settings.thumbnail_px)
        except (BadImage, OSError, ValueError) as exc:
            # One bad file is one rejected post (named, so a rerun knows it and goes on),
            # never the end of the whole import.
            reason = f"Bild nicht verwendbar ({source_label(collected)}): {exc}"
            self.notes.append(reason)
            return rules.Verdict(False, reason)
        session.add(Image(post=post, **stored.__dict__))
        verdict = rules.check_image(stored.width, stored.height, self.settings)
        if not verdict.accepted:
            return verdict
        known = session.execute(
            select(Image.post_id, Image.phash).join(Post).where(Image.post_id != post.id,
                                                                Post.state != State.REJECTED.value)
        ).all()
        duplicate = find_near_duplicate(stored.phash, [tuple(row) for row in known],
                                        self.settings.near_duplicate_distance)
        if duplicate is not None:
            post.duplicate_of_id = duplicate
            return rules.Verdict(False, f"Beinahe-Duplikat von Beitrag {duplicate} (Bild-Hash)")
        return rules.ACCEPT

    def _author_posts_in_week(self, session: Session, post: Post) -> int:
        start = post.taken_at - timedelta(days=7)
        return session.scalar(select(func.count(Post.id)).where(
            Post.author == post.author, Post.id != post.id, Post.state != State.REJECTED.value,
            Post.taken_at > start, Post.taken_at <= post.taken_at + timedelta(days=7))) or 0

    def _consent(self, session: Session, post: Post, collected: CollectedPost) -> None:
        """A submission that came with the author's permission goes straight to granted."""
        from scheduler.curate.workflow import transition

        consent = collected.consent or {}
        transition(session, post, State.SHORTLISTED.value, ACTOR, "mit Einwilligung eingereicht")
        transition(session, post, State.GRANTED.value, ACTOR, "Einwilligung mit der Einreichung erteilt",
                   consent.get("evidence", ""), credit=consent.get("credit"))
