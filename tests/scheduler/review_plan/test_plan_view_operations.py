"""The plan operations (one implementation for CLI and board), the German reasons, DST, and the
board's refusals for plan actions — in-process, against a real migrated store and the Graph API fake."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from plugins.navigation.dates import BERLIN
from scheduler.curate.review import plan_present
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.auth import AuthConfig
from scheduler.plan import operations
from scheduler.plan.enqueue import PlanningConfig
from scheduler.plan.plan_state import CaptionOverride
from scheduler.publish.state import FeaturePublication
from scheduler.store.models import AuditEvent, Post
from tests.scheduler.review_plan.plan_checks import cli_label, cli_plan, store_plan
from tests.scheduler.review_plan.plan_seed import seed_plan_world


@pytest.fixture
def world(monkeypatch, tmp_path, sessions, registry):
    world = seed_plan_world(monkeypatch, tmp_path, sessions, registry)
    yield world
    world.fake.stop()


def planner(registry, settings) -> operations.Planner:
    return operations.Planner(registry, PlanningConfig.from_env(settings.media_dir), datetime.now(timezone.utc))


def planned(session, registry, settings) -> list[operations.SlotEntry]:
    return [e for e in operations.current_entries(session, planner(registry, settings)) if e.kind == "planned"]


def test_move_swaps_two_slots_and_the_cli_shows_the_same(world, sessions, registry, settings, capsys):
    with sessions() as session:
        a, b = planned(session, registry, settings)[:2]
        message = operations.move(session, planner(registry, settings), a.slot_utc, b.slot_utc, "eva",
                                  operations.revision(session), (a.post_uid, b.post_uid))
        assert "getauscht" in message
        after = store_plan(session, registry, settings, datetime.now(timezone.utc))
        assert after[cli_label(b.slot_utc)] == a.post_uid and after[cli_label(a.slot_utc)] == b.post_uid
        shown = cli_plan(settings, capsys, session)
        assert {label: shown[label] for label in after} == after
        moved = session.scalar(select(Post).where(Post.uid == a.post_uid))
        assert [e.action for e in moved.events][-1] == "plan_move" and moved.events[-1].actor == "eva"


def test_a_stale_page_changes_nothing(world, sessions, registry, settings):
    with sessions() as session:
        a, b, c = planned(session, registry, settings)[:3]
        seen = operations.revision(session)
        operations.skip(session, planner(registry, settings), c.slot_utc, "ben", "Feiertag", seen, c.post_uid)
        before = store_plan(session, registry, settings, datetime.now(timezone.utc))
        with pytest.raises(operations.StalePlan):  # eva's page still shows revision `seen`
            operations.move(session, planner(registry, settings), a.slot_utc, b.slot_utc, "eva", seen,
                            (a.post_uid, b.post_uid))
        with pytest.raises(operations.StalePlan):  # right revision, but the slots hold other posts now
            operations.move(session, planner(registry, settings), a.slot_utc, b.slot_utc, "eva",
                            operations.revision(session), (b.post_uid, a.post_uid))
        assert store_plan(session, registry, settings, datetime.now(timezone.utc)) == before


def test_skip_hold_and_replan_from_here(world, sessions, registry, settings, capsys):
    with sessions() as session:
        first, second = planned(session, registry, settings)[:2]
        operations.skip(session, planner(registry, settings), first.slot_utc, "eva", "Feiertag")
        operations.hold(session, planner(registry, settings), second.post_uid, "eva", "Motiv passt nicht")
        shown = cli_plan(settings, capsys, session)
        assert shown[cli_label(first.slot_utc)] == "—"
        assert second.post_uid not in shown.values()
        operations.replan_from(session, planner(registry, settings), first.slot_utc, "eva")
        after = store_plan(session, registry, settings, datetime.now(timezone.utc))
        assert after[cli_label(first.slot_utc)] != "—"  # the skip is gone, the hold stays
        assert second.post_uid not in after.values()


def test_caption_edit_is_kept_with_its_history_and_reaches_the_queue(world, sessions, registry, settings):
    with sessions() as session:
        failed = session.scalar(select(FeaturePublication).where(FeaturePublication.key == world.failed_key))
        post = session.scalar(select(Post).where(Post.uid == failed.post_uid))
        old = failed.request["text"]
        operations.edit_caption(session, post.id, "Abendstimmung am Schlossberg", "eva", post.version)
        operations.edit_caption(session, post.id, "Abendstimmung über Böblingen", "ben")
        session.expire_all()
        assert [r.text for r in session.scalars(select(CaptionOverride).order_by(CaptionOverride.id))] == [
            "Abendstimmung am Schlossberg", "Abendstimmung über Böblingen"]
        feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == world.failed_key))
        assert feature.request["text"] == "Abendstimmung über Böblingen"
        edits = session.scalars(select(AuditEvent).where(AuditEvent.action == "caption_edit")).all()
        assert [e.actor for e in edits] == ["eva", "ben"] and f"vorher: {old}" in edits[0].evidence
        with pytest.raises(operations.PlanError, match="zu lang"):
            operations.edit_caption(session, post.id, "x" * 2200, "eva")
        done = session.scalar(select(FeaturePublication).where(FeaturePublication.key == world.done_key))
        done_post = session.scalar(select(Post).where(Post.uid == done.post_uid))
        with pytest.raises(operations.PlanError, match="schon auf Instagram"):
            operations.edit_caption(session, done_post.id, "später", "eva")


def test_retry_runs_the_failed_step_once_and_publish_now(world, sessions, registry, settings):
    before = len(world.fake.published()["instagram"])
    with sessions() as session:
        failed = session.scalar(select(FeaturePublication).where(FeaturePublication.key == world.failed_key))
        message = operations.retry(session, world.failed_key, "eva", datetime.now(timezone.utc), world.publisher,
                                   failed.status, failed.attempts)
        assert message.endswith("ist veröffentlicht.")
        with pytest.raises(operations.PlanError, match="nicht fehlgeschlagen"):
            operations.retry(session, world.failed_key, "eva", datetime.now(timezone.utc), world.publisher)
        assert len(world.fake.published()["instagram"]) == before + 1
        slot = planned(session, registry, settings)[0]
        operations.publish_now(session, planner(registry, settings), slot.slot_utc, "eva", world.publisher,
                               operations.revision(session), slot.post_uid)
        feature = session.scalar(select(FeaturePublication).where(FeaturePublication.post_uid == slot.post_uid))
        assert feature.status == "done" and feature.slot_utc <= datetime.now(timezone.utc)
    assert len(world.fake.published()["instagram"]) == before + 2


def test_reasons_are_german():
    slot = datetime(2026, 12, 7, 17, tzinfo=timezone.utc)
    facts = plan_present.ReasonFacts("Kirchberg an der Murr", 0, None, 3)
    assert plan_present.reason(facts, slot) == "erster Beitrag für Kirchberg an der Murr in diesem Jahr; 3 Beiträge warten"
    again = plan_present.ReasonFacts("Plochingen", 1, datetime(2026, 11, 7, 17, tzinfo=timezone.utc), 1, "eva")
    assert plan_present.reason(again, slot) == ("fest eingeplant von eva; 2. Beitrag für Plochingen in diesem Jahr; "
                                                "zuletzt am 7. November 2026 (vor 30 Tagen); 1 Beitrag wartet")
    assert plan_present.week_title(datetime(2026, 12, 28).date()) == "KW 53 · 28. Dezember 2026–3. Januar 2027"


def test_slots_keep_18_00_across_the_spring_change(sessions, registry, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("SOISTS_CONTENT_DIR", str(tmp_path))
    now = datetime(2027, 3, 22, 12, tzinfo=timezone.utc)  # the week before the change on 28 March
    with sessions() as session:
        result = operations.snapshot(session, operations.Planner(registry, PlanningConfig.from_env(), now),
                                     now + timedelta(weeks=2))
    local = [s.astimezone(BERLIN) for s in result.slots]
    assert {f"{t:%H:%M}" for t in local} == {"18:00"} and {s.hour for s in result.slots} == {16, 17}


def _post(app: ReviewApp, body: bytes, cookie: str = "") -> tuple[str, dict]:
    seen = {}
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/plan/actions", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), "HTTP_COOKIE": cookie, "HTTP_HOST": "127.0.0.1"}
    app(environ, lambda status, headers: seen.update(status=status, headers=dict(headers)))
    return seen["status"], seen["headers"]


def test_board_plan_actions_need_the_csrf_token_and_a_signed_in_person(world, sessions, registry, settings):
    app = ReviewApp(sessions, settings, registry, "eva", AuthConfig("accounts", "X-Remote-User", "eva"))
    assert _post(app, b"action=skip&revision=0")[0].startswith("401")
    signed_out = ReviewApp(sessions, settings, registry, "eva", AuthConfig("none", "X-Remote-User", "eva"))
    status, _ = _post(signed_out, b"csrf=falsch&action=skip&revision=0")
    assert status.startswith("403")
    with sessions() as session:
        assert operations.revision(session) == 0


def test_cli_swap_replan_and_caption_call_the_same_operations(world, sessions, registry, settings, capsys):
    from scheduler.cli import main as cli

    with sessions() as session:
        a, b = planned(session, registry, settings)[:2]
        post_id = session.scalar(select(Post.id).where(Post.uid == a.post_uid))
    local = lambda slot: f"{slot.astimezone(BERLIN):%Y-%m-%d %H:%M}"  # noqa: E731
    assert cli.main(["swap", local(a.slot_utc), local(b.slot_utc), "--editor", "eva"], settings) == 0
    assert "getauscht" in capsys.readouterr().out
    with sessions() as session:
        shown = cli_plan(settings, capsys, session)
        assert shown[cli_label(b.slot_utc)] == a.post_uid and operations.revision(session) == 1
    assert cli.main(["caption", str(post_id), "Neuer Text"], settings) == 0
    assert cli.main(["replan", local(a.slot_utc)], settings) == 0
    with sessions() as session:
        assert store_plan(session, registry, settings, datetime.now(timezone.utc))[cli_label(a.slot_utc)] == a.post_uid
        assert session.scalar(select(CaptionOverride.text).where(CaptionOverride.post_uid == a.post_uid)) == "Neuer Text"
    assert cli.main(["swap", "gestern", local(b.slot_utc)], settings) == 2


def test_a_scheduled_publish_keeps_the_instagram_link_for_the_plan_view(world, sessions, registry, settings):
    from scheduler import jobs
    from scheduler.curate.review import plan_detail
    from scheduler.plan.enqueue import feature_request
    from scheduler.publish.queue import enqueue_feature

    now = datetime.now(timezone.utc)
    with sessions() as session:
        post = session.scalar(select(Post).where(Post.uid == world.uids[0]))
        slot = (now - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        key = enqueue_feature(session, feature_request(post, slot, registry, settings.media_dir)).key
        session.commit()
    result = jobs.publish_job(settings.db_url, now, world.publisher, deploy=lambda: None)
    assert result[key] == "done"
    with sessions() as session:
        feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == key))
        instagram = next(s for s in feature.steps if s.step == "instagram")
        published = {str(m["id"]): m["permalink"] for m in world.publisher.client.recent_media()}
        assert instagram.data["permalink"] == published[str(instagram.data["media_id"])]
        assert ("Instagram", instagram.data["permalink"]) in plan_detail.links(feature)
