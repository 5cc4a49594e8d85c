"""Telling the winners through the consent workflow's channels, and reading their answers.

The prize notice goes out the way a public rights request does (rights_public): a reply through
POST /{ig-user-id}/mentions where the post @mentions the account, recorded on the post's own
audit trail with the comment id as evidence; where the API cannot reply (hashtag results, tagged
photos, imports) the editor sends the same German text by direct message (channel "manual") and
records the answer with `draw answer`. An answer counts by the same rule as a rights answer
(`rights_public.judge`): only from the post's author and only with the consent hashtag; the
name hashtag in it allows naming the winner on the page.

Why the post's rights state is not touched: accepting a prize is not a licence to repost the
photo; that stays the rights request's job. Both live on the same audit trail.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.campaigns.model import Campaign
from scheduler.campaigns import draw, ledger
from scheduler.curate.rights_public import (ACCOUNT_DISPLAY, ACTOR, MentionsApi, answers_from_replies, hashtags,
                                            judge, ref_of)
from scheduler.curate.workflow import CurationError, record
from scheduler.publish.graph_errors import GraphError
from scheduler.store.campaigns import CampaignDraw
from scheduler.store.models import AuditEvent, Post, utcnow
from scheduler.store.official import IgMedia

TEMPLATE = Path(__file__).resolve().parent / "prize_notice.de.txt"
NAME_HASHTAG = "NameNennen"  # in the winner's answer: "you may name me on the page"
PLACEHOLDERS = "{author}, {account}, {title}, {prize}, {days}, {consent_hashtag}, {name_hashtag}"


@dataclass(frozen=True)
class Notice:
    line: str
    post_id: int
    channel: str  # "instagram" (public reply), "manual" (the editor sends it by DM), "failed" (text: why)
    text: str
    comment_id: str | None = None


def render_notice(campaign: Campaign, author: str, consent_hashtag: str, env=None) -> str:
    """The German prize notice; SOISTS_PRIZE_TEMPLATE replaces the file, like the rights template."""
    env = os.environ if env is None else env
    template = Path(env.get("SOISTS_PRIZE_TEMPLATE") or TEMPLATE).read_text(encoding="utf-8").strip()
    try:
        return template.format(author=author, account=ACCOUNT_DISPLAY, title=campaign.title, prize=campaign.prize,
                               days=campaign.answer_days, consent_hashtag=consent_hashtag.lstrip("#"),
                               name_hashtag=NAME_HASHTAG)
    except (KeyError, IndexError, ValueError) as exc:
        raise CurationError(f"Vorlage der Gewinnbenachrichtigung fehlerhaft (Platzhalter {exc}); erlaubt sind "
                            f"{PLACEHOLDERS}.") from None


def can_reply(ref: IgMedia | None) -> bool:
    return ref is not None and ref.author_known and ref.can_reply


def contact(session: Session, campaign: Campaign, actor: str, api: MentionsApi | None, consent_hashtag: str,
            now: datetime | None = None) -> list[Notice]:
    """Tell every winner not yet told; the answer period starts now."""
    row, now = ledger.get_draw(session, campaign.slug), now or utcnow()
    notices = []
    for line in ledger.to_contact(row):
        post = session.get(Post, int(line.split(" ")[0]))
        if post is None:
            raise draw.DrawError(f"Beitrag {line.split(' ')[0]} ({line}) fehlt im Speicher.")
        text, ref = render_notice(campaign, post.author, consent_hashtag), ref_of(session, post)
        comment_id = None
        if api is not None and can_reply(ref):
            try:
                comment_id = api.reply_to_mention(ref.media_id, text, ref.mention_comment_id)
            except GraphError as exc:  # this winner stays "drawn" (next run tries again); the others go on
                notices.append(Notice(line, post.id, "failed", f"Instagram-Antwort fehlgeschlagen ({exc}); bitte "
                                      "prüfen, ob der Kommentar doch erschienen ist"))
                continue
        channel = "instagram" if comment_id else "manual"
        evidence = json.dumps({"kind": "prize_request", "campaign": campaign.slug, "channel": channel,
                               "comment_id": comment_id, "media_id": ref.media_id if ref else None,
                               "at": now.isoformat()}, ensure_ascii=False)
        how = "öffentlich auf Instagram" if comment_id else "per Direktnachricht (von der Redaktion zu senden)"
        record(session, post, actor, "prize_request", f"Gewinnspiel {campaign.title}: Gewinn mitgeteilt, {how}",
               evidence, at=now)
        ledger.mark_contacted(session, row, line, actor, now, channel, comment_id)
        notices.append(Notice(line, post.id, channel, text, comment_id))
    return notices


def _seen(session: Session, post: Post, comment_id: str) -> bool:
    return session.scalar(select(AuditEvent.id).where(
        AuditEvent.post_id == post.id, AuditEvent.action == "prize_answer",
        AuditEvent.evidence.contains(f'"comment_id": "{comment_id}"')).limit(1)) is not None


def poll_answers(session: Session, campaign: Campaign, api: MentionsApi, consent_hashtag: str,
                 now: datetime | None = None) -> list[str]:
    """Read the replies to each open prize notice; a valid answer confirms the winner."""
    row, now, report = ledger.get_draw(session, campaign.slug), now or utcnow(), []
    for line, status in list(row.statuses.items()):
        if status["status"] != "contacted" or not status.get("comment_id"):
            continue
        post = session.get(Post, int(line.split(" ")[0]))
        for answer in answers_from_replies(api.comment_replies(status["comment_id"])):
            if _seen(session, post, answer.comment_id):
                continue
            verdict = judge(post.author, answer, consent_hashtag)
            evidence = json.dumps({"kind": "prize_answer", "campaign": campaign.slug, "comment_id": answer.comment_id,
                                   "text": answer.text, "author": answer.author, "at": answer.at}, ensure_ascii=False)
            record(session, post, ACTOR, "prize_answer", verdict.reason.replace("Einwilligung", "Gewinnannahme"),
                   evidence, at=now)
            report.append(f"Beitrag {post.id}: {verdict.reason}")
            if verdict.consent:
                named = NAME_HASHTAG.casefold() in hashtags(answer.text)
                ledger.answer(session, campaign.slug, post.id, True, named, ACTOR, now)
                break
    return report


def advance(session: Session, campaign: Campaign, actor: str, api: MentionsApi | None, consent_hashtag: str,
            now: datetime | None = None) -> tuple[list[str], list[Notice]]:
    """The daily step: read answers, replace who missed the deadline, tell who moved up."""
    now = now or utcnow()
    try:
        report = poll_answers(session, campaign, api, consent_hashtag, now) if api is not None else []
    except GraphError as exc:  # unread answers: replacing now could drop someone who did answer
        return [f"Antworten nicht lesbar ({exc}); niemand ersetzt, nächster Lauf versucht es erneut"], []
    report += [f"{line}: keine Antwort in {campaign.answer_days} Tagen, ersetzt"
               for line in ledger.replace_overdue(session, campaign, actor, now)]
    return report, contact(session, campaign, actor, api, consent_hashtag, now)


def configured_mentions_api() -> tuple[MentionsApi | None, str]:
    """The Graph API for prize notices, or (None, why not): then every notice goes by DM."""
    from scheduler.collect.graph_ugc import UgcApi
    from scheduler.collect.official import graph_client
    from scheduler.collect.sources.base import SourceStopped

    try:
        return UgcApi(graph_client()), ""
    except SourceStopped as exc:
        return None, str(exc)


def advance_all(session: Session, campaigns: list[Campaign], content_dir: Path, actor: str,
                api: MentionsApi | None, consent_hashtag: str, now: datetime | None = None) -> list[str]:
    """For a daily job: `advance` every drawn Gewinnspiel and rewrite its published file."""
    report = []
    for campaign in campaigns:
        row = session.scalar(select(CampaignDraw).where(CampaignDraw.campaign == campaign.slug))
        if campaign.kind != "gewinnspiel" or row is None or row.drawn_at is None:
            continue
        lines, notices = advance(session, campaign, actor, api, consent_hashtag, now)
        report += [f"{campaign.slug}: {line}" for line in lines]
        report += [f"{campaign.slug}: Beitrag {n.post_id} – {n.channel}" for n in notices]
        ledger.write_published(content_dir, ledger.published(row, campaign))
    return report
