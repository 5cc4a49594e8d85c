"""Rights requests on the Fediverse, the same workflow as on Instagram (curate/rights_public.py):
the board's „Rechte öffentlich anfragen“ sends a public reply from the campaign's Mastodon account
that mentions the author; consent is only the author's own reply containing #jaSoistS, and the
reply (status URL, text, time) is kept as evidence.

- Resolve: a post from another server has no id on ours. `GET /api/v2/search?q=<status URL>
  &resolve=true&type=statuses` makes our server fetch it and answers its local id
  (https://docs.joinmastodon.org/methods/search/#v2; a user token with `read:search`).
- The request: `POST /api/v1/statuses` with `in_reply_to_id` (that local id), `visibility=public`,
  `language=de` and `Idempotency-Key: soists-rights-<post id>`, so a retry after a lost answer
  returns the same status instead of a second one (https://docs.joinmastodon.org/methods/statuses/#create);
  the key lasts an hour, so the post's context is searched for our reply before every request.
  The text is the editable German template rights_request_fediverse.de.txt (or
  SOISTS_RIGHTS_TEMPLATE_FEDIVERSE; placeholders {author}, {account}, {consent_hashtag}).
- The answers: the collect job reads `GET /api/v1/statuses/:id/context` of our request; its
  `descendants` are the replies below it (https://docs.joinmastodon.org/methods/statuses/#context).
  This needs only `read:statuses` (notifications would need `read:notifications` as well), and the
  author's reply reaches our server because the request mentions them. Only a reply whose account
  is the post's author (`user@home` from the account's `acct`, never the display name) with the
  consent hashtag grants; a #jaSoistS from anyone else is written to the audit trail as refused.
  Each reply is judged once (its status id is in the evidence).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from scheduler.collect.sources.fediverse import SOURCE, home_of, plain_text
from scheduler.curate import rights_public
from scheduler.curate.labels import state_label
from scheduler.curate.workflow import CurationError, record, transition
from scheduler.store.models import AuditEvent, Post, State, utcnow

TEMPLATE = Path(rights_public.__file__).resolve().parent / "rights_request_fediverse.de.txt"
ACTOR = "mastodon"
CHANNEL = "mastodon"


def consent_tag(consent_hashtag: str = "jaSoistS") -> re.Pattern:
    return re.compile(rf"(?<!\w)#{re.escape(consent_hashtag.lstrip('#'))}(?!\w)", re.IGNORECASE)


def load_template(env=None) -> str:
    env = os.environ if env is None else env
    return Path(env.get("SOISTS_RIGHTS_TEMPLATE_FEDIVERSE") or TEMPLATE).read_text(encoding="utf-8").strip()


def request_text(author: str, account: str, consent_hashtag: str = "jaSoistS", env=None) -> str:
    """The public reply (German, as on Instagram); `author` and `account` as user@home."""
    return rights_public.render(load_template(env), author=author, account=account, consent_hashtag=consent_hashtag)


@dataclass
class ConsentCheck:
    granted: bool = False
    evidence: dict = field(default_factory=dict)
    refused: list[dict] = field(default_factory=list)  # #jaSoistS from someone else: never consent


def account_key(account: dict, instance_domain: str) -> str:
    """`user@home` of a status's account: the domain in `acct`, else the server we asked."""
    username = account.get("username") or str(account.get("acct", "")).split("@")[0]
    return f"{username}@{home_of(str(account.get('acct') or username), instance_domain)}".casefold()


def consent_from_context(context: dict, author: str, instance_domain: str, own: str = "",
                         consent_hashtag: str = "jaSoistS") -> ConsentCheck:
    """The author's own reply with the consent hashtag, below our request (`own`: our account, skipped)."""
    check, yes = ConsentCheck(), consent_tag(consent_hashtag)
    for reply in context.get("descendants") or []:
        text = plain_text(reply.get("content", ""))
        who = account_key(reply.get("account") or {}, instance_domain)
        if not yes.search(text) or (own and who == own.casefold()):
            continue
        found = {"status_id": str(reply["id"]), "url": reply.get("url"), "account": who,
                 "created_at": str(reply.get("created_at")), "text": text}
        if who != author.casefold():
            check.refused.append({**found, "reason": "nicht von der Autorin / dem Autor"})
        elif not check.granted:
            check.granted, check.evidence = True, found
    return check


