"""Asking for the rights in public, on Instagram, and recognising the author's answer.

For a post whose caption (or a comment) @mentions the account, we reply through
POST /{ig-user-id}/mentions with the editable German template (rights_request.de.txt or
SOISTS_RIGHTS_TEMPLATE; placeholders {author}, {account}, {consent_hashtag}) and move the post
to rights_requested with the comment id as evidence. The answer arrives as a mention (webhook or
polling of the replies to our comment). It is consent only when it comes from the post's own
author AND contains the consent hashtag; everything else is written to the audit trail for the
editor and never taken as consent. The 14-day expiry of rights requests applies unchanged.

Where the API cannot comment — tagged photos, hashtag-only results — the workflow says so in
German and points to the manual path (`rights ID requested` after a DM or e-mail).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.curate.labels import state_label
from scheduler.curate.workflow import TRANSITIONS, CurationError, record, transition
from scheduler.store.models import AuditEvent, Post, State, utcnow
from scheduler.store.official import IgMedia

TEMPLATE = Path(__file__).resolve().parent / "rights_request.de.txt"
ACTOR = "instagram"
ANSWER_STATES = (State.RIGHTS_REQUESTED.value, State.EXPIRED.value)  # a late "yes" still counts
_HASHTAG = re.compile(r"#(\w+)", re.UNICODE)
MANUAL = ("Bitte per Direktnachricht oder E-Mail anfragen und die Anfrage mit "
          "`python -m scheduler rights ID requested` (bzw. „Rechte angefragt“ in der Prüfung) festhalten.")


class PublicRequestUnavailable(CurationError):
    """The API cannot ask on this post; the German message names the manual path."""


class MentionsApi(Protocol):
    def reply_to_mention(self, media_id: str, message: str, comment_id: str | None = None) -> str: ...
    def comment_replies(self, comment_id: str) -> list[dict]: ...


@dataclass(frozen=True)
class Answer:
    comment_id: str
    text: str
    author: str | None  # None: the API did not tell who wrote it
    at: str


@dataclass(frozen=True)
class Verdict:
    consent: bool
    reason: str  # German, for the audit trail


def load_template(env=None) -> str:
    env = os.environ if env is None else env
    return Path(env.get("SOISTS_RIGHTS_TEMPLATE") or TEMPLATE).read_text(encoding="utf-8").strip()


def render(template: str, *, author: str, account: str, consent_hashtag: str) -> str:
    try:
        return template.format(author=author, account=account, consent_hashtag=consent_hashtag.lstrip("#"))
    except (KeyError, IndexError, ValueError) as exc:
        raise CurationError(f"Vorlage der Rechteanfrage fehlerhaft (Platzhalter {exc}); erlaubt sind "
                            "{author}, {account}, {consent_hashtag}.") from None


def unavailable_reason(post: Post, ref: IgMedia | None) -> str | None:
    """Why a public request is not possible here (German), or None when it is."""
    if ref is None:
        return f"Beitrag {post.id} kam nicht über die Instagram-API; öffentlich anfragen geht hier nicht. {MANUAL}"
    if not ref.author_known or not post.author:
        return (f"Beitrag {post.id} stammt aus der Hashtag-Suche: der Autor ist unbekannt, und Meta erlaubt keine "
                f"Kommentare auf Hashtag-Ergebnisse. {MANUAL}")
    if not ref.can_reply:
        if ref.source == "tagged":
            return (f"In Beitrag {post.id} ist @wirzeigenS nur markiert; auf markierte Fotos kann die API nicht "
                    f"antworten. {MANUAL}")
        return f"Beitrag {post.id} erwähnt @wirzeigenS nicht; die API kann dort nicht antworten. {MANUAL}"
    return state_reason(post)


def state_reason(post: Post) -> str | None:
    """Why the post's state allows no rights request yet (German), or None; for every channel."""
    if post.state == State.RIGHTS_REQUESTED.value:
        return f"Für Beitrag {post.id} sind die Rechte bereits angefragt."
    if State.RIGHTS_REQUESTED.value not in TRANSITIONS[post.state]:
        return (f"Beitrag {post.id} hat den Status „{state_label(post.state)}“; Rechte lassen sich erst anfragen, "
                "wenn er freigegeben (vorgemerkt) ist.")
    return None


def ref_of(session: Session, post: Post) -> IgMedia | None:
    return session.scalar(select(IgMedia).where(IgMedia.post_id == post.id))


def request_public(session: Session, post: Post, api: MentionsApi, actor: str, message: str,
                   now: datetime | None = None) -> str:
    """Reply in public and record the request with its evidence; returns our comment's id."""
    now = now or utcnow()
    ref = ref_of(session, post)
    reason = unavailable_reason(post, ref)
    if reason:
        raise PublicRequestUnavailable(reason)
    comment_id = api.reply_to_mention(ref.media_id, message, ref.mention_comment_id)
    ref.request_comment_id, ref.request_at = comment_id, now
    evidence = json.dumps({"kind": "public_request", "comment_id": comment_id, "media_id": ref.media_id,
                           "reply_to_comment": ref.mention_comment_id, "at": now.isoformat()}, ensure_ascii=False)
    transition(session, post, State.RIGHTS_REQUESTED.value, actor, "öffentlich auf Instagram angefragt",
               evidence, now)
    return comment_id


