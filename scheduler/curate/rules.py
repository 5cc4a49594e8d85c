"""Rules applied on collection. A post that breaks one is stored as rejected, with the reason,
so it is never collected again and an editor can still reopen it."""

from __future__ import annotations

from dataclasses import dataclass

from plugins.region.registry import normalise
from scheduler.collect.sources.base import CollectedPost
from scheduler.config import Settings


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str = ""


ACCEPT = Verdict(True)


def check_text(post: CollectedPost, settings: Settings) -> Verdict:
    author = post.author.lstrip("@").casefold()
    if author in settings.blocked_authors:
        return Verdict(False, f"Autor @{author} steht auf der Sperrliste")
    text = normalise(" ".join([post.caption, *post.hashtags]))  # catches "Wer-bung" and "WERBUNG"
    for keyword in settings.blocked_keywords:
        if normalise(keyword) and normalise(keyword) in text:
            return Verdict(False, f"gesperrtes Stichwort „{keyword}“")
    if post.is_video and settings.video_policy == "skip":
        return Verdict(False, "Video – Videos werden übersprungen (SOISTS_VIDEOS=skip)")
    return ACCEPT


def check_image(width: int, height: int, settings: Settings) -> Verdict:
    if min(width, height) < settings.min_image_px:
        return Verdict(False, f"Bild zu klein: {width}×{height} px, die kürzere Seite braucht "
                              f"mindestens {settings.min_image_px} px")
    return ACCEPT


def check_author_cap(posts_this_week: int, settings: Settings) -> Verdict:
    if posts_this_week >= settings.author_weekly_cap:
        return Verdict(False, f"Autor hat in dieser Woche schon {posts_this_week} Beiträge "
                              f"(Obergrenze {settings.author_weekly_cap})")
    return ACCEPT