# -- the client side ---------------------------------------------------------------------------
def resolve_status(client, url: str) -> dict:
    """The post as a status on our server (fetched from its home server if needed)."""
    found = client.call("search_v2", url, resolve=True, result_type="statuses") or {}
    statuses = found.get("statuses") or []
    match = next((s for s in statuses if url in (s.get("url"), s.get("uri"))), statuses[0] if statuses else None)
    if match is None:
        raise CurationError(f"Unsere Mastodon-Instanz findet den Beitrag {url} nicht (Suche mit resolve).")
    return match


def own_account(client) -> str:
    """Our account as user@domain (the mention people answer to)."""
    account = client.call("account_verify_credentials")
    domain = str(client.call("instance_v2").get("domain") or "")
    return account_key(account, domain)


def earlier_request(client, target_id: str, account: str) -> dict | None:
    """Our reply below the post from an attempt whose answer was lost (the Idempotency-Key only lasts an
    hour): looked for in the post's context before asking, so we never ask twice."""
    domain = account.split("@", 1)[-1]
    for reply in client.call("status_context", target_id).get("descendants") or []:
        if str(reply.get("in_reply_to_id")) == target_id and account_key(reply.get("account") or {}, domain) == account:
            return reply
    return None


def unavailable_reason(post: Post) -> str | None:
    if post.source != SOURCE or not post.permalink or not post.author:
        return f"Beitrag {post.id} kam nicht aus dem Fediverse; öffentlich anfragen geht hier nicht."
    return rights_public.state_reason(post)


def request_rights(session, post: Post, client, actor: str, consent_hashtag: str = "jaSoistS",
                   now: datetime | None = None, env=None) -> dict:
    """Shortlisted Fediverse post → resolve → public reply → rights_requested; returns our status."""
    reason = unavailable_reason(post)
    if reason:
        raise CurationError(reason)
    now = now or utcnow()
    target = resolve_status(client, post.permalink)
    account = own_account(client)
    ours = earlier_request(client, str(target["id"]), account) or client.call(
        "status_post", request_text(post.author, account, consent_hashtag, env), in_reply_to_id=str(target["id"]),
        visibility="public", language="de", idempotency_key=f"soists-rights-{post.id}", retry=False)
    evidence = {"kind": "public_request", "channel": CHANNEL, "request_status_id": str(ours["id"]),
                "request_url": ours.get("url"), "in_reply_to_id": str(target["id"]), "post_url": post.permalink,
                "account": account, "at": now.isoformat()}
    transition(session, post, State.RIGHTS_REQUESTED.value, actor, "öffentlich auf Mastodon angefragt",
               json.dumps(evidence, ensure_ascii=False), now)
    return ours


def request_of(post: Post) -> dict | None:
    """The newest public request on Mastodon of this post (from its audit trail)."""
    for event in sorted(post.events, key=lambda e: (e.at, e.id or 0), reverse=True):
        if event.to_state == State.RIGHTS_REQUESTED.value and f'"channel": "{CHANNEL}"' in (event.evidence or ""):
            return {**json.loads(event.evidence), "at_dt": event.at}
    return None


def _seen(session, post: Post, status_id: str) -> bool:
    return session.scalar(select(AuditEvent.id).where(
        AuditEvent.post_id == post.id, AuditEvent.evidence.contains('"public_answer"'),
        AuditEvent.evidence.contains(f'"status_id": "{status_id}"')).limit(1)) is not None


