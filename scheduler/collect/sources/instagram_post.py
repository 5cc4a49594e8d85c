"""Turn an instaloader Post into a CollectedPost using only the data already in its node.

Post properties such as ``location`` or ``owner_username`` may send extra requests when a
field is missing; reading the node keeps collection within its budget and keeps the
folder import truly offline.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Callable

from instaloader import Post

from .base import CollectedPost

_HASHTAG = re.compile(r"(?<!&)#(\w+)", re.UNICODE)  # instaloader's own pattern, without a request


def post_node(post: Post) -> dict:
    return post._asdict()  # the raw GraphQL node (plus full metadata if it was ever fetched)


def _caption(node: dict) -> str:
    edges = (node.get("edge_media_to_caption") or {}).get("edges") or []
    if edges:
        return edges[0]["node"].get("text") or ""
    return node.get("caption") or ""


def _location_name(node: dict) -> str | None:
    location = node.get("location")
    if isinstance(location, dict):
        return location.get("name") or None
    return None


def post_to_collected(post: Post, source: str, load_image: Callable[[], bytes]) -> CollectedPost:
    node = post_node(post)
    caption = _caption(node)
    owner = node.get("owner") or {}
    timestamp = node.get("taken_at_timestamp", node.get("date"))
    return CollectedPost(
        uid=f"instagram:{post.shortcode}",
        source=source,
        author=(owner.get("username") or f"id:{owner.get('id', 'unknown')}").lower(),
        author_id=str(owner["id"]) if owner.get("id") is not None else None,
        taken_at=datetime.fromtimestamp(timestamp, timezone.utc),
        load_image=load_image,
        caption=caption,
        hashtags=tuple(dict.fromkeys(tag.lower() for tag in _HASHTAG.findall(caption))),
        location=_location_name(node),
        shortcode=post.shortcode,
        permalink=f"https://www.instagram.com/p/{post.shortcode}/",
        is_video=bool(node.get("is_video")),
        evidence={"source": source, "shortcode": post.shortcode, "typename": node.get("__typename"),
                  "dimensions": node.get("dimensions")},
    )


def display_url(post: Post) -> str:
    """The photo (or a video's cover still) without the extra high-resolution request."""
    node = post_node(post)
    return node.get("display_url") or node.get("display_src") or ""
