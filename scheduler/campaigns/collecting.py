"""What collection needs from campaigns: the extra hashtags to query now, and a post's campaign.

Campaign files are re-read only when one changed (the scheduler process runs for weeks)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from plugins.campaigns.model import BASE_HASHTAG, Campaign, campaign_files, load_campaigns
from plugins.region.registry import load_registry
from scheduler.campaigns.entries import campaign_for


@lru_cache(maxsize=4)
def _load(content_dir: str, stamps: tuple) -> tuple[Campaign, ...]:
    return tuple(load_campaigns(content_dir, load_registry()))


def campaigns(content_dir: Path | str) -> tuple[Campaign, ...]:
    stamps = tuple((p.name, p.stat().st_mtime_ns) for p in campaign_files(content_dir))
    return _load(str(content_dir), stamps)


def collecting_hashtags(content_dir: Path | str, now: datetime) -> list[str]:
    """Hashtags of campaigns in their window or grace period, once each, #SoistS itself left out."""
    tags = [t for c in campaigns(content_dir) if c.collecting(now) for t in c.hashtags]
    return [t for t in dict.fromkeys(tags) if t != BASE_HASHTAG]


def campaign_of(content_dir: Path | str, hashtags, taken: datetime) -> str | None:
    return campaign_for(list(campaigns(content_dir)), hashtags, taken)
