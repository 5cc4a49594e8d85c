"""Winners are told through the consent workflow's channels; answers, the deadline and reserves (fixed clock)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from scheduler.campaigns import ledger, notify
from scheduler.curate.workflow import CurationError
from scheduler.publish.graph_errors import GraphError
from scheduler.store.models import AuditEvent, Post
from scheduler.store.official import IgMedia
from tests.campaigns.test_campaigns_draw import CANDIDATES, REGION, START, add_posts, campaign

AFTER = campaign().end + timedelta(minutes=1)
SEED = b"n" * 32


class FakeMentions:
    """The two Graph calls the consent workflow uses: reply to a mention, read the replies."""

    def __init__(self):
        self.sent: list[tuple[str, str, str | None]] = []
        self.replies: dict[str, list[dict]] = {}

    def reply_to_mention(self, media_id, message, comment_id=None):
        self.sent.append((media_id, message, comment_id))
        return f"c{len(self.sent)}"

    def comment_replies(self, comment_id):
        return self.replies.get(comment_id, [])


@pytest.fixture
def store(sessions):
    return sessions


@pytest.fixture
def drawn(store):
    """A drawn Gewinnspiel (1 winner, 2 reserves); every entry @mentioned us, so the API can reply."""
    c = campaign()
    with store.begin() as session:
        add_posts(session, CANDIDATES)
        session.flush()
        for cand in CANDIDATES:
            session.add(IgMedia(post_id=cand.post_id, media_id=f"m{cand.post_id}", source="mention",
                                author_known=True, can_reply=True, mention_comment_id=f"mc{cand.post_id}"))
        ledger.open_draw(session, c, "redaktion", now=START - timedelta(days=1), seed=SEED)
        ledger.freeze(session, c, CANDIDATES, REGION, "redaktion", now=AFTER)
        row = ledger.run(session, c, "redaktion", now=AFTER)
        return c, row.winners[0], list(row.reserves)


def post_id(line: str) -> int:
    return int(line.split()[0])


def author(store, line: str) -> str:
    with store() as session:
        return session.get(Post, post_id(line)).author


def events(store, line: str, action: str) -> list[AuditEvent]:
    with store() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.post_id == post_id(line),
                                                             AuditEvent.action == action)))


def published(store, c) -> dict:
    with store() as session:
        return ledger.published(ledger.get_draw(session, c.slug), c)


def test_the_winner_is_told_in_public_with_the_prize_wording(store, drawn):
    c, winner, _ = drawn
    api = FakeMentions()
    with store.begin() as session:
        notices = notify.contact(session, c, "redaktion", api, "jaSoistS", now=AFTER)
    handle = author(store, winner)
    assert [(n.line, n.channel, n.comment_id) for n in notices] == [(winner, "instagram", "c1")]
    media_id, text, reply_to = api.sent[0]
    assert (media_id, reply_to) == (f"m{post_id(winner)}", f"mc{post_id(winner)}")
    assert f"Herzlichen Glückwunsch, @{handle}!" in text and "„Fotowettbewerb“" in text and "7 Tagen" in text
    assert "#jaSoistS" in text and "#NameNennen" in text and "Picknickkorb" in text
    [event] = events(store, winner, "prize_request")
    assert json.loads(event.evidence)["comment_id"] == "c1" and event.actor == "redaktion"
    assert published(store, c)["announced"] == [{"status": "contacted", "handle": None}]


@pytest.mark.parametrize("text, named", [("@wirzeigenS #jaSoistS", False),
                                         ("Juhu! @wirzeigenS #jaSoistS #NameNennen", True)])
def test_the_authors_answer_confirms_the_winner_named_only_with_consent(store, drawn, text, named):
    c, winner, _ = drawn
    api = FakeMentions()
    with store.begin() as session:
        notify.contact(session, c, "redaktion", api, "jaSoistS", now=AFTER)
    handle = author(store, winner)
    api.replies["c1"] = [{"id": "r1", "text": "@wirzeigenS #jaSoistS #NameNennen", "username": "trittbrett"},
                         {"id": "r2", "text": text, "username": handle, "timestamp": "2026-11-02T10:00:00+0000"}]
    for _ in range(2):  # polling twice records each answer once
        with store.begin() as session:
            notify.advance(session, c, "scheduler", api, "jaSoistS", now=AFTER + timedelta(days=1))
    answers = events(store, winner, "prize_answer")
    assert [json.loads(e.evidence)["author"] for e in answers] == ["trittbrett", handle]
    assert "nicht vom Autor" in answers[0].reason
    assert published(store, c)["announced"] == [{"status": "accepted", "handle": handle if named else None}]


def test_no_answer_in_time_the_next_reserve_is_told_and_both_steps_are_recorded(store, drawn):
    c, winner, reserves = drawn
    api = FakeMentions()
    with store.begin() as session:
        notify.contact(session, c, "redaktion", api, "jaSoistS", now=AFTER)
    with store.begin() as session:  # one minute before the deadline: nothing happens
        report, notices = notify.advance(session, c, "scheduler", api, "jaSoistS",
                                         now=AFTER + timedelta(days=c.answer_days, minutes=-1))
    assert (report, notices) == ([], [])
    with store.begin() as session:
        report, notices = notify.advance(session, c, "scheduler", api, "jaSoistS",
                                         now=AFTER + timedelta(days=c.answer_days))
        trail = [(e.action, e.detail) for e in ledger.trail(session, c.slug)]
    assert report == [f"{winner}: keine Antwort in 7 Tagen, ersetzt"]
    assert [(n.line, n.channel) for n in notices] == [(reserves[0], "instagram")]
    assert f"@{author(store, reserves[0])}" in api.sent[1][1]
    assert ("promote_reserve", f"{winner}: keine Antwort in 7 Tagen; nachgerückt: {reserves[0]}") in trail
    assert trail[-1][0] == "contact" and reserves[0] in trail[-1][1]
    assert published(store, c)["announced"] == [{"status": "contacted", "handle": None}]


def test_without_the_api_the_editor_sends_the_notice_by_direct_message(store, drawn):
    c, winner, reserves = drawn
    with store.begin() as session:
        [notice] = notify.contact(session, c, "redaktion", None, "jaSoistS", now=AFTER)
        ledger.answer(session, c.slug, post_id(winner), False, False, "redaktion", now=AFTER + timedelta(days=2))
        [moved_up] = notify.contact(session, c, "redaktion", None, "jaSoistS", now=AFTER + timedelta(days=2))
    assert notice.channel == "manual" and notice.comment_id is None and "@" + author(store, winner) in notice.text
    assert json.loads(events(store, winner, "prize_request")[0].evidence)["channel"] == "manual"
    assert moved_up.line == reserves[0]


def test_a_broken_template_is_named(drawn, tmp_path):
    bad = tmp_path / "vorlage.txt"
    bad.write_text("Hallo {winner}", encoding="utf-8")
    with pytest.raises(CurationError, match="Platzhalter 'winner'.*{author}"):
        notify.render_notice(drawn[0], "anna", "jaSoistS", env={"SOISTS_PRIZE_TEMPLATE": str(bad)})


class BrokenMentions(FakeMentions):
    def reply_to_mention(self, media_id, message, comment_id=None):
        raise GraphError("Service unavailable", code=2, http_status=503)

    def comment_replies(self, comment_id):
        raise GraphError("Service unavailable", code=2, http_status=503)


def test_an_api_failure_leaves_the_winner_to_be_told_and_replaces_nobody(store, drawn):
    c, winner, _ = drawn
    with store.begin() as session:
        [failed] = notify.contact(session, c, "redaktion", BrokenMentions(), "jaSoistS", now=AFTER)
    assert failed.channel == "failed" and "fehlgeschlagen" in failed.text and events(store, winner, "prize_request") == []
    with store.begin() as session:
        [told] = notify.contact(session, c, "redaktion", FakeMentions(), "jaSoistS", now=AFTER)
    assert told.channel == "instagram"
    with store.begin() as session:  # deadline passed, but the answers cannot be read: nobody is replaced
        report, notices = notify.advance(session, c, "scheduler", BrokenMentions(), "jaSoistS",
                                         now=AFTER + timedelta(days=30))
    assert "niemand ersetzt" in report[0] and notices == []
    assert published(store, c)["announced"] == [{"status": "contacted", "handle": None}]


def test_the_daily_step_advances_every_drawn_gewinnspiel_and_rewrites_its_file(store, drawn, tmp_path):
    c, winner, reserves = drawn
    with store.begin() as session:
        notify.contact(session, c, "redaktion", None, "jaSoistS", now=AFTER)
    with store.begin() as session:
        report = notify.advance_all(session, [c], tmp_path, "scheduler", None, "jaSoistS",
                                    now=AFTER + timedelta(days=c.answer_days, hours=1))
    assert report == [f"{c.slug}: {winner}: keine Antwort in 7 Tagen, ersetzt",
                      f"{c.slug}: Beitrag {post_id(reserves[0])} – manual"]
    written = json.loads((tmp_path / "kampagnen" / f"{c.slug}.draw.json").read_text(encoding="utf-8"))
    assert written["announced"] == [{"status": "contacted", "handle": None}]


def test_the_scheduled_job_replaces_an_overdue_winner_from_the_campaign_files(store, drawn, settings, tmp_path,
                                                                              monkeypatch):
    from scheduler import jobs
    from tests.campaigns.test_campaigns_draw import GEWINNSPIEL

    c, winner, reserves = drawn
    content = tmp_path / "content"
    (content / "kampagnen").mkdir(parents=True)
    header = "".join(f"{field}: {value}\n" for field, value in GEWINNSPIEL.items())
    (content / "kampagnen" / "fotowettbewerb.md").write_text(header + "\nRegeln.\n", encoding="utf-8")
    monkeypatch.setenv("SOISTS_CONTENT_DIR", str(content))
    with store.begin() as session:
        notify.contact(session, c, "redaktion", None, "jaSoistS", now=AFTER)
    assert "soists.campaigns" in jobs.JOB_IDS
    report = jobs.campaigns_job(settings.db_url, now=AFTER + timedelta(days=c.answer_days, hours=1))
    assert report[0] == f"{c.slug}: {winner}: keine Antwort in {c.answer_days} Tagen, ersetzt"
    written = json.loads((content / "kampagnen" / f"{c.slug}.draw.json").read_text(encoding="utf-8"))
    assert written["announced"] == [{"status": "contacted", "handle": None}]
    assert jobs.campaigns_job(settings.db_url, now=AFTER + timedelta(days=c.answer_days, hours=2))[:1] != report[:1]
