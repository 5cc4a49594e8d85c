"""Takedown on Mastodon: the status and its media are deleted (DELETE /api/v1/statuses/:id with
delete_media), once, also when the takedown is SIGKILLed between the DELETE and its record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from demo.graph_fake import GraphFake
from demo.mastodon_fake import TOKEN, MastodonFake
from plugins.region.registry import load_registry
from scheduler import jobs
from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig
from scheduler.publish.publisher import publish_due
from scheduler.publish.state import PublishStep
from tests.scheduler_jobs.jobs_helpers import NOW, add_post, fake_publisher, planning_env, store
from tests.scheduler_publish.test_publish_takedown import cli, takedown_for


@pytest.fixture
def fakes(tmp_path):
    graph, mastodon = GraphFake(tmp_path / "fake.json"), MastodonFake(tmp_path / "mastodon.json")
    graph.start(), mastodon.start()
    yield graph, mastodon
    graph.stop()
    mastodon.stop()


def published_everywhere(db_url, tmp_path, monkeypatch, graph, mastodon):
    planning_env(monkeypatch, tmp_path)
    url, _, sessions = store(db_url)
    add_post(sessions, tmp_path / "media", 1, load_registry().get("plochingen").ags, author="geheime.knipserin")
    (key,) = jobs.plan_job(url, NOW)[:1]
    publisher = fake_publisher(graph.base_url, tmp_path / "content", [])
    publisher.mastodon = MastodonClient(MastodonConfig(mastodon.base_url, TOKEN), sleep=lambda s: None)
    publisher.media_poll_s = 0
    with sessions() as session:
        assert publish_due(session, NOW, publisher) == {key: "done"}
        status_id = session.scalar(select(PublishStep).where(PublishStep.step == "mastodon")).data["status_id"]
    [status] = mastodon.statuses()
    assert status["id"] == status_id
    return sessions, key, status


def test_takedown_deletes_the_status_and_its_media(db_url, tmp_path, monkeypatch, fakes):
    graph, mastodon = fakes
    sessions, key, status = published_everywhere(db_url, tmp_path, monkeypatch, graph, mastodon)
    takedown = takedown_for(graph, tmp_path)
    takedown.mastodon = lambda: MastodonClient(MastodonConfig(mastodon.base_url, TOKEN), sleep=lambda s: None)
    with sessions() as session:
        record = takedown.run(session, key, "redaktion", "Autorin hat widerrufen")
        assert record.status == "done", [(s.step, s.state, s.error) for s in record.steps]
        step = next(s for s in record.steps if s.step == "mastodon")
        assert step.data["object_id"] == status["id"] and step.data["result"] == "gelöscht"
    state = mastodon.persisted()
    assert mastodon.statuses() == [] and state["deletes"] == {status["id"]: 1}
    assert all(state["media"][m]["deleted"] for m in status["media_ids"])
    assert graph.published() == {"instagram": [], "facebook": []}


def test_sigkill_after_the_delete_then_a_rerun_does_not_delete_twice(db_url, tmp_path, monkeypatch, fakes):
    graph, mastodon = fakes
    sessions, key, status = published_everywhere(db_url, tmp_path, monkeypatch, graph, mastodon)
    monkeypatch.setenv("SOISTS_MASTODON_URL", mastodon.base_url)
    monkeypatch.setenv("SOISTS_MASTODON_TOKEN", TOKEN)
    killed = cli(tmp_path, db_url, graph, "takedown", key, "--editor", "redaktion",
                 crash="takedown:mastodon:deleted_unrecorded")
    assert killed.returncode == -9, killed.stdout + killed.stderr
    rerun = cli(tmp_path, db_url, graph, "takedown", key, "--editor", "redaktion")
    assert rerun.returncode == 0 and f"takedown {key}: done" in rerun.stdout, rerun.stdout + rerun.stderr
    assert TOKEN not in killed.stderr + rerun.stderr + rerun.stdout
    assert mastodon.statuses() == [] and mastodon.persisted()["deletes"] == {status["id"]: 1}
