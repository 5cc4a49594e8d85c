"""The mentions webhook: verification, signatures, bad input, replays, and the public rights flow."""

from __future__ import annotations

import io
import logging
import json

import pytest
from sqlalchemy import select

from demo.graph_fake import IG_USER_ID
from demo.graph_fake_ugc import UgcFake
from scheduler.collect.ingest import Collector
from scheduler.collect.mentions import MentionProcessor
from scheduler.collect.webhook import WebhookApp, WebhookSecrets, sign
from scheduler.curate import rights_public, workflow
from scheduler.store.models import Post, State
from scheduler.store.official import IgMedia, WebhookPayload
from tests.scheduler.official_helpers import APP_SECRET, VERIFY_TOKEN, add, api_for

PATH = "/webhooks/instagram"


@pytest.fixture
def app(sessions):
    return WebhookApp(sessions, lambda: WebhookSecrets(VERIFY_TOKEN, APP_SECRET))


def call(app, method: str, query: str = "", body: bytes = b"", signature: str | None = None):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": PATH, "QUERY_STRING": query,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    if signature is not None:
        environ["HTTP_X_HUB_SIGNATURE_256"] = signature
    seen = {}
    result = b"".join(app(environ, lambda status, headers: seen.update(status=status)))
    return int(seen["status"].split()[0]), result


def stored(sessions) -> list[WebhookPayload]:
    with sessions() as session:
        return list(session.scalars(select(WebhookPayload)))


def test_verification_handshake(app):
    ok = "hub.mode=subscribe&hub.verify_token=" + VERIFY_TOKEN + "&hub.challenge=1158201444"
    assert call(app, "GET", ok) == (200, b"1158201444")
    assert call(app, "GET", ok.replace(VERIFY_TOKEN, "wrong"))[0] == 403
    assert call(app, "GET", ok.replace("subscribe", "unsubscribe"))[0] == 403
    empty = WebhookApp(None, lambda: WebhookSecrets("", APP_SECRET))  # no token configured: never verified
    assert call(empty, "GET", "hub.mode=subscribe&hub.verify_token=&hub.challenge=1")[0] == 403


@pytest.mark.both_databases
def test_unsigned_wrongly_signed_malformed_and_replayed_payloads(app, sessions):
    logged: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = logged.append
    logger = logging.getLogger("scheduler.collect.webhook")
    logger.addHandler(handler)
    filters, logger.filters = logger.filters, []  # pelican's LimitFilter drops repeats of a message
    body, signature = UgcFake.notification(IG_USER_ID, "17900000000000042", at=1700000000, secret=APP_SECRET)
    assert call(app, "POST", body=body)[0] == 403
    assert call(app, "POST", body=body, signature=sign(body, "another-secret"))[0] == 403
    assert call(app, "POST", body=body + b" ", signature=signature)[0] == 403  # body changed after signing
    assert stored(sessions) == []
    for bad in (b"{not json", json.dumps({"object": "page", "entry": []}).encode(),
                json.dumps({"object": "instagram", "entry": [{"id": "1", "time": 1, "changes": [
                    {"field": "mentions", "value": {"media_id": "../etc"}}]}]}).encode()):
        assert call(app, "POST", body=bad, signature=sign(bad, APP_SECRET))[0] == 400
    logger.removeHandler(handler)
    logger.filters = filters
    assert any("malformed webhook payload" in r.getMessage() for r in logged) and stored(sessions) == []
    assert call(app, "POST", body=body, signature=signature) == (200, b"EVENT_RECEIVED")
    assert call(app, "POST", body=body, signature=signature)[0] == 200  # Meta retries: stored once
    rows = stored(sessions)
    assert len(rows) == 1 and rows[0].key == f"{IG_USER_ID}:1700000000:17900000000000042:-"
    assert rows[0].processed_at is None  # stored before anything is processed


def deliver(app, media_id: str, comment_id: str | None = None, at: int | None = None) -> None:
    body, signature = UgcFake.notification(IG_USER_ID, media_id, comment_id, at=at, secret=APP_SECRET)
    assert call(app, "POST", body=body, signature=signature)[0] == 200


def test_mention_to_public_request_to_consent(app, sessions, settings, registry, fake, photos):
    processor = MentionProcessor(sessions, Collector(sessions, settings, registry), api_for(fake), "wirzeigens",
                                 "jaSoistS")
    media = add(fake, photos, 11, "Sonnenuntergang in #esslingen, danke @wirzeigenS", username="anna")
    deliver(app, media)
    lines = processor.process_pending()
    assert len(lines) == 1 and "instagram:Fk" in lines[0]
    with sessions.begin() as session:
        post = session.scalar(select(Post))
        ref = session.scalar(select(IgMedia))
        assert post.author == "anna" and post.source == "mention" and ref.can_reply
        workflow.transition(session, post, State.SHORTLISTED.value, "eva")
        text = rights_public.render(rights_public.load_template(), author=post.author, account="wirzeigenS",
                                    consent_hashtag="jaSoistS")
        request_id = rights_public.request_public(session, post, api_for(fake), "eva", text)
        assert post.state == State.RIGHTS_REQUESTED.value and request_id in post.consent.evidence
    sent = UgcFake.state(fake)["comments"][request_id]
    assert "@wirzeigenS #jaSoistS" in sent["text"] and "widerrufen" in sent["text"] and "Facebook" in sent["text"]

    other = UgcFake.add_comment(fake, media, "bob", "@wirzeigenS #jaSoistS", parent=request_id)
    deliver(app, media, other)
    processor.process_pending()
    with sessions() as session:
        post = session.scalar(select(Post))
        assert post.state == State.RIGHTS_REQUESTED.value  # someone else's "yes" is not consent
        assert "nicht vom Autor @anna" in post.events[-1].reason and post.events[-1].action == "rights_answer"

    no_tag = UgcFake.add_comment(fake, media, "anna", "@wirzeigenS klar doch", parent=request_id)
    deliver(app, media, no_tag)
    processor.process_pending()
    yes = UgcFake.add_comment(fake, media, "anna", "@wirzeigenS #jaSoistS gerne!", parent=request_id)
    deliver(app, media, yes)
    deliver(app, media, yes)  # a replay changes nothing
    processor.process_pending()
    with sessions() as session:
        post = session.scalar(select(Post))
        assert post.state == State.GRANTED.value and post.consent.credit == "@anna"
        evidence = json.loads(post.consent.evidence)
        assert evidence["comment_id"] == yes and evidence["author"] == "anna" and "#jaSoistS" in evidence["text"]
        reasons = [e.reason for e in post.events]
        assert any("ohne #jaSoistS" in r for r in reasons)
        assert sum("Einwilligung öffentlich" in r for r in reasons) == 1
    assert all(row.processed_at for row in stored(sessions))