def hashtags(text: str) -> set[str]:
    return {tag.casefold() for tag in _HASHTAG.findall(text or "")}


def judge(post_author: str, answer: Answer, consent_hashtag: str) -> Verdict:
    """Pure rule: consent only from the post's own author and only with the consent hashtag."""
    tag = consent_hashtag.lstrip("#")
    if not answer.author:
        return Verdict(False, "Antwort erhalten, aber Absender nicht feststellbar (keine Antwort auf unseren "
                              "Kommentar) – keine Einwilligung, bitte prüfen")
    if not post_author:
        return Verdict(False, "Autor des Beitrags unbekannt – eine Antwort kann nicht als Einwilligung zählen")
    if answer.author.lstrip("@").casefold() != post_author.lstrip("@").casefold():
        return Verdict(False, f"Antwort von @{answer.author}, nicht vom Autor @{post_author} – keine Einwilligung")
    if tag.casefold() not in hashtags(answer.text):
        return Verdict(False, f"Antwort des Autors ohne #{tag} – keine Einwilligung, bitte lesen")
    return Verdict(True, f"Einwilligung öffentlich auf Instagram erteilt (#{tag})")


def already_recorded(session: Session, post: Post, comment_id: str) -> bool:
    marker = f'"comment_id": "{comment_id}"'
    return session.scalar(select(AuditEvent.id).where(
        AuditEvent.post_id == post.id, AuditEvent.evidence.contains('"public_answer"'),
        AuditEvent.evidence.contains(marker)).limit(1)) is not None


def record_answer(session: Session, post: Post, answer: Answer, consent_hashtag: str,
                  now: datetime | None = None) -> Verdict | None:
    """Grant on a valid answer, otherwise note it for the editor; None when seen before."""
    if already_recorded(session, post, answer.comment_id):
        return None
    verdict = judge(post.author, answer, consent_hashtag)
    evidence = json.dumps({"kind": "public_answer", "comment_id": answer.comment_id, "text": answer.text,
                           "author": answer.author, "at": answer.at}, ensure_ascii=False)
    if verdict.consent and post.state in ANSWER_STATES:
        transition(session, post, State.GRANTED.value, ACTOR, verdict.reason, evidence, now,
                   credit=f"@{post.author}")
    else:
        note = verdict.reason if not verdict.consent else \
            f"{verdict.reason}, aber Status „{state_label(post.state)}“ – bitte prüfen"
        record(session, post, ACTOR, "rights_answer", note, evidence, at=now)
    return verdict


def answers_from_replies(replies: list[dict]) -> list[Answer]:
    return [Answer(str(r.get("id")), r.get("text") or "", r.get("username") or None, r.get("timestamp") or "")
            for r in replies]


def open_requests(session: Session) -> list[tuple[Post, IgMedia]]:
    rows = session.execute(select(Post, IgMedia).join(IgMedia, IgMedia.post_id == Post.id).where(
        IgMedia.request_comment_id.is_not(None), Post.state.in_(ANSWER_STATES))).all()
    return [(post, ref) for post, ref in rows]


def poll_answers(session: Session, api: MentionsApi, consent_hashtag: str, now: datetime | None = None) -> list[str]:
    """The polling fallback: read the replies to each open public request."""
    lines = []
    for post, ref in open_requests(session):
        for answer in answers_from_replies(api.comment_replies(ref.request_comment_id)):
            verdict = record_answer(session, post, answer, consent_hashtag, now)
            if verdict is not None:
                lines.append(f"post {post.id}: {verdict.reason}")
    return lines


def reply_state(ref: IgMedia | None) -> str:
    """One German line for the board: can we ask in public, and did we?"""
    if ref is None:
        return ""
    if ref.request_comment_id:
        return f"öffentlich angefragt am {ref.request_at:%d.%m.%Y} (Kommentar {ref.request_comment_id})"
    if not ref.author_known:
        return "Autor unbekannt (Hashtag-Suche): nur manuelle Anfrage möglich"
    if not ref.can_reply:
        return "Öffentliche Anfrage über die API nicht möglich (nur markiert)"
    return "Öffentliche Anfrage auf Instagram möglich"


ACCOUNT_DISPLAY = "wirzeigenS"  # how the account is written to people (stored values stay lower case)


def message_for(post: Post, consent_hashtag: str, env=None) -> str:
    return render(load_template(env), author=post.author, account=ACCOUNT_DISPLAY, consent_hashtag=consent_hashtag)


def board_facts(post: Post) -> dict:
    """For a board card: the Instagram reply state and whether the public-request button applies."""
    ref = getattr(post, "ig_media", None)
    return {"reply_state": reply_state(ref), "public_request": ref is not None and unavailable_reason(post, ref) is None}

