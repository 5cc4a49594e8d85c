"""The insights job against the Graph API fake over HTTP: every path (figures, provisional,
empty data, too few viewers, invalid metric, deleted media, missing permission, rate limit),
account snapshots, the persistent-permission problem, and the job's registration."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from demo.graph_fake import GraphFake
from scheduler.insights import metrics as M
from scheduler.insights.api import InsightsApi, gap_reason
from scheduler.insights.gaps import permission_gaps
from scheduler.insights.measure import due_age, run_insights
from scheduler.insights.state import AccountSnapshot, Measurement
from scheduler.publish.graph_api import GraphClient, GraphConfig, GraphError, RetryLater
from scheduler.publish.state import FeaturePublication, PublishStep
from scheduler.store.db import make_engine, migrate, session_factory

POSTED = datetime(2026, 3, 2, 17, 0, 40, tzinfo=timezone.utc)


@pytest.fixture
def store(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def start_fake(tmp_path, scopes=None) -> GraphFake:
    fake = GraphFake(tmp_path / "fake.json", scopes=scopes)
    fake.start()
    return fake


def api_for(fake: GraphFake) -> InsightsApi:
    config = GraphConfig(fake.ig_user_id, fake.page_id, fake.ig_token, fake.page_token, fake.base_url)
    return InsightsApi(GraphClient(config, sleep=lambda _s: None, max_attempts=1))


def add_feature(session, n: int, key: str = "") -> tuple[str, str]:
    media_id, photo_id = str(17950000000000000 + n), str(18050000000000000 + n)
    feature = FeaturePublication(key=key or f"2026-03-02-f{n}", slot_utc=POSTED, post_uid=f"instagram:T{n}",
                                 ags="08116049", request={"handle": "anna"}, status="done", attempts=1,
                                 created_utc=POSTED, updated_utc=POSTED)
    feature.steps = [PublishStep(step="instagram", state="done", data={"media_id": media_id}, finished_utc=POSTED),
                     PublishStep(step="facebook", state="done", data={"photo_id": photo_id}, finished_utc=POSTED)]
    session.add(feature)
    session.commit()
    return media_id, photo_id


def seed(fake: GraphFake, items: dict[str, dict], now: datetime) -> None:
    state = fake.extra("insights")
    state["now"] = now.timestamp()
    for media_id, extra in items.items():
        state.setdefault("media", {})[media_id] = {"posted": POSTED.timestamp(), "scale": 2000, **extra}
        photo = str(int(media_id) + 100000000000000)
        state.setdefault("posts", {})[f"{fake.page_id}_{photo}"] = {"posted": POSTED.timestamp(), "scale": 2000}


def readings(session) -> dict[tuple[str, str], Measurement]:
    return {(m.feature_key, m.channel): m for m in session.scalars(select(Measurement))}


def test_schedule_of_ages():
    assert due_age(POSTED, POSTED + timedelta(hours=20), set()) is None
    assert due_age(POSTED, POSTED + timedelta(days=1, hours=13), set()) == 1
    assert due_age(POSTED, POSTED + timedelta(days=1, hours=13), {1}) is None
    assert due_age(POSTED, POSTED + timedelta(days=40), {1, 2}) == 28  # after downtime: one reading, not a burst
    assert due_age(POSTED, POSTED + timedelta(days=800), set()) == 720 and M.MEASURE_AGES[-1] == 720


def test_figures_gaps_and_snapshots(tmp_path, store):
    fake = start_fake(tmp_path)
    try:
        ok, few, gone = (add_feature(store, n)[0] for n in (1, 2, 3))
        now = POSTED + timedelta(days=1, hours=13)
        seed(fake, {ok: {}, few: {"few_viewers": True}, gone: {"deleted": True}}, now)
        report = run_insights(store, api_for(fake), now)
        got = readings(store)
        ig = got[("2026-03-02-f1", "instagram")]
        assert ig.gap is None and ig.provisional and ig.age_days == 1
        assert set(ig.values) == {m.name for m in M.IG_MEDIA_METRICS} and ig.values["reach"] > 0
        fb = got[("2026-03-02-f1", "facebook")]
        assert {"post_media_view", "post_total_media_view_unique", "reactions", "comments", "shares"} <= set(fb.values)
        assert fb.object_id == f"{fake.page_id}_18050000000000001"
        assert got[("2026-03-02-f2", "instagram")].gap == "too_few_viewers"
        assert got[("2026-03-02-f3", "instagram")].gap == "deleted"
        assert report.gaps == {"deleted": 1, "too_few_viewers": 1}
        snaps = {s.channel: s for s in store.scalars(select(AccountSnapshot))}
        assert snaps["instagram"].followers > 0 and set(snaps["instagram"].demographics) == {"age", "gender", "city"}
        assert sum(snaps["instagram"].demographics["age"].values()) <= snaps["instagram"].followers
        assert snaps["facebook"].followers > 0 and snaps["facebook"].demographics["city"]
        # The same run again: nothing is due, nothing asked twice (deleted media never again).
        asked = len(fake.state.requests)
        again = run_insights(store, api_for(fake), now + timedelta(hours=1))
        assert again.measured == 0 and again.snapshots == 0 and len(fake.state.requests) == asked
        # Two days later: a final (not provisional) reading at age 2, still no request for the deleted one.
        later = now + timedelta(days=1)
        fake.extra("insights")["now"] = later.timestamp()
        run_insights(store, api_for(fake), later)
        second = store.scalar(select(Measurement).where(Measurement.feature_key == "2026-03-02-f1",
                                                        Measurement.channel == "instagram", Measurement.age_days == 2))
        assert second is not None and not second.provisional and second.values["reach"] >= ig.values["reach"]
        assert not [r for r in fake.state.requests if "17950000000000003" in r and r.startswith("GET")][1:]
    finally:
        fake.stop()


def test_empty_data_while_meta_lags(tmp_path, store):
    fake = start_fake(tmp_path)
    try:
        media_id, _ = add_feature(store, 7)
        now = POSTED + timedelta(days=1, minutes=5)  # the fake lags a day: an empty data set, not zeros
        seed(fake, {media_id: {}}, now)
        run_insights(store, api_for(fake), now)
        assert readings(store)[("2026-03-02-f7", "instagram")].gap == "not_available"
    finally:
        fake.stop()


def test_removed_metric_is_an_invalid_metric_gap(tmp_path):
    fake = start_fake(tmp_path)
    try:
        api = api_for(fake)
        seed(fake, {"17950000000000009": {}}, POSTED + timedelta(days=3))
        with pytest.raises(GraphError) as ig:
            api._get("17950000000000009/insights", fake.ig_token, {"metric": "impressions,reach"})
        with pytest.raises(GraphError) as fb:
            api._get(f"{fake.page_id}_18050000000000009/insights", fake.page_token,
                            {"metric": "post_impressions_unique"})
        with pytest.raises(GraphError) as page:
            api._get(f"{fake.page_id}/insights", fake.page_token, {"metric": "page_fans", "period": "day"})
        assert {gap_reason(e.value) for e in (ig, fb, page)} == {"invalid_metric"}
        with pytest.raises(GraphError) as demo:
            api._get(f"{fake.ig_user_id}/insights", fake.ig_token,
                            {"metric": "follower_demographics", "period": "lifetime", "breakdown": "age"})
        assert demo.value.code == 100  # metric_type and timeframe are required
    finally:
        fake.stop()


def test_missing_permission_is_a_gap_and_then_a_problem(tmp_path, store):
    fake = start_fake(tmp_path, scopes=["instagram_basic", "instagram_content_publish", "pages_manage_posts",
                                        "pages_read_engagement", "pages_show_list"])
    try:
        media_id, _ = add_feature(store, 4)
        seed(fake, {media_id: {}}, POSTED + timedelta(days=1, hours=13))
        for day in range(3):
            now = POSTED + timedelta(days=1 + day, hours=13)
            fake.extra("insights")["now"] = now.timestamp()
            run_insights(store, api_for(fake), now)
        snaps = list(store.scalars(select(AccountSnapshot)))
        assert len(snaps) == 6 and {s.gap for s in snaps} == {"permission"}
        assert {m.gap for m in store.scalars(select(Measurement))} == {"permission"}
        gaps = permission_gaps(store)
        assert {g.channel for g in gaps} == {"instagram", "facebook"}

        from scheduler.alerts.checks import insights_problems

        problems = insights_problems(store)
        assert {p.kind for p in problems} == {"insights_permission"} and "Berechtigung" in problems[0].text_de
    finally:
        fake.stop()


def test_rate_limit_stops_the_run_without_storing(tmp_path, store):
    fake = start_fake(tmp_path)
    try:
        media_id, _ = add_feature(store, 5)
        now = POSTED + timedelta(days=2, hours=13)
        seed(fake, {media_id: {}}, now)
        fake.inject("rate_limit", 1)
        report = run_insights(store, api_for(fake), now)
        assert report.stopped.startswith("RetryLater") and not list(store.scalars(select(AccountSnapshot)))
        assert isinstance(RetryLater("x"), GraphError)
        assert run_insights(store, api_for(fake), now).snapshots == 2  # the next run catches up
    finally:
        fake.stop()


def test_budget_limits_a_run(tmp_path, store):
    fake = start_fake(tmp_path)
    try:
        ids = [add_feature(store, n)[0] for n in range(10, 14)]
        now = POSTED + timedelta(days=2, hours=13)
        seed(fake, {i: {} for i in ids}, now)
        report = run_insights(store, api_for(fake), now, budget=8)  # 6 for the accounts, then 1 + 2 per feature
        assert report.stopped == "call budget used up" and report.measured == 1  # Facebook needs two calls
    finally:
        fake.stop()


def test_job_is_registered_daily_and_in_once():
    from scheduler import jobs
    from scheduler.jobs.runner import RunnerConfig, job_specs

    spec = {s["id"]: s for s in job_specs(RunnerConfig("sqlite://"))}["soists.insights"]
    assert spec["func"] == "scheduler.jobs:insights_job" and "soists.insights" in jobs.JOB_IDS
    assert callable(jobs.insights_job)


def test_once_only_insights_runs_the_logs_without_credentials(tmp_path, monkeypatch, db_url):
    from scheduler.jobs.once import run_once

    log = tmp_path / "access.log"
    log.write_text('198.51.100.7 - - [01/Dec/2026:10:00:00 +0100] "GET /kommunen/plochingen/badge.svg HTTP/1.1" '
                   '200 512 "https://www.plochingen.de/x?y=1" "Mozilla/5.0"\n')
    for name in ("SOISTS_IG_USER_ID", "SOISTS_FB_PAGE_ID", "SOISTS_IG_TOKEN", "SOISTS_FB_PAGE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOISTS_SECRETS_FILE", str(tmp_path / "none.json"))
    monkeypatch.setenv("SOISTS_ACCESS_LOG", str(log))
    report = run_once(db_url, only=("insights",))
    assert any(line.startswith("insights: ") and "no Graph API credentials" in line for line in report.lines)