def test_polling_finds_the_answer_when_the_receiver_was_down(sessions, settings, registry, fake, photos, app):
    processor = MentionProcessor(sessions, Collector(sessions, settings, registry), api_for(fake), "wirzeigens",
                                 "jaSoistS")
    media = add(fake, photos, 12, "@wirzeigenS Weinberge bei #fellbach", username="carla")
    deliver(app, media)
    processor.process_pending()
    with sessions.begin() as session:
        post = session.scalar(select(Post))
        workflow.transition(session, post, State.SHORTLISTED.value, "eva")
        request_id = rights_public.request_public(session, post, api_for(fake), "eva", "Anfrage")
    UgcFake.add_comment(fake, media, "carla", "@wirzeigenS #JaSoistS", parent=request_id)  # no webhook came
    assert any("Einwilligung" in line for line in processor.poll_answers())
    assert processor.poll_answers() == []  # seen before
    with sessions() as session:
        assert session.scalar(select(Post)).state == State.GRANTED.value


def test_no_public_request_where_the_api_cannot_comment(sessions, settings, registry, fake, photos):
    from scheduler.collect.official import collect_official
    from scheduler.collect.run import run_source
    from tests.scheduler.official_helpers import client_for

    add(fake, photos, 13, "Nur markiert #esslingen", username="dora", tagged=True)
    add(fake, photos, 14, "Nur Hashtag #soists #esslingen", username="emil")
    dict(collect_official(Collector(sessions, settings, registry), settings, run_source, "all",
                          client=client_for(fake)))
    with sessions.begin() as session:
        for post in session.scalars(select(Post)):
            workflow.transition(session, post, State.SHORTLISTED.value, "eva")
            with pytest.raises(rights_public.PublicRequestUnavailable, match="manuell|Direktnachricht"):
                rights_public.request_public(session, post, api_for(fake), "eva", "Anfrage")
    assert UgcFake.state(fake)["replies_sent"] == []


def test_judge_is_strict():
    answer = rights_public.Answer("1", "@wirzeigenS #jasoists", "Anna", "")
    assert rights_public.judge("anna", answer, "jaSoistS").consent
    assert not rights_public.judge("anna", rights_public.Answer("1", "@wirzeigenS #jasoists", None, ""),
                                   "jaSoistS").consent
    assert not rights_public.judge("", answer, "jaSoistS").consent
    assert not rights_public.judge("anna", rights_public.Answer("1", "#jaSoistSnicht", "anna", ""), "jaSoistS").consent


def test_board_offers_the_public_request_only_where_it_applies(sessions, settings, registry, fake, photos, app,
                                                               monkeypatch):
    from scheduler.curate.review.app import ReviewApp
    from tests.scheduler.official_helpers import client_for

    processor = MentionProcessor(sessions, Collector(sessions, settings, registry), api_for(fake), "wirzeigens",
                                 "jaSoistS")
    deliver(app, add(fake, photos, 15, "@wirzeigenS Rathaus #esslingen", username="frieda"))
    processor.process_pending()
    with sessions.begin() as session:
        workflow.transition(session, session.scalar(select(Post)), State.SHORTLISTED.value, "eva")
    board = ReviewApp(sessions, settings, registry, editor="eva")
    html = board.render_board("pending", "tok")
    assert "Rechte öffentlich anfragen" in html and "Öffentliche Anfrage auf Instagram möglich" in html
    monkeypatch.setattr("scheduler.collect.official.graph_client", lambda env=None: client_for(fake))
    def seen() -> dict[str, str]:  # what the card's form carries: the state and version the editor saw
        with sessions() as session:
            post = session.scalar(select(Post))
            return {"expected_state": post.state, "version": str(post.version)}

    kind, message = board.act(1, {"action": "request_public", **seen()}, editor="eva")
    assert kind == "ok" and "öffentlich auf Instagram angefragt" in message
    html = board.render_board("pending", "tok")
    assert "Rechte öffentlich anfragen" not in html and "öffentlich angefragt am" in html
    assert board.act(1, {"action": "request_public", **seen()}, editor="eva")[0] == "error"  # asked already
    assert len(UgcFake.state(fake)["replies_sent"]) == 1
