"""Store, migrations, rules, media and the curation state machine."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from scheduler.collect.ingest import Collector
from scheduler.collect.sources.base import CollectedPost
from scheduler.collect.sources.manual import ManualSource
from scheduler.curate import workflow as curation
from scheduler.store.db import make_engine
from scheduler.store.models import AuditEvent, Base, Image, Post, State
from tests.scheduler.scheduler_fakes import photo

pytestmark = pytest.mark.both_databases  # SQLite and PostgreSQL (tests/conftest.py)

def collected(i: int, author: str = "anna", caption: str = "Altstadt #esslingen", image: bytes | None = None,
              is_video: bool = False, days: int = 0) -> CollectedPost:
    data = image if image is not None else photo(i)
    return CollectedPost(uid=f"instagram:X{i}", source="folder", author=author, caption=caption,
                         hashtags=tuple(t[1:] for t in caption.split() if t.startswith("#")),
                         taken_at=datetime(2026, 11, 2, tzinfo=timezone.utc) + timedelta(days=days, hours=i),
                         load_image=lambda: data, is_video=is_video, shortcode=f"X{i}")


def test_migration_creates_the_models_schema(settings, sessions):
    with make_engine(settings.db_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_stored_once_images_and_thumbnails_made_once(sessions, settings, registry):
    loads = []
    post = collected(1)
    counting = CollectedPost(**{**post.__dict__, "load_image": lambda: loads.append(1) or photo(1)})
    collector = Collector(sessions, settings, registry)
    assert collector.store(counting) == "ok"
    thumb = settings.media_dir / "thumbnails" / "instagram_X1.jpg"
    first_mtime = thumb.stat().st_mtime_ns
    assert collector.store(counting) == "known"
    with sessions() as session:  # a post deleted from the DB but whose files exist: no new download
        session.query(AuditEvent).delete(); session.query(Image).delete(); session.query(Post).delete()
        session.commit()
    assert collector.store(counting) == "ok"
    assert loads == [1] and thumb.stat().st_mtime_ns == first_mtime
    with sessions() as session:
        image = session.scalar(select(Image))
        assert (image.width, image.height) == (200, 200) and len(image.phash) == 16


def test_near_duplicate_is_rejected_with_reference(sessions, settings, registry):
    import io

    from PIL import Image as PILImage

    collector = Collector(sessions, settings, registry)
    collector.store(collected(1))
    # the same photo re-encoded smaller: different bytes, same perceptual hash
    smaller = io.BytesIO()
    PILImage.open(io.BytesIO(photo(1))).resize((150, 150)).save(smaller, "JPEG", quality=60)
    assert collector.store(collected(2, image=smaller.getvalue())) == "rejected"
    with sessions() as session:
        post = session.scalar(select(Post).where(Post.uid == "instagram:X2"))
        assert post.state == "rejected" and post.duplicate_of_id == 1
        assert "Beinahe-Duplikat von Beitrag 1" in post.events[-1].reason and post.events[-1].actor == "rules"


@pytest.mark.parametrize("changes, post, reason", [
    ({"blocked_keywords": ("werbung",)}, dict(caption="Tolle #Werbung in #esslingen"), "gesperrtes Stichwort „werbung“"),
    ({"blocked_authors": ("spam_shop",)}, dict(author="Spam_Shop"), "Sperrliste"),
    ({"video_policy": "skip"}, dict(is_video=True), "Video"),
    ({"min_image_px": 600}, {}, "Bild zu klein"),
])
def test_collection_rules(sessions, with_settings, registry, changes, post, reason):
    collector = Collector(sessions, with_settings(**changes), registry)
    assert collector.store(collected(1, **post)) == "rejected"
    with sessions() as session:
        assert reason in session.scalar(select(Post)).events[-1].reason


def test_author_cap_per_week(sessions, with_settings, registry):
    collector = Collector(sessions, with_settings(author_weekly_cap=2), registry)
    outcomes = [collector.store(collected(i, author="viel")) for i in range(3)]
    assert outcomes == ["ok", "ok", "rejected"]
    assert collector.store(collected(9, author="viel", days=20)) == "ok"  # a later week


def test_state_machine_audit_and_plannable(sessions, settings, registry):
    Collector(sessions, settings, registry).store(collected(1))
    t0 = datetime(2026, 11, 3, 9, tzinfo=timezone.utc)
    with sessions.begin() as session:
        post = session.get(Post, 1)
        assert post.municipality_ags == "08116019" and not post.plannable
        with pytest.raises(curation.CurationError):
            curation.transition(session, post, State.GRANTED.value, "eva", evidence="x")  # not from collected
        curation.transition(session, post, State.SHORTLISTED.value, "eva", "schönes Licht", now=t0)
        curation.transition(session, post, State.RIGHTS_REQUESTED.value, "eva", "DM gesendet", now=t0)
        with pytest.raises(curation.CurationError, match="Nachweis"):
            curation.transition(session, post, State.GRANTED.value, "eva")
        curation.transition(session, post, State.GRANTED.value, "eva", "Antwort", 'DM: "ja, gerne"',
                            now=t0 + timedelta(days=1), credit="Anna K.")
        assert post.plannable and post.consent.credit == "Anna K."
        assert session.scalars(curation.plannable(session)).all() == [post]
    with sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.post_id == 1)).all()
        assert [(e.actor, e.to_state) for e in events] == [
            ("collector", "collected"), ("eva", "shortlisted"), ("eva", "rights_requested"), ("eva", "granted")]
        assert events[-1].evidence == 'DM: "ja, gerne"' and events[-1].at == t0 + timedelta(days=1)


def test_rights_expire_after_14_days(sessions, settings, registry):
    collector = Collector(sessions, settings, registry)
    collector.store(collected(1)); collector.store(collected(2))
    asked = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
    with sessions.begin() as session:
        for post_id, when in ((1, asked), (2, asked + timedelta(days=5))):
            post = session.get(Post, post_id)
            curation.transition(session, post, "shortlisted", "eva", now=when)
            curation.transition(session, post, "rights_requested", "eva", now=when)
    with sessions.begin() as session:
        assert curation.expire_overdue(session, 14, now=asked + timedelta(days=13, hours=23)) == []
        expired = curation.expire_overdue(session, 14, now=asked + timedelta(days=14))
        assert [p.id for p in expired] == [1] and expired[0].consent.status == "expired"


def test_editor_overrides_municipality(sessions, settings, registry):
    Collector(sessions, settings, registry).store(collected(1, caption="Am Rathaus in Altdorf"))
    with sessions.begin() as session:
        post = session.get(Post, 1)
        assert post.needs_review and post.municipality_ags is None and len(post.detection_candidates) == 2
        with pytest.raises(curation.CurationError, match="mehrdeutig"):
            curation.set_municipality(session, post, "Altdorf", registry, "eva")
        curation.set_municipality(session, post, "08116005", registry, "eva", "Kirche erkannt")
        assert post.municipality_ags == "08116005" and not post.needs_review
        assert post.events[-1].action == "set_municipality" and post.events[-1].reason == "Kirche erkannt"


def test_manual_submission_with_consent(tmp_path, sessions, settings, registry):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "markt.jpg").write_bytes(photo(5))
    (tmp_path / "in" / "markt.toml").write_text(
        'author = "Eva Muster"\ncaption = "Wochenmarkt"\nmunicipality = "plochingen"\n'
        'taken_at = 2026-11-20T10:00:00+01:00\nconsent_evidence = "E-Mail vom 20.11.2026"\n', encoding="utf-8")
    (tmp_path / "in" / "ohne.jpg").write_bytes(photo(6))  # no sidecar: skipped with a message
    source = ManualSource([tmp_path / "in"])
    report = Collector(sessions, settings, registry).run(source.posts())
    assert report.stored == 1 and "no metadata file" in source.skipped[0]
    with sessions() as session:
        post = session.scalar(select(Post))
        assert post.plannable and post.municipality_ags == "08116056" and post.author == "eva muster"
        assert post.taken_at == datetime(2026, 11, 20, 9, tzinfo=timezone.utc)
        assert post.consent.evidence == "E-Mail vom 20.11.2026"
