"""Issue 26 part 2: no mention is lost during a Graph API outage or a rate limit.

A fake clock and the Graph API fake answering 368 (temporarily blocked) or code 4 (rate limit)
for a simulated 10 minutes while a notification arrives every 30 seconds and wakes the worker,
then normal service: every mention is processed, none lost, and the Graph calls made during the
outage stay few (the queue backs off instead of retrying every row on every notification).
`-s` prints the figures.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from demo.graph_fake import IG_USER_ID
from scheduler.alerts.checks import job_checks
from scheduler.collect import mention_retry as retry
from scheduler.collect.ingest import Collector
from scheduler.collect.mentions import MentionChange, MentionProcessor, store_changes
from scheduler.publish.graph_errors import Fatal, RetryLater
from scheduler.store.models import Post
from scheduler.store.official import WebhookPayload
from tests.scheduler.official_helpers import add, api_for

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)  # in the past: the real clock finds every backoff over
OUTAGE = timedelta(minutes=10)
STEP = timedelta(seconds=30)


def processor_for(sessions, settings, registry, api) -> MentionProcessor:
    return MentionProcessor(sessions, Collector(sessions, settings, registry), api, "wirzeigens", "jaSoistS")


def notify(sessions, media_id: str, at: datetime) -> None:
    store_changes(sessions, [MentionChange(IG_USER_ID, int(at.timestamp()), media_id, None)], now=at)


def rows(sessions) -> list[WebhookPayload]:
    with sessions() as session:
        return list(session.scalars(select(WebhookPayload).order_by(WebhookPayload.id)))


@pytest.mark.parametrize("fault", ["blocked", "rate_limit"])  # 368 TemporarilyBlocked, code 4 RetryLater
def test_an_outage_loses_no_mention_and_backs_off(sessions, settings, registry, fake, photos, fault):
    mentions = processor_for(sessions, settings, registry, api_for(fake))
    fake.inject(fault, 100_000)  # every Graph call fails until the outage is over
    calls_before, now, arrived, wakes = len(fake.state.requests), T0, 0, 0
    while now < T0 + OUTAGE:  # a notification every 30 s, each waking the worker
        media = add(fake, photos, 100 + arrived, f"@wirzeigenS Marktplatz #esslingen {arrived}", username=f"u{arrived}")
        notify(sessions, media, now)
        arrived += 1
        mentions.process_pending(now)
        wakes += 1
        now += STEP
    outage_calls = len(fake.state.requests) - calls_before
    with sessions() as session:
        in_backoff = retry.mention_status(session, now - STEP)
    with fake.lock:
        fake.faults.clear()  # Meta is back
    # after the outage: no more notifications; the worker wakes when the backoff ends (next_due)
    for _ in range(20):
        due = mentions.next_due()
        if due is None:
            break
        now = max(now, due)
        mentions.process_pending(now)
    stored = rows(sessions)
    with sessions() as session:
        posts = session.scalar(select(func.count(Post.id)))
    print(f"\n{fault}: {arrived} mentions during a {OUTAGE.seconds // 60}-minute outage, {wakes} worker wakes, "
          f"{outage_calls} Graph calls during the outage; afterwards {sum(r.status == 'done' for r in stored)} "
          f"processed, {sum(r.status != 'done' for r in stored)} lost, {posts} posts stored, "
          f"all done by {now - T0} after the outage began")
    assert len(stored) == arrived == 20
    assert all(r.status == "done" and r.attempts == 0 for r in stored), [(r.status, r.outcome) for r in stored]
    assert posts == arrived
    # 1 min, 2, 4, 8 …: a handful of calls, not one per pending row per notification (that was 20·21/2 = 210)
    assert outage_calls <= 6, outage_calls
    assert in_backoff.backoff_until is not None and in_backoff.pending == arrived and in_backoff.due == 0
    assert "Meta-Störung, nächster Versuch" in in_backoff.line_de()


def test_collect_retries_every_unfinished_row_that_is_due(sessions, settings, registry, fake, photos):
    """The polling fallback (`collect --source mentions`) after an outage the receiver saw."""
    from scheduler.collect.official import collect_official
    from scheduler.collect.run import run_source
    from tests.scheduler.official_helpers import client_for

    mentions = processor_for(sessions, settings, registry, api_for(fake))
    fake.inject("server_error", 3)
    for i in range(3):
        notify(sessions, add(fake, photos, 200 + i, f"@wirzeigenS Weinberge #fellbach {i}", username="x"), T0)
        mentions.process_pending(T0 + timedelta(seconds=i))  # 1st: 500 → backoff; 2nd, 3rd: nothing due
    assert [r.status for r in rows(sessions)] == ["pending"] * 3 and len(fake.faults) == 2
    with fake.lock:
        fake.faults.clear()
    report = dict(collect_official(Collector(sessions, settings, registry), settings, run_source, "mentions",
                                   client=client_for(fake)))["mentions"]  # the real clock: long after T0
    assert sum("Beitrag instagram:" in m for m in report.messages) == 3, report.messages
    assert [r.status for r in rows(sessions)] == ["done"] * 3


class Api:
    """A stand-in for UgcApi that raises what it is told to."""

    def __init__(self, errors):
        self.errors, self.calls = list(errors), 0

    def mentioned_media(self, media_id):
        self.calls += 1
        raise self.errors.pop(0)


def test_a_server_given_wait_is_honoured(sessions, settings, registry):
    error = RetryLater("Application request limit reached", code=4, http_status=400)
    error.retry_after = 900.0  # seconds, from X-App-Usage estimated_time_to_regain_access (another branch)
    api = Api([error])
    notify(sessions, "17900000000000777", T0)
    processor_for(sessions, settings, registry, api).process_pending(T0)
    (row,) = rows(sessions)
    assert row.next_attempt_at == T0 + timedelta(seconds=900) and row.retries == 1 and row.attempts == 0
    assert retry.backoff_delay(1) == timedelta(minutes=1) and retry.backoff_delay(20) == retry.BACKOFF_CAP
    assert retry.backoff_delay(1, 10 ** 9) == retry.SERVER_WAIT_CAP


def test_only_permanent_errors_give_up_and_that_is_an_alert(sessions, settings, registry, monkeypatch):
    fatal = lambda: Fatal("(#100) The media was not found or does not mention the user", code=100)  # noqa: E731
    transient = lambda: RetryLater("Service temporarily unavailable", code=2, http_status=500)  # noqa: E731
    # permanent, transient ×3, permanent ×4: the transient ones never count
    api = Api([fatal(), transient(), transient(), transient(), fatal(), fatal(), fatal(), fatal()])
    mentions = processor_for(sessions, settings, registry, api)
    notify(sessions, "17900000000000888", T0)
    now = T0
    for _ in range(30):
        due = mentions.next_due()
        if due is None:
            break
        now = max(now, due)
        mentions.process_pending(now)
    (row,) = rows(sessions)
    assert api.calls == 8 and row.status == "gave_up" and row.attempts == retry.MAX_ATTEMPTS
    assert row.outcome.startswith("aufgegeben nach 5 Fehlversuchen: Fatal")
    with sessions() as session:
        monkeypatch.setattr("scheduler.alerts.checks.insights_problems", lambda session: [])
        kinds = {p.kind: p for p in job_checks(session, now).problems}
        status = retry.mention_status(session, now)
    assert "mention_gave_up" in kinds and "aufgegeben" in kinds["mention_gave_up"].text_de
    assert status.gave_up == 1 and "1 aufgegeben" in status.line_de()


def test_a_mention_pending_for_two_days_is_an_alert(sessions):
    notify(sessions, "17900000000000999", T0)
    with sessions() as session:
        assert retry.mention_problems(session, T0 + timedelta(hours=47)) == []
        (problem,) = retry.mention_problems(session, T0 + timedelta(hours=49))
        assert problem.kind == "mention_stale" and "seit über 48 Stunden" in problem.text_de
        assert retry.mention_status(session, T0 + timedelta(hours=49)).stale == 1


def test_status_shows_the_mentions_queue(sessions, settings, capsys):
    from scheduler.cli import main as cli

    notify(sessions, "17900000000000555", T0)
    with sessions.begin() as session:
        session.scalar(select(WebhookPayload)).status = "gave_up"
    notify(sessions, "17900000000000556", T0)
    assert cli.main(["status"], settings=settings) == 0
    assert "Erwähnungen: 1 offen, 1 älter als 48 Stunden, 1 aufgegeben" in capsys.readouterr().out
    assert cli.main(["status", "--json"], settings=settings) == 0
    data = __import__("json").loads(capsys.readouterr().out)
    assert data["mentions"] == {"pending": 1, "due": 1, "gave_up": 1, "stale": 1, "backoff_until": None}


def test_migration_0011_brings_back_the_mentions_the_old_rule_gave_up(tmp_path):
    """Mentions marked processed after five "später erneut" attempts (the first real day) are pending again."""
    from sqlalchemy import text

    from scheduler.store.db import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0010")
    engine = make_engine(url)
    old = [("a", "2026-12-01 09:00:00", "später erneut: Application request limit reached (code 4 …)", 5),
           ("b", "2026-12-01 09:00:00", "Beitrag instagram:Fk1: ok", 1),
           ("c", "2026-12-01 09:00:00", "fehlgeschlagen: Fatal: (#100) not found", 5),
           ("d", None, "später erneut: Service temporarily unavailable", 3)]
    with engine.begin() as connection:
        for key, processed, outcome, attempts in old:
            connection.execute(text("INSERT INTO webhook_payloads (key, field, body, received_at, processed_at, "
                                    "outcome, attempts) VALUES (:k, 'mentions', '{}', '2026-12-01 08:00:00', :p, :o, :a)"),
                               {"k": key, "p": processed, "o": outcome, "a": attempts})
    migrate(url)
    with engine.connect() as connection:
        found = {k: (s, p is None, a) for k, s, p, a in connection.execute(text(
            "SELECT key, status, processed_at, attempts FROM webhook_payloads"))}
    engine.dispose()
    assert found == {"a": ("pending", True, 0), "b": ("done", False, 1), "c": ("gave_up", False, 5),
                     "d": ("pending", True, 0)}


def test_the_receivers_worker_wakes_by_itself_when_the_backoff_ends():
    import threading
    import time

    from scheduler.collect.official import Worker

    calls, done = [], threading.Event()

    def work():
        calls.append(time.monotonic())
        if len(calls) == 2:
            done.set()
        return datetime.now(timezone.utc) + timedelta(seconds=1.2) if len(calls) == 1 else None

    worker = Worker(work)
    worker.wake.set()  # a notification: processed, then the queue backs off for 1.2 s
    assert done.wait(5), calls  # no second notification needed
    assert 1.0 <= calls[1] - calls[0] < 3.0


def test_a_row_waiting_after_a_permanent_error_does_not_lengthen_the_outage_backoff(sessions, settings, registry):
    fatal = Fatal("(#100) not found", code=100)
    api = Api([fatal, RetryLater("Application request limit reached", code=4, http_status=400)])
    mentions = processor_for(sessions, settings, registry, api)
    notify(sessions, "17900000000000701", T0)
    notify(sessions, "17900000000000702", T0)
    mentions.process_pending(T0)  # 701: permanent (again in 10 min), 702: rate limit (again in 1 min)
    first, second = rows(sessions)
    assert first.next_attempt_at == T0 + retry.PERMANENT_DELAY and second.next_attempt_at == T0 + timedelta(minutes=1)
    assert mentions.next_due() == T0 + timedelta(minutes=1)
    with sessions() as session:
        assert retry.backoff_until(session) == T0 + timedelta(minutes=1)
        assert [r.id for r in retry.due_rows(session, T0 + timedelta(minutes=1))] == [second.id]
