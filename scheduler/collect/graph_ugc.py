"""The Instagram Graph API calls for user content (Instagram API with Facebook Login), on the
publisher's one GraphClient (same backoff, error classes, token redaction).

Checked against Meta's reference (developers.facebook.com/documentation/instagram-platform/…):
  GET /ig_hashtag_search?user_id=&q=            → {"data": [{"id": hashtag-id}]}     (ig-hashtag-search)
  GET /{hashtag-id}/recent_media|top_media?user_id=&fields=&limit=≤50&after=
        → media of the last 24 h (recent) or the most popular; no `username` field; only an
          `after` cursor, the same on every page                                    (ig-hashtag/recent-media, top-media)
  GET /{ig-user-id}/tags?fields=…,username      → media the account is tagged in; paging carries
        cursors (before/after) but no next/previous: the next request is built with `after`
        (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/tags)
  GET /{ig-user-id}?fields=mentioned_media.media_id(ID){fields}                     (ig-user/mentioned_media)
  GET /{ig-user-id}?fields=mentioned_comment.comment_id(ID){id,text,timestamp,like_count,media}
                                                                                    (ig-user/mentioned_comment)
  GET /{comment-id}/replies?fields=id,text,timestamp,username  (replies to our own comment;
        comment-moderation guide) — the only documented place that names who answered
  POST /{ig-user-id}/mentions media_id, message [, comment_id] → {"id": comment}      (ig-user/mentions)
Hashtag pages are followed with `paging.cursors.after` while `paging.next` exists (their cursor
repeats); /tags pages while a page has data and a new `after` cursor. A `next` URL itself is
never requested (it may carry the access token in its query string).
Captions of media the app user did not create come without the "@" ("wirzeigenS" for
"@wirzeigenS", https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media):
`mentions_account` accepts the account name with or without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from scheduler.collect.sources.base import CollectedPost
from scheduler.collect.sources.instagram_post import _HASHTAG
from scheduler.publish.graph_api import GraphClient, parse_timestamp

MEDIA_FIELDS = ("id,caption,media_type,media_url,permalink,timestamp,like_count,comments_count,"
                "children{media_url,media_type}")
COMMENT_FIELDS = "id,text,timestamp,like_count,media"
REPLY_FIELDS = "id,text,timestamp,username"
PAGE_LIMIT = 50  # the documented maximum per page of hashtag media
SHORTCODE = re.compile(r"instagram\.com/(?:p|reel|tv)/([^/?#]+)")


@dataclass(frozen=True)
class Page:
    items: list[dict]
    after: str | None  # set only while the API says there is a next page


def _page(body: dict) -> Page:
    """Hashtag media: a next page only while `paging.next` exists (the cursor is the same on every page)."""
    paging = body.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
    return Page(list(body.get("data") or []), after)


def _cursor_page(body: dict, requested: str | None) -> Page:
    """/tags: cursors without `next`; a page with data and a new `after` cursor may have a successor."""
    items = list(body.get("data") or [])
    after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
    return Page(items, after if items and after and after != requested else None)


def mentions_account(caption: str, account: str) -> bool:
    """The caption names the account, with or without "@", as a whole handle ("#account" is a hashtag)."""
    handle = re.escape(account.lstrip("@"))
    return re.search(rf"(?<![\w.#@])@?{handle}(?!\w|\.\w)", caption, re.IGNORECASE) is not None


class UgcApi:
    def __init__(self, client: GraphClient):
        self.client = client

    @property
    def ig_user_id(self) -> str:
        return self.client.config.ig_user_id

    def hashtag_id(self, name: str) -> str:
        body = self.client.request("GET", "ig_hashtag_search", params={"user_id": self.ig_user_id, "q": name})
        data = body.get("data") or []
        if not data:
            raise LookupError(f"no hashtag id for #{name}")
        return str(data[0]["id"])

    def hashtag_media(self, hashtag_id: str, edge: str, after: str | None = None) -> Page:
        params = {"user_id": self.ig_user_id, "fields": MEDIA_FIELDS, "limit": PAGE_LIMIT}
        if after:
            params["after"] = after
        return _page(self.client.request("GET", f"{hashtag_id}/{edge}", params=params))

    def tagged(self, after: str | None = None) -> Page:
        params = {"fields": MEDIA_FIELDS + ",username", "limit": PAGE_LIMIT}
        if after:
            params["after"] = after
        return _cursor_page(self.client.request("GET", f"{self.ig_user_id}/tags", params=params), after)

    def mentioned_media(self, media_id: str) -> dict:
        fields = f"mentioned_media.media_id({media_id}){{{MEDIA_FIELDS.removeprefix('id,')},username}}"
        body = self.client.request("GET", self.ig_user_id, params={"fields": fields})
        return dict(body.get("mentioned_media") or {}, id=media_id)

    def mentioned_comment(self, comment_id: str) -> dict:
        fields = f"mentioned_comment.comment_id({comment_id}){{{COMMENT_FIELDS}}}"
        body = self.client.request("GET", self.ig_user_id, params={"fields": fields})
        return dict(body.get("mentioned_comment") or {})

    def comment_replies(self, comment_id: str) -> list[dict]:
        body = self.client.request("GET", f"{comment_id}/replies", params={"fields": REPLY_FIELDS})
        return list(body.get("data") or [])

    def reply_to_mention(self, media_id: str, message: str, comment_id: str | None = None) -> str:
        """One try, never repeated blindly: a second comment would be visible to everyone."""
        data = {"media_id": media_id, "message": message}
        if comment_id:
            data["comment_id"] = comment_id
        body = self.client.request("POST", f"{self.ig_user_id}/mentions", data=data, idempotent=False, retry=False)
        return str(body["id"])

    def download(self, url: str) -> bytes:
        """A CDN image URL: no Authorization header (the token never leaves for another host)."""
        response = self.client.session.get(url, timeout=self.client.timeout_s)
        response.raise_for_status()
        return response.content


def image_urls(item: dict) -> tuple[list[str], list[str]]:
    """(image URLs in order, notes): a carousel's IMAGE children, or the media's own image.

    Videos have no still in these responses (thumbnail_url is not among the documented hashtag
    fields), so a video without image children yields no URL and is rejected as unreadable."""
    notes = []
    if item.get("media_type") == "CAROUSEL_ALBUM":
        children = (item.get("children") or {}).get("data") or []
        urls = [c["media_url"] for c in children if c.get("media_type") == "IMAGE" and c.get("media_url")]
        skipped = len(children) - len(urls)
        if skipped:
            notes.append(f"{skipped} Video(s) im Karussell nicht übernommen")
        return urls, notes
    if item.get("media_type") == "IMAGE" and item.get("media_url"):
        return [item["media_url"]], notes
    return [], notes


def _no_still() -> bytes:
    raise ValueError("Video ohne Standbild in der API-Antwort")


def media_to_collected(item: dict, source: str, download: Callable[[str], bytes], *, author: str = "",
                       can_reply: bool = False, mention_comment_id: str | None = None,
                       account: str = "wirzeigens") -> CollectedPost | None:
    """One IG Media object → CollectedPost; None when it has no permalink (nothing to key it on)."""
    found = SHORTCODE.search(item.get("permalink") or "")
    if not found:
        return None
    caption = item.get("caption") or ""
    urls, notes = image_urls(item)
    taken = parse_timestamp(item.get("timestamp", "")) or datetime.now(timezone.utc)
    first: Callable[[], bytes] = (lambda url=urls[0]: download(url)) if urls else _no_still
    mentioned = mentions_account(caption, account)
    evidence: dict[str, Any] = {"api": "graph", "source": source, "media_id": item.get("id"),
                                "timestamp": item.get("timestamp"), "permalink": item.get("permalink"),
                                "media_type": item.get("media_type"), "like_count": item.get("like_count"),
                                "comments_count": item.get("comments_count"), "images": len(urls)}
    if mention_comment_id:
        evidence["mention_comment_id"] = mention_comment_id
    if notes:
        evidence["notes"] = notes
    return CollectedPost(
        uid=f"instagram:{found.group(1)}", source=source, author=author.lstrip("@").lower(),
        taken_at=taken.astimezone(timezone.utc), load_image=first, caption=caption,
        hashtags=tuple(dict.fromkeys(t.lower() for t in _HASHTAG.findall(caption))),
        shortcode=found.group(1), permalink=item.get("permalink"), is_video=item.get("media_type") == "VIDEO",
        evidence=evidence,
        graph={"media_id": str(item.get("id")), "source": source, "author_known": bool(author),
               "can_reply": can_reply or (mentioned and bool(author)), "mention_comment_id": mention_comment_id},
        extra_images=tuple((lambda url=url: download(url)) for url in urls[1:]))
