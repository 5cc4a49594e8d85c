"""The official collection run: hashtag (recent + top), tagged media, stored mention payloads
and the replies to our public rights requests — through the publisher's GraphClient.

Also the webhook receiver's process (serve_webhook): the WSGI app plus one worker thread that
processes stored payloads; the Instagram token is read when a batch is processed and dropped
afterwards, never kept by the long-running process.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timezone
from typing import Callable, Iterator, Mapping

from sqlalchemy import select

from scheduler.campaigns.collecting import collecting_hashtags
from scheduler.collect import hashtag_budget
from scheduler.collect.graph_ugc import UgcApi
from scheduler.collect.ingest import Collector, RunReport
from scheduler.collect.mentions import MentionProcessor
from scheduler.collect.sources.base import Source, SourceStopped
from scheduler.collect.sources.graph_sources import hashtag_sources, stopped, tagged_source
from scheduler.collect.webhook import SecretsUnavailable, WebhookApp, WebhookSecrets, make_webhook_server
from scheduler.config import Settings
from scheduler.curate import rights_public
from scheduler.credentials.vault import SecretsError, Vault, resolve_token
from scheduler.credentials.versions import graph_base_url
from scheduler.publish.graph_api import GraphClient, GraphConfig
from scheduler.publish.graph_errors import GraphError, install_token_redaction
from scheduler.store.models import Post
from scheduler.store.official import HashtagQuery

log = logging.getLogger(__name__)
OFFICIAL_SOURCES = ("hashtag", "tagged", "mentions")
Runner = Callable[[Collector, Source, "int | None"], RunReport]


def official_configured(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get("SOISTS_IG_USER_ID")) and bool(resolve_token("instagram", None, env))


def graph_client(env: Mapping[str, str] | None = None, max_attempts: int = 4) -> GraphClient:
    """A client with the Instagram slot's token; the Page slot is not needed to collect.
    max_attempts=1: no sleeping retries inside the client (the mentions queue backs off itself)."""
    env = os.environ if env is None else env
    token = resolve_token("instagram", None, env)
    if not env.get("SOISTS_IG_USER_ID") or not token:
        raise SourceStopped(SourceStopped.LOGIN, "Instagram Graph API not configured: set SOISTS_IG_USER_ID and "
                            "store the Instagram token (secrets file or SOISTS_IG_TOKEN); see docs/OPERATIONS-tokens.md")
    install_token_redaction([token])
    page_token = resolve_token("facebook_page", None, env)
    return GraphClient(GraphConfig(env["SOISTS_IG_USER_ID"], env.get("SOISTS_FB_PAGE_ID", ""), token, page_token,
                                   graph_base_url(env)), max_attempts=max_attempts)


def hashtag_resolver(sessions, api: UgcApi, now: Callable[[], datetime]) -> Callable[[str], str]:
    """Admit the hashtag against the 30-per-7-days budget, then reuse its (static) id."""
    def resolve(hashtag: str) -> str:
        try:
            with sessions.begin() as session:
                cached = hashtag_budget.admit(session, hashtag, now()).hashtag_id
        except hashtag_budget.HashtagLimitReached as exc:
            raise SourceStopped(SourceStopped.FAILED, str(exc)) from None
        if cached:
            return cached
        hashtag_id = api.hashtag_id(hashtag)
        with sessions.begin() as session:
            session.scalar(select(HashtagQuery).where(HashtagQuery.hashtag == hashtag)).hashtag_id = hashtag_id
        return hashtag_id
    return resolve


def processor(collector: Collector, api: UgcApi, settings: Settings) -> MentionProcessor:
    return MentionProcessor(collector.sessions, collector, api, settings.account, settings.consent_hashtag)


def collect_official(collector: Collector, settings: Settings, run: Runner, which: str = "all",
                     budget: int | None = None, env: Mapping[str, str] | None = None,
                     client: GraphClient | None = None) -> Iterator[tuple[str, RunReport]]:
    sessions = collector.sessions
    api = UgcApi(client or graph_client(env))
    budget = budget or settings.budget

    def known(uid: str) -> bool:
        with sessions() as session:
            return session.scalar(select(Post.id).where(Post.uid == uid)) is not None

    def now() -> datetime:
        return datetime.now(timezone.utc)

    chosen = OFFICIAL_SOURCES if which == "all" else (which,)
    if "hashtag" in chosen:
        for tag in (settings.hashtag, *collecting_hashtags(settings.root / "content", now())):  # + campaigns
            for source in hashtag_sources(api, tag, hashtag_resolver(sessions, api, now), budget, known,
                                          settings.account):
                yield source.name, run(collector, source, budget)
    if "tagged" in chosen:
        source = tagged_source(api, settings.account, budget, known)
        yield source.name, run(collector, source, budget)
    if "mentions" in chosen:  # the polling fallback for a receiver that was down
        report, mentions = RunReport(), processor(collector, api, settings)
        try:
            report.messages += mentions.process_pending() + mentions.poll_answers()
        except GraphError as error:
            raise stopped(error, "mentions") from error
        yield "mentions", report


def webhook_secrets(env: Mapping[str, str] | None = None) -> WebhookSecrets:
    """Read for every request: the verify token and the app secret through the Vault's merged view
    (the writable SOISTS_SECRETS_FILE, which may not exist yet, and the LoadCredential= copy), the
    environment as a fallback. A file that must not be used raises SecretsUnavailable (→ 503)."""
    env = os.environ if env is None else env
    try:
        vault = Vault.from_env(env)
        exists = vault.exists()
        token = vault.token("webhook_verify") if exists else ""
        secret = vault.app()[1] if exists else ""
    except (SecretsError, OSError) as exc:  # neither message quotes a secret
        raise SecretsUnavailable(f"{type(exc).__name__}: {exc}") from None
    return WebhookSecrets(token or env.get("SOISTS_WEBHOOK_VERIFY_TOKEN", ""),
                          secret or env.get("SOISTS_FB_APP_SECRET", ""))


class Worker:
    """One thread that processes stored payloads after the 200 went out (Meta wants answers fast).
    It wakes for each stored notification and by itself when the next waiting row is due (the
    end of a backoff); `work` returns that moment, or None."""

    IDLE_S = 3600.0  # look anyway once an hour

    def __init__(self, work: Callable[[], "datetime | None"]):
        self.work, self.wake = work, threading.Event()
        threading.Thread(target=self._loop, daemon=True, name="mentions").start()

    def _loop(self) -> None:
        timeout = self.IDLE_S
        while True:
            self.wake.wait(timeout)
            self.wake.clear()
            timeout = self.IDLE_S
            try:
                due = self.work()
            except SourceStopped as stop:  # e.g. no Instagram token: the rows wait, stored
                log.warning("stored mentions not processed: %s", stop.message)
                continue
            except Exception:  # the receiver keeps receiving; the next collect run retries
                log.exception("processing stored mentions failed")
                continue
            if due is not None:
                timeout = min(self.IDLE_S, max(1.0, (due - datetime.now(timezone.utc)).total_seconds()))


def serve_webhook(collector: Collector, settings: Settings, port: int = 8766) -> None:
    def work() -> datetime | None:
        # token read now, dropped after; one try per call: an outage is the queue's backoff, not a sleep here
        mentions = processor(collector, UgcApi(graph_client(max_attempts=1)), settings)
        for line in mentions.process_pending():
            log.info("%s", line)
        return mentions.next_due()

    worker = Worker(work)
    app = WebhookApp(collector.sessions, webhook_secrets, on_stored=worker.wake.set)
    server = make_webhook_server(app, port)
    log.info("webhook receiver on http://127.0.0.1:%d%s (waitress)", server.server_address[1], app.path)
    worker.wake.set()  # payloads stored while we were down
    try:
        server.serve_forever()
    finally:
        server.server_close()


def ask_in_public(session, post: Post, actor: str, consent_hashtag: str) -> tuple[str, str]:
    """The board's "Rechte öffentlich anfragen": ("ok"|"error", German message)."""
    reason = rights_public.unavailable_reason(post, rights_public.ref_of(session, post))
    if reason:
        return "error", reason
    try:
        comment_id = rights_public.request_public(session, post, UgcApi(graph_client()), actor,
                                                  rights_public.message_for(post, consent_hashtag))
    except (GraphError, SourceStopped) as exc:
        return "error", f"Instagram hat die Anfrage nicht angenommen: {exc}"
    return "ok", f"Beitrag #{post.id}: öffentlich auf Instagram angefragt (Kommentar {comment_id})."
