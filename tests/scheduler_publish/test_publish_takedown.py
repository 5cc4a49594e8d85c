"""Takedown on the platforms and in the store: DELETE on Facebook and Instagram through the local
Graph API fake, a manual step where Instagram refuses, transient errors, SIGKILL mid-way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from demo.graph_fake import IG_TOKEN, IG_USER_ID, PAGE_ID, PAGE_TOKEN, GraphFake
from demo.graph_fake_delete import delete_calls, deleted
from demo.graph_fake_tokens import DEFAULT_SCOPES
from plugins.region.registry import load_registry
from scheduler import jobs
from scheduler.cli.runner import status_json, takedowns_open
from scheduler.config import load_settings
from scheduler.publish.graph_api import GraphClient, GraphConfig
from scheduler.publish.publisher import publish_due
from scheduler.publish.state import FeaturePublication, PublishStep
from scheduler.publish.takedown import SitePaths, Takedown, confirm_manual, open_takedowns
from scheduler.publish.takedown_state import TakedownRecord
from scheduler.store.models import AuditEvent, Consent, Image, Post
from tests.scheduler_jobs.jobs_helpers import NOW, add_post, fake_publisher, planning_env, store

ROOT = Path(__file__).resolve().parents[2]


def published_feature(db_url, tmp_path, monkeypatch, fake):
    """One post planned and published to the fake; returns (sessions, key)."""
    planning_env(monkeypatch, tmp_path)
    url, _, sessions = store(db_url)
    add_post(sessions, tmp_path / "media", 1, load_registry().get("plochingen").ags, author="geheime.knipserin")
    (key,) = jobs.plan_job(url, NOW)[:1]
    with sessions() as session:
        assert publish_due(session, NOW, fake_publisher(fake.base_url, tmp_path / "content", [])) == {key: "done"}
    return sessions, key


def takedown_for(fake, tmp_path) -> Takedown:
    client = GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, fake.base_url),
                         sleep=lambda s: None, max_attempts=2)
    return Takedown(SitePaths(tmp_path / "content", tmp_path / "media", tmp_path / "output"), lambda: client)


def rows_about_the_post(session) -> int:
    return sum(session.scalar(select(func.count()).select_from(model)) for model in (Post, Image, Consent, AuditEvent))


@pytest.fixture
def fake(tmp_path, request):
    scopes = getattr(request, "param", None)
    fake = GraphFake(tmp_path / "fake.json", scopes=scopes)
    fake.start()
    yield fake
    fake.stop()


@pytest.mark.both_databases  # SQLite and PostgreSQL: the purge and its VACUUM on both
def test_takedown_deletes_both_platform_copies_and_every_row(db_url, tmp_path, monkeypatch, fake):
    sessions, key = published_feature(db_url, tmp_path, monkeypatch, fake)
    published = fake.published()
    photo, media = published["facebook"][0]["id"], published["instagram"][0]["id"]
    assert (tmp_path / "media/originals/p1.jpg").exists() and (tmp_path / f"content/community/{key}.md").exists()
    with sessions() as session:
        record = takedown_for(fake, tmp_path).run(session, key, "redaktion", "Autorin hat widerrufen")
        assert record.status == "done", [(s.step, s.state, s.error) for s in record.steps]
        assert rows_about_the_post(session) == 0
        feature = session.scalar(select(FeaturePublication).where(FeaturePublication.key == key))
        assert feature.status == "taken_down" and feature.request == {"key": key, "taken_down": True}
        assert "P1" not in feature.post_uid and session.scalar(select(func.count()).select_from(PublishStep)) == 0
        audit = session.scalar(select(TakedownRecord))
        assert (audit.post_id, audit.editor, audit.reason) == (key, "redaktion", "Autorin hat widerrufen")
    assert fake.published() == {"instagram": [], "facebook": []}
    assert sorted((d["channel"], d["id"]) for d in deleted(fake)) == [("facebook", photo), ("instagram", media)]
    assert not (tmp_path / "media/originals/p1.jpg").exists()
    assert not (tmp_path / f"content/community/{key}.md").exists()


@pytest.mark.parametrize("fake", [[s for s in DEFAULT_SCOPES if s != "instagram_manage_contents"]], indirect=True)
def test_instagram_refusal_leaves_a_manual_step_until_confirmed(db_url, tmp_path, monkeypatch, fake):
    sessions, key = published_feature(db_url, tmp_path, monkeypatch, fake)
    with sessions() as session:
        record = takedown_for(fake, tmp_path).run(session, key, "redaktion", "widerrufen")
        states = {s.step: s.state for s in record.steps}
        assert states == {"plan": "done", "store": "done", "files": "done", "facebook": "done", "instagram": "manual",
                          "mastodon": "done"}  # not published there: nothing to delete
        (item,) = open_takedowns(session)
        assert item["post_id"] == key and "von Hand löschen" in item["todo_de"] and "takedown-confirm" in item["todo_de"]
        assert status_json(load_settings({"SOISTS_DB_URL": db_url}))["takedowns_open"] == [item]
        # A rerun does not retry the refused call and does not repeat the Facebook delete.
        takedown_for(fake, tmp_path).run(session, key, "redaktion", "widerrufen")
        assert confirm_manual(session, key, "chefredaktion") == ["instagram"]
        assert open_takedowns(session) == [] and record.status == "done"
    assert len(fake.published()["instagram"]) == 1 and fake.published()["facebook"] == []
    assert set(delete_calls(fake).values()) == {1}


@pytest.mark.parametrize("fake", [[s for s in DEFAULT_SCOPES if s != "pages_manage_posts"]], indirect=True)
def test_100_33_for_a_photo_that_still_exists_is_a_permission_problem(db_url, tmp_path, monkeypatch, fake):
    # Meta answers 100/33 both for "does not exist" and for "missing permission": a GET tells them apart.
    sessions, key = published_feature(db_url, tmp_path, monkeypatch, fake)
    with sessions() as session:
        record = takedown_for(fake, tmp_path).run(session, key, "redaktion", "widerrufen")
        states = {s.step: s.state for s in record.steps}
        assert states["facebook"] == "manual" and states["instagram"] == "done"
        (item,) = open_takedowns(session)
        assert "Berechtigung" in item["todo_de"] and "pages_manage_posts" in item["todo_de"]
        assert "takedown-confirm" in item["todo_de"]
    assert len(fake.published()["facebook"]) == 1  # not counted as deleted


def test_100_33_for_an_object_already_gone_is_done(db_url, tmp_path, monkeypatch, fake):
    from scheduler.publish.graph_api import delete_object

    sessions, key = published_feature(db_url, tmp_path, monkeypatch, fake)
    client = takedown_for(fake, tmp_path).client()
    assert delete_object(client, "facebook", fake.published()["facebook"][0]["post_id"])  # removed by hand
    with sessions() as session:
        record = takedown_for(fake, tmp_path).run(session, key, "redaktion", "widerrufen")
        facebook = next(s for s in record.steps if s.step == "facebook")
        assert facebook.state == "done" and facebook.data["result"] == "existiert nicht (mehr)"


def test_transient_errors_are_recorded_and_the_next_run_finishes(db_url, tmp_path, monkeypatch, fake):
    sessions, key = published_feature(db_url, tmp_path, monkeypatch, fake)
    with sessions() as session:
        fake.inject("server_error", 4)  # both tries of the Facebook and the Instagram step
        record = takedown_for(fake, tmp_path).run(session, key, "redaktion", "widerrufen")
        assert {s.step: s.state for s in record.steps}["facebook"] == "failed" and record.status == "open"
        assert [i["step"] for i in open_takedowns(session)] == ["facebook", "instagram"]
        record = takedown_for(fake, tmp_path).run(session, key, "redaktion", "widerrufen")
        assert record.status == "done" and open_takedowns(session) == []
    assert fake.published() == {"instagram": [], "facebook": []}


def cli(tmp_path, db_url, fake, *args, crash: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "SOISTS_DB_URL": db_url, "SOISTS_MEDIA_DIR": str(tmp_path / "media"),
           "SOISTS_CONTENT_DIR": str(tmp_path / "content"), "SOISTS_OUTPUT": str(tmp_path / "output"),
           "SOISTS_BUILD_CACHE_DIR": str(tmp_path / "build-cache"), "SOISTS_GRAPH_BASE_URL": fake.base_url,
           "SOISTS_IG_USER_ID": IG_USER_ID, "SOISTS_FB_PAGE_ID": PAGE_ID, "SOISTS_IG_TOKEN": IG_TOKEN,
           "SOISTS_FB_PAGE_TOKEN": PAGE_TOKEN, "SOISTS_SECRETS_FILE": str(tmp_path / "no-secrets.json"),
           "SOISTS_PUBLISH_CRASH_AT": crash}
    return subprocess.run([sys.executable, "-m", "scheduler", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("checkpoint", ["takedown:facebook:deleted_unrecorded", "takedown:instagram:intent_stored"])
def test_sigkill_mid_takedown_then_a_rerun_finishes_without_deleting_twice(db_url, tmp_path, monkeypatch, fake,
                                                                           checkpoint):
    sessions, key = published_feature(db_url, tmp_path, monkeypatch, fake)
    killed = cli(tmp_path, db_url, fake, "takedown", key, "--editor", "redaktion", crash=checkpoint)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    rerun = cli(tmp_path, db_url, fake, "takedown", key, "--editor", "redaktion")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"takedown {key}: done" in rerun.stdout
    assert fake.published() == {"instagram": [], "facebook": []}
    assert set(delete_calls(fake).values()) == {1}, delete_calls(fake)
    with sessions() as session:
        assert rows_about_the_post(session) == 0
    assert takedowns_open(db_url) == []


def test_a_takedown_withdraws_the_older_releases_of_a_local_deploy(db_url, tmp_path, monkeypatch, fake):
    """Every takedown path (CLI, invoke, board) runs the files step: releases that still show the
    post are deleted and the live one is marked, so no rollback brings the post back."""
    from plugins import release

    sessions, key = published_feature(db_url, tmp_path, monkeypatch, fake)
    live = tmp_path / "www" / "live"
    for text in ("erste Fassung mit dem Foto", "zweite Fassung mit dem Foto"):
        build = tmp_path / "build"
        build.mkdir(exist_ok=True)
        (build / "index.html").write_text(text, encoding="utf-8")
        release.deploy(build, live)
    assert len(release.releases(live)) == 2
    client = GraphClient(GraphConfig(IG_USER_ID, PAGE_ID, IG_TOKEN, PAGE_TOKEN, fake.base_url),
                         sleep=lambda s: None, max_attempts=2)
    paths = SitePaths(tmp_path / "content", tmp_path / "media", tmp_path / "output", deploy_target=live)
    with sessions() as session:
        record = Takedown(paths, lambda: client).run(session, key, "redaktion", "Autorin hat widerrufen")
        files = next(s for s in record.steps if s.step == "files")
        assert record.status == "done" and files.data["releases_withdrawn"] is True
    assert release.releases(live) == []  # the live one is withdrawn: nothing to roll back to
    assert len(list(release.releases_dir(live).iterdir())) == 2  # the live release and the mark
    with pytest.raises(Exception):
        release.rollback(live)
