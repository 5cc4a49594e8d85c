"""The planning adapter: store → candidates, idempotent queueing, editor choices, migration 0002."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

import scheduler.plan.editor_choices  # noqa: F401  (tables on the shared metadata)
import scheduler.publish.state  # noqa: F401
from plugins.region.registry import load_registry
from scheduler import jobs
from scheduler.plan import editor_choices
from scheduler.plan.enqueue import PlanningConfig, build_plan, candidates, plan_and_enqueue
from scheduler.publish.state import FeaturePublication
from scheduler.store.db import alembic_config
from scheduler.store.models import Base
from tests.scheduler_jobs.jobs_helpers import NOW, add_post, planning_env, store

pytestmark = pytest.mark.both_databases  # SQLite and PostgreSQL (tests/conftest.py)

REG = load_registry()
A, B, C = (REG.get(s).ags for s in ("plochingen", "backnang", "leonberg"))


def head_revision() -> str:
    """The newest revision (one head: a second head would mean two branches' migrations collide)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_migrations_create_the_same_schema_as_the_models(db_url, tmp_path):
    url, engine, _ = store(db_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision() == "0005"


def test_only_granted_posts_with_a_municipality_are_candidates(db_url, tmp_path):
    _, _, sessions = store(db_url)
    media = tmp_path / "media"
    granted = add_post(sessions, media, 1, A)
    add_post(sessions, media, 2, None)  # granted, no municipality
    add_post(sessions, media, 3, B, state="shortlisted")
    add_post(sessions, media, 4, B, state="rights_requested")
    with sessions() as session:
        found = candidates(session, REG)
    assert [c.post_id for c in found] == [granted]
    assert found[0].district_slug == REG.get(A).district_slug


def test_replanning_is_idempotent_and_never_touches_queued_slots(db_url, tmp_path, monkeypatch):
    planning_env(monkeypatch, tmp_path)
    url, _, sessions = store(db_url)
    for n, ags in enumerate((A, A, B, C), start=1):
        add_post(sessions, tmp_path / "media", n, ags)
    first = jobs.plan_job(url, NOW)
    # Monday 18:00 (caught up), Wednesday 18:00 (within 48 h); Friday is planned but not queued yet.
    assert len(first) == 2 and first[0].startswith("2026-11-23-")
    with sessions() as session:
        snapshot = [(f.key, f.slot_utc, f.post_uid, f.status) for f in session.scalars(select(FeaturePublication))]
    assert jobs.plan_job(url, NOW) == []
    assert jobs.plan_job(url, NOW + timedelta(minutes=30)) == []
    with sessions() as session:
        again = [(f.key, f.slot_utc, f.post_uid, f.status) for f in session.scalars(select(FeaturePublication))]
        assert again == snapshot
        assert len({f.post_uid for f in session.scalars(select(FeaturePublication))}) == 2
    # Two days later Friday is close enough: one more, never a post twice.
    later = jobs.plan_job(url, NOW + timedelta(days=2))
    assert len(later) == 1
    with sessions() as session:
        uids = [f.post_uid for f in session.scalars(select(FeaturePublication))]
        assert len(uids) == len(set(uids)) == 3
        municipalities = {f.ags for f in session.scalars(select(FeaturePublication))}
        assert municipalities == {A, B, C}  # rotation: every municipality before a second turn


def test_pins_holds_and_skips_are_respected(db_url, tmp_path, monkeypatch):
    planning_env(monkeypatch, tmp_path)
    url, _, sessions = store(db_url)
    uids = [add_post(sessions, tmp_path / "media", n, ags) for n, ags in enumerate((A, B, C), start=1)]
    config = PlanningConfig.from_env()
    with sessions() as session:
        slots = build_plan(session, REG, config, NOW).slots
        monday, wednesday, friday = slots[:3]
        editor_choices.set_choice(session, "skip", slot=monday, editor="eva")
        editor_choices.set_choice(session, "pin", slot=wednesday, post_uid=uids[2], editor="eva")
        editor_choices.set_choice(session, "hold", post_uid=uids[0], editor="eva")
        result = build_plan(session, REG, config, NOW)
    by_slot = {p.slot_utc: p for p in result.planned}
    assert by_slot[monday].post_id is None and "skipped" in by_slot[monday].reason
    assert by_slot[wednesday].post_id == uids[2] and "pinned" in by_slot[wednesday].reason
    assert uids[0] not in {p.post_id for p in result.planned}  # held
    assert by_slot[friday].post_id == uids[1]
    assert "Backnang: never featured; 1 candidate" in by_slot[friday].reason
    with sessions() as session:
        _, keys = plan_and_enqueue(session, REG, config, NOW)
        assert keys == ["2026-11-25-leonberg"]
        assert session.scalar(select(func.count()).select_from(FeaturePublication)) == 1


def test_existing_site_posts_count_as_history(db_url, tmp_path, monkeypatch):
    planning_env(monkeypatch, tmp_path)
    (tmp_path / "content" / "community" / "2026-11-01-plochingen.md").write_text(
        "Id: 2026-11-01-plochingen\nPlatform: instagram\nHandle: x\nMunicipality: plochingen\n"
        "Taken: 2026-10-01\nFeatured: 2026-11-01T18:00:00+01:00\nImage: images/community/x.jpg\nAlt: x\n"
        "Consent_date: 2026-10-02\nConsent_method: DM\n\nText\n", encoding="utf-8")
    url, _, sessions = store(db_url)
    add_post(sessions, tmp_path / "media", 1, A, days_old=100)  # older photo, but Plochingen had its turn
    add_post(sessions, tmp_path / "media", 2, B)
    with sessions() as session:
        first = build_plan(session, REG, PlanningConfig.from_env(), NOW).planned[0]
    assert first.ags == B