def apply_replies(session, post: Post, client, consent_hashtag: str = "jaSoistS",
                  now: datetime | None = None) -> list[str]:
    """Judge each new reply below our request once; returns German lines for the run report."""
    request = request_of(post)
    if request is None:
        return []
    own, domain = request["account"], request["account"].split("@", 1)[-1]
    yes, lines = consent_tag(consent_hashtag), []
    for reply in client.call("status_context", request["request_status_id"]).get("descendants") or []:
        who = account_key(reply.get("account") or {}, domain)
        text = plain_text(reply.get("content", ""))
        by_author = who == post.author.casefold()
        if who == own or _seen(session, post, str(reply["id"])) or not (by_author or yes.search(text)):
            continue
        evidence = json.dumps({"kind": "public_answer", "channel": CHANNEL, "status_id": str(reply["id"]),
                               "url": reply.get("url"), "account": who, "text": text,
                               "at": str(reply.get("created_at"))}, ensure_ascii=False)
        if by_author and yes.search(text) and post.state in rights_public.ANSWER_STATES:
            reason = f"Einwilligung öffentlich auf Mastodon erteilt (#{consent_hashtag.lstrip('#')})"
            transition(session, post, State.GRANTED.value, ACTOR, reason, evidence, now, credit=post.author)
        elif by_author and yes.search(text):
            reason = f"Einwilligung per Mastodon, aber Status „{state_label(post.state)}“ – bitte prüfen"
            record(session, post, ACTOR, "rights_answer", reason, evidence, at=now)
        elif by_author:
            reason = f"Antwort der Autorin / des Autors ohne #{consent_hashtag.lstrip('#')} – keine Einwilligung, bitte lesen"
            record(session, post, ACTOR, "rights_answer", reason, evidence, at=now)
        else:
            reason = f"#{consent_hashtag.lstrip('#')} von {who}, nicht von {post.author} – keine Einwilligung"
            record(session, post, ACTOR, "rights_answer", reason, evidence, at=now)
        lines.append(f"post {post.id}: {reason}")
    return lines


def poll_answers(session, client, consent_hashtag: str = "jaSoistS", now: datetime | None = None) -> list[str]:
    """The collect job: the replies below every open request on Mastodon."""
    posts = session.scalars(select(Post).where(Post.source == SOURCE,
                                               Post.state.in_(rights_public.ANSWER_STATES))).all()
    return [line for post in posts for line in apply_replies(session, post, client, consent_hashtag, now)]


# -- the board --------------------------------------------------------------------------------
def board_facts(post: Post, configured: bool) -> dict:
    """For a board card: the Mastodon request state and whether the public-request button applies."""
    request = request_of(post)
    if request is not None:
        line = f"öffentlich angefragt am {request['at_dt']:%d.%m.%Y} (unser Beitrag {request['request_status_id']})"
    elif not configured:
        line = "Öffentliche Anfrage nicht möglich: kein Mastodon-Konto eingerichtet (SOISTS_MASTODON_URL)"
    else:
        line = "öffentliche Anfrage möglich"
    return {"reply_channel": "Mastodon", "reply_state": line,
            "public_request": configured and unavailable_reason(post) is None}


def ask_in_public(session, post: Post, actor: str, consent_hashtag: str, env=None) -> tuple[str, str]:
    """The board's „Rechte öffentlich anfragen“ for a Fediverse post: ("ok"|"error", German message)."""
    from scheduler.publish.graph_errors import GraphError
    from scheduler.publish.mastodon_api import MastodonClient, MastodonConfig

    config = MastodonConfig.from_env(env)
    if config is None:
        return "error", "Kein Mastodon-Konto eingerichtet (SOISTS_MASTODON_URL); bitte manuell anfragen."
    reason = unavailable_reason(post)
    if reason:
        return "error", reason
    try:
        ours = request_rights(session, post, MastodonClient(config), actor, consent_hashtag, env=env)
    except GraphError as exc:
        return "error", f"Mastodon hat die Anfrage nicht angenommen: {exc}"
    return "ok", f"Beitrag #{post.id}: öffentlich auf Mastodon angefragt (unser Beitrag {ours['id']})."
