"""Rights requests on the Fediverse: a public reply mentioning the author; consent only from the
author's own reply containing #jaSoistS, with the reply kept as evidence.

- The request: `POST /api/v1/statuses` with `in_reply_to_id`, `visibility=public`, `language=de` and
  an Idempotency-Key per post (https://docs.joinmastodon.org/methods/statuses/#create), the
  author mentioned as `@user@home` so their server delivers it.
- The answer: `GET /api/v1/statuses/:id/context` (`descendants`: the replies,
  https://docs.joinmastodon.org/methods/statuses/#context). Only a reply whose account is the
  author (same `acct` at the same home instance, or the same account id) counts; a #jaSoistS from
  anyone else is refused and reported, never taken as consent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from scheduler.collect.sources.fediverse import home_of, plain_text

YES = re.compile(r"(?<!\w)#jaSoistS(?!\w)", re.IGNORECASE)


def request_text(author: str, site: str = "so-ist-s.de") -> str:
    """The public reply (German): who asks, what for, how to say yes."""
    return (f"@{author} Hallo! Wir sind „So ist S“ aus der Region Stuttgart und würden Ihr Foto gern auf "
            f"{site} und unseren Kanälen zeigen – mit Ihrem Namen. Einverstanden? Dann antworten Sie bitte "
            f"hier mit #jaSoistS. Ohne Antwort zeigen wir nichts.")


def post_request(client, status_id: str, author: str) -> str:
    """Post the request as a public reply; returns our reply's id (idempotent per post)."""
    reply = client.call("status_post", request_text(author), in_reply_to_id=status_id, visibility="public",
                        language="de", idempotency_key=f"soists-rights-{status_id}", retry=False)
    return str(reply["id"])


@dataclass
class ConsentCheck:
    granted: bool = False
    evidence: dict = field(default_factory=dict)
    refused: list[dict] = field(default_factory=list)  # #jaSoistS from someone else: never consent


def account_key(account: dict, instance_domain: str) -> str:
    username = account.get("username") or str(account.get("acct", "")).split("@")[0]
    return f"{username}@{home_of(str(account.get('acct') or username), instance_domain)}".casefold()


def consent_from_context(context: dict, author: str, instance_domain: str, own: str = "") -> ConsentCheck:
    """Look through the replies for the author's own #jaSoistS (`own`: our account, whose request
    quotes the tag and is skipped)."""
    check = ConsentCheck()
    for reply in context.get("descendants") or []:
        text = plain_text(reply.get("content", ""))
        who = account_key(reply.get("account") or {}, instance_domain)
        if not YES.search(text) or (own and who == own.casefold()):
            continue
        record = {"status_id": str(reply["id"]), "url": reply.get("url"), "account": who,
                  "created_at": str(reply.get("created_at")), "text": text}
        if who != author.casefold():
            check.refused.append({**record, "reason": "nicht von der Autorin / dem Autor"})
            continue
        if not check.granted:
            check.granted, check.evidence = True, {**record, "method": "Fediverse-Antwort mit #jaSoistS"}
    return check


def request_rights(session, post, client, editor: str) -> str:
    """Shortlisted Fediverse post → the public request (reply to the author's status) → rights_requested.
    The reply's id is the evidence; the post's `evidence.status_id` must be an id on our instance."""
    from scheduler.curate.workflow import transition
    from scheduler.store.models import State

    status_id = post.permalink.rstrip("/").rsplit("/", 1)[-1] if post.permalink else ""
    reply_id = post_request(client, status_id, post.author)
    transition(session, post, State.RIGHTS_REQUESTED.value, editor, "öffentliche Anfrage im Fediverse",
               json.dumps({"request_status_id": reply_id, "in_reply_to": status_id}))
    return reply_id


def apply_replies(session, post, client, instance_domain: str, own: str, actor: str = "fediverse") -> ConsentCheck:
    """Read the replies of a requested post: the author's own #jaSoistS grants (the reply is the evidence);
    a #jaSoistS from anyone else is written to the audit trail as refused and changes nothing."""
    from scheduler.curate.workflow import record, transition
    from scheduler.store.models import State

    status_id = post.permalink.rstrip("/").rsplit("/", 1)[-1] if post.permalink else ""
    check = consent_from_context(client.call("status_context", status_id), post.author, instance_domain, own)
    for refused in check.refused:
        record(session, post, actor, "consent_refused", "#jaSoistS nicht von der Autorin / dem Autor",
               json.dumps(refused, ensure_ascii=False))
    if check.granted and post.state == State.RIGHTS_REQUESTED.value:
        transition(session, post, State.GRANTED.value, actor, "Einwilligung per #jaSoistS-Antwort",
                   json.dumps(check.evidence, ensure_ascii=False), credit=post.author)
    return check
