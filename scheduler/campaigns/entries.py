"""Which stored posts belong to a campaign, and the draw's candidates among them."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from plugins.campaigns.model import Campaign
from scheduler.campaigns.draw import Candidate
from scheduler.store.models import Post


def campaign_for(campaigns: list[Campaign], hashtags, taken) -> str | None:
    """The campaign a collected post belongs to: the first whose hashtags it carries in its window."""
    return next((c.slug for c in campaigns if c.matches(hashtags, taken)), None)


def candidates(session: Session, campaign: Campaign) -> list[Candidate]:
    """Posts recorded for the campaign (or carrying its hashtags: posts collected before it existed)."""
    posts = session.scalars(select(Post).where(or_(Post.campaign == campaign.slug, Post.campaign.is_(None))))
    return [Candidate(post.id, post.author, post.taken_at, tuple(post.hashtags or ()),
                      post.municipality_ags or post.suggested_ags)
            for post in posts if post.campaign == campaign.slug or campaign.matches(post.hashtags or ())]
