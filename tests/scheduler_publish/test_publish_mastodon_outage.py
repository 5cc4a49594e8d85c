"""A broken Mastodon channel never blocks the others: with the token revoked (401) or the server down
for days (503), the feature is done on the website, Instagram and Facebook exactly once and counts as
featured for its municipality; the failure is in the step log, the plan view and the alerts with
Mastodon named; the mastodon step alone is retried later and never posts a second status."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from scheduler.publish.publisher import publish_due
from scheduler.publish.queue import published_features
from scheduler.publish.state import FeaturePublication
from tests.scheduler_publish.test_publish_mastodon import KEY, NOW, env, step  # noqa: F401 - the fixture

PLOCHINGEN = "08116056"


def alerts(session, now):
    import scheduler.alerts.state  # noqa: F401 - the tables the checks read
    import scheduler.collect.mention_retry  # noqa: F401
    import scheduler.insights.state  # noqa: F401
    from scheduler.alerts.checks import job_checks
    from scheduler.store.models import Base

    Base.metadata.create_all(session.get_bind())
    return [p for p in job_checks(session, now).problems if "Mastodon" in p.subject + p.text_de]


def plan_steps(session) -> dict:
    from scheduler.curate.review.plan_detail import steps

    session.expire_all()
    return {row["name"]: row for row in steps(session.scalar(select(FeaturePublication)))}


def test_a_revoked_token_leaves_the_feature_done_and_mastodon_retried_later(env):  # noqa: F811
    graph, mastodon, session, publisher, _ = env
    assert publish_due(session, NOW, publisher(token="revoked")) == {KEY: "done"}
    published = graph.published()
    assert len(published["instagram"]) == 1 and len(published["facebook"]) == 1 and mastodon.statuses() == []
    feature = session.scalar(select(FeaturePublication))
    assert feature.status == "done" and (PLOCHINGEN, feature.slot_utc) in [
        (ags, at.replace(tzinfo=feature.slot_utc.tzinfo)) for ags, at in published_features(session)]
    failed = step(session)
    assert failed.state == "failed" and "401" in failed.error and failed.data["retry_utc"]
    shown = plan_steps(session)["mastodon"]
    assert shown["label"] == "Mastodon" and shown["state"] == "failed" and "Mastodon" in shown["error"]
    assert "nächster Versuch" in shown["error"]
    [alert] = alerts(session, NOW)
    assert alert.kind == "channel_failed" and alert.subject == "Mastodon"
    assert "connect --mastodon" in alert.action_de and KEY in alert.text_de

    # Before the retry time nothing is asked; the other channels are never touched again
    asked = len(mastodon.persisted()["requests"])
    assert publish_due(session, NOW + timedelta(minutes=5), publisher(token="revoked")) == {}
    assert len(mastodon.persisted()["requests"]) == asked
    # A new token (connect --mastodon): the next retry posts the one status
    assert publish_due(session, NOW + timedelta(hours=7), publisher()) == {f"{KEY}/mastodon": "done"}
    assert len(mastodon.statuses()) == 1 and step(session).state == "done"
    assert len(graph.published()["instagram"]) == 1 and len(graph.published()["facebook"]) == 1
    assert alerts(session, NOW + timedelta(hours=7)) == []


def test_a_server_down_for_days_is_reconciled_never_a_second_status(env):  # noqa: F811
    graph, mastodon, session, publisher, _ = env
    mastodon.inject("lost_status")  # the status is made, the answer lost …
    mastodon.inject("server_error", 10_000)  # … and then the server is down
    assert publish_due(session, NOW, publisher()) == {KEY: "done"}
    assert len(mastodon.statuses()) == 1 and step(session).state == "failed"
    retries = []
    for hours in (1, 6, 24, 48, 72):
        result = publish_due(session, NOW + timedelta(hours=hours), publisher())
        retries.append(result.get(f"{KEY}/mastodon"))
        assert step(session).state == "failed" and len(mastodon.statuses()) == 1
    assert "failed" in retries and session.scalar(select(FeaturePublication)).status == "done"
    [alert] = alerts(session, NOW + timedelta(hours=72))
    assert alert.subject == "Mastodon" and "503" in alert.text_de
    mastodon.faults.clear()
    assert publish_due(session, NOW + timedelta(days=4), publisher()) == {f"{KEY}/mastodon": "done"}
    assert len(mastodon.statuses()) == 1 and step(session).data["how"] == "reconciled"
    published = graph.published()
    assert len(published["instagram"]) == 1 and len(published["facebook"]) == 1


def test_the_publish_job_retries_the_channel_without_a_due_feature(env, tmp_path):  # noqa: F811
    """The scheduled job (jobs/tasks.publish_job) also runs when only a Mastodon retry is due, and a
    channel retry alone neither rebuilds the site nor reads Instagram permalinks."""
    from scheduler.jobs.tasks import publish_job
    from scheduler.publish.queue import enqueue_feature
    from scheduler.store.db import make_engine, migrate, session_factory
    from tests.scheduler_publish.publish_runner import request

    graph, mastodon, _, publisher, _ = env
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        enqueue_feature(session, request(tmp_path))
    deploys: list[str] = []
    assert publish_job(url, NOW, publisher(token="revoked"), deploy=lambda: deploys.append("x")) == {KEY: "done"}
    assert len(deploys) == 1 and mastodon.statuses() == []
    assert publish_job(url, NOW + timedelta(hours=7), publisher(), deploy=lambda: deploys.append("x")) == {
        f"{KEY}/mastodon": "done"}
    assert len(deploys) == 1 and len(mastodon.statuses()) == 1 and len(graph.published()["instagram"]) == 1
    engine.dispose()
