"""The Fediverse rights request through the board and the collect job, across two fake servers:
a photo on pixel.example, our account on bawue.example. The board's „Rechte öffentlich anfragen“
resolves the post on our server (GET /api/v2/search, resolve), replies in public with an
Idempotency-Key (a lost answer and a retry leave one reply), and the collect job reads the replies
below it (GET /api/v1/statuses/:id/context): only the author's own #jaSoistS grants."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from demo.mastodon_fake import TOKEN, MastodonFake
from demo.mastodon_fake_federation import federate
from scheduler.collect.fediverse_consent import consent_from_context
from scheduler.collect.ingest import Collector
from scheduler.collect.run import collect_fediverse
from scheduler.curate import workflow
from scheduler.store.models import AuditEvent, Post, State


@pytest.fixture
def servers(tmp_path):
    ours = MastodonFake(tmp_path / "ours.json", domain="bawue.example")
    pixel = MastodonFake(tmp_path / "pixel.json", domain="pixel.example", username="pixeladmin")
    ours.start(), pixel.start()
    federate(ours, pixel)
    yield ours, pixel
    ours.stop()
    pixel.stop()


def requests_to(fake, prefix: str) -> list[str]:
    return [r for r in fake.persisted()["requests"] if r.startswith(prefix)]


def test_board_request_and_collect_job_consent_across_two_servers(servers, sessions, settings, registry,
                                                                  monkeypatch):
    from scheduler.curate.review.app import ReviewApp

    ours, pixel = servers
    original = pixel.add_status("anna", "Abendlicht in Plochingen #SoistS")
    env = {"SOISTS_FEDIVERSE_INSTANCES": pixel.base_url, "SOISTS_MASTODON_URL": ours.base_url,
           "SOISTS_MASTODON_TOKEN": TOKEN, "SOISTS_SECRETS_FILE": str(settings.root / "none.json")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    collector = Collector(sessions, settings, registry)
    reports = dict(collect_fediverse(collector, settings, env=env))
    assert reports[f"fediverse:{pixel.host}:soists"].stored == 1
    with sessions.begin() as session:
        post = session.scalar(select(Post))
        assert post.author == "anna@pixel.example" and post.permalink == f"https://pixel.example/@anna/{original}"
        workflow.transition(session, post, State.SHORTLISTED.value, "eva")

    board = ReviewApp(sessions, settings, registry, editor="eva")
    html = board.render_board("pending", "tok")
    assert "Rechte öffentlich anfragen" in html and "Mastodon: öffentliche Anfrage möglich" in html

    def seen() -> dict[str, str]:
        with sessions() as session:
            post = session.scalar(select(Post))
            return {"expected_state": post.state, "version": str(post.version)}

    ours.inject("lost_status")  # the reply is posted, but its answer never arrives
    kind, message = board.act(1, {"action": "request_public", **seen()}, editor="eva")
    assert kind == "error" and "Mastodon" in message
    kind, message = board.act(1, {"action": "request_public", **seen()}, editor="eva")  # the editor tries again
    assert kind == "ok" and "öffentlich auf Mastodon angefragt" in message, message
    assert board.act(1, {"action": "request_public", **seen()}, editor="eva")[0] == "error"  # asked already

    replies = ours.statuses("soists")
    assert len(replies) == 1  # the Idempotency-Key: the retry returned the same status
    request = replies[0]
    local = ours.status(request["in_reply_to_id"])  # the post as our server knows it, resolved from pixel
    assert local["remote_url"] == f"https://pixel.example/@anna/{original}"
    assert ours.persisted()["accounts"][local["account_id"]]["acct"] == "anna@pixel.example"
    assert request["visibility"] == "public" and request["language"] == "de"
    assert request["text"].startswith("Hallo @anna@pixel.example, was für ein schönes Foto!")
    assert "@soists@bawue.example" in request["text"] and request["text"].endswith("mit #jaSoistS")
    assert requests_to(ours, "GET /api/v2/search")
    html = board.render_board("pending", "tok")
    assert "Rechte öffentlich anfragen" not in html and "Mastodon: öffentlich angefragt am" in html

    # Someone else says yes (also one called "anna", on another server), the author answers without the tag
    ours.add_status("mallory", "#jaSoistS klar doch", in_reply_to_id=request["id"], domain="evil.example")
    ours.add_status("anna", "Ja! #jaSoistS", in_reply_to_id=request["id"], domain="evil.example")
    ours.add_status("anna", "Schön, danke!", in_reply_to_id=request["id"], domain="pixel.example")
    ours.add_status("bernd", "Tolles Foto", in_reply_to_id=request["id"], domain="pixel.example")
    for _ in range(2):  # the second run finds nothing new
        reports = dict(collect_fediverse(collector, settings, env=env))
    assert reports["mastodon:antworten"].messages == []
    with sessions() as session:
        post = session.scalar(select(Post))
        assert post.state == State.RIGHTS_REQUESTED.value
        answers = session.scalars(select(AuditEvent).where(AuditEvent.action == "rights_answer")).all()
        reasons = sorted(a.reason for a in answers)
        assert len(answers) == 3, reasons  # bernd's reply without the tag is no answer
        assert sum("nicht von anna@pixel.example" in r for r in reasons) == 2
        assert any("ohne #jaSoistS" in r for r in reasons)

    yes = ours.add_status("anna", "Gern, #jaSoistS", in_reply_to_id=request["id"], domain="pixel.example")
    reports = dict(collect_fediverse(collector, settings, env=env))
    assert any("Einwilligung" in line for line in reports["mastodon:antworten"].messages)
    with sessions() as session:
        post = session.scalar(select(Post))
        assert post.state == State.GRANTED.value and post.consent.credit == "anna@pixel.example"
        evidence = json.loads(post.consent.evidence)
        assert evidence["status_id"] == yes and evidence["url"] == f"https://pixel.example/@anna/{yes}"
        assert evidence["text"] == "Gern, #jaSoistS" and evidence["at"] and evidence["account"] == "anna@pixel.example"
    assert len(requests_to(ours, f"GET /api/v1/statuses/{request['id']}/context")) == 3  # one per run with a request


def test_consent_from_context_compares_accounts_not_names():
    def reply(i, username, acct, text, name="Anna"):
        return {"id": str(i), "content": f"<p>{text}</p>", "url": f"https://x/{i}", "created_at": "2026-12-01",
                "account": {"username": username, "acct": acct, "display_name": name}}

    context = {"descendants": [reply(1, "soists", "soists", "#jaSoistS bitte"),
                               reply(2, "anna", "anna@evil.example", "#jaSoistS"),
                               reply(3, "anna2", "anna2@pixel.example", "#JASOISTS", name="anna@pixel.example"),
                               reply(4, "anna", "anna@pixel.example", "gern #jaSoistS")]}
    check = consent_from_context(context, "anna@pixel.example", "bawue.example", own="soists@bawue.example")
    assert check.granted and check.evidence["status_id"] == "4"
    assert [r["status_id"] for r in check.refused] == ["2", "3"]


def test_the_cli_asks_on_mastodon_for_a_fediverse_post(servers, sessions, settings, registry, monkeypatch):
    from scheduler.cli import main as cli

    ours, pixel = servers
    original = pixel.add_status("carla", "Weinberge bei Fellbach #SoistS")
    env = {"SOISTS_FEDIVERSE_INSTANCES": pixel.base_url, "SOISTS_MASTODON_URL": ours.base_url,
           "SOISTS_MASTODON_TOKEN": TOKEN, "SOISTS_SECRETS_FILE": str(settings.root / "none.json")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    dict(collect_fediverse(Collector(sessions, settings, registry), settings, env=env))
    assert cli.main(["rights", "1", "request", "--public"], settings) != 0  # not shortlisted yet
    assert cli.main(["approve", "1", "--editor", "eva"], settings) == 0
    assert cli.main(["rights", "1", "request", "--public"], settings) == 0
    [request] = ours.statuses("soists")
    assert ours.status(request["in_reply_to_id"])["remote_url"] == f"https://pixel.example/@carla/{original}"
    with sessions() as session:
        assert session.scalar(select(Post)).state == State.RIGHTS_REQUESTED.value


def test_a_lost_request_is_found_again_after_the_idempotency_key_expired(servers, sessions, settings, registry,
                                                                         monkeypatch):
    """The Idempotency-Key is kept for one hour only: an editor who tries again the next day must not ask
    twice. Before posting, the replies below the post are searched for ours (context)."""
    from scheduler.collect.fediverse_consent import ask_in_public

    ours, pixel = servers
    pixel.add_status("dora", "Rathaus in Waiblingen #SoistS")
    env = {"SOISTS_FEDIVERSE_INSTANCES": pixel.base_url, "SOISTS_MASTODON_URL": ours.base_url,
           "SOISTS_MASTODON_TOKEN": TOKEN, "SOISTS_SECRETS_FILE": str(settings.root / "none.json")}
    dict(collect_fediverse(Collector(sessions, settings, registry), settings, env=env))
    with sessions.begin() as session:
        workflow.transition(session, session.scalar(select(Post)), State.SHORTLISTED.value, "eva")
    ours.inject("lost_status")
    with sessions.begin() as session:
        assert ask_in_public(session, session.scalar(select(Post)), "eva", "jaSoistS", env=env)[0] == "error"
    ours.advance(26 * 3600)  # the next day: the key is gone
    with sessions.begin() as session:
        kind, message = ask_in_public(session, session.scalar(select(Post)), "eva", "jaSoistS", env=env)
    assert kind == "ok", message
    assert len(ours.statuses("soists")) == 1
