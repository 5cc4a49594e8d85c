"""The user-content side of the local Graph API fake (Instagram API with Facebook Login):
hashtag search with Meta's budget, hashtag media, tagged media, mentions and the public reply.

  GET  /vXX/ig_hashtag_search?user_id&q              → {"data": [{"id"}]}; a 31st unique hashtag within
                                                        7 days → 400 code 24 (the exact code is not in Meta's
                                                        reference; the client refuses it before asking)
  GET  /vXX/{hashtag-id}/recent_media|top_media?user_id&fields&limit≤50&after
                                                     → last 24 h (recent) / by likes (top); `username` in
                                                        fields → 400 code 100; paging.cursors.after + next
  GET  /vXX/{ig-user-id}/tags?fields&after           → media tagging the account, with username; paging
                                                        carries cursors (before, after) but no next/previous:
                                                        the caller builds the next request with `after`
                                                        (https://developers.facebook.com/docs/instagram-platform/
                                                        instagram-graph-api/reference/ig-user/tags)
  GET  /vXX/{ig-user-id}?fields=mentioned_media.media_id(ID){…}      → {"mentioned_media": {...}}
  GET  /vXX/{ig-user-id}?fields=mentioned_comment.comment_id(ID){…}  → {"mentioned_comment": {...}}
  GET  /vXX/{comment-id}/replies?fields              → {"data": [{id, text, timestamp, username}]}
  POST /vXX/{ig-user-id}/mentions media_id, message[, comment_id] → {"id"}; refused (400 code 10)
                                                        unless the caption or that comment mentions us
Every media answer names only the requested `fields` (+ id), and its `caption` comes without the
"@" (the app user did not create these media: "wirzeigenS" for "@wirzeigenS";
https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media).
Test helpers (not API): add_media, add_comment, notification (a signed `mentions` payload).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

from demo.graph_fake_http import select

DAY = 86400
HASHTAG_LIMIT = 30
_EXPANSION = re.compile(r"^mentioned_(media|comment)\.(?:media_id|comment_id)\((\w+)\)")


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _offset(cursor: str | None) -> int:
    try:
        return int(base64.urlsafe_b64decode((cursor or "").encode()).decode() or 0)
    except ValueError:
        return 0


def _stamp(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(at))


class UgcFake:
    name = "ugc"

    # -- test helpers ----------------------------------------------------------------
    @staticmethod
    def state(fake) -> dict:
        extra = fake.extra(UgcFake.name)
        for key, empty in (("media", {}), ("comments", {}), ("searched", {}), ("replies_sent", [])):
            extra.setdefault(key, empty)
        return extra

    @classmethod
    def add_media(cls, fake, *, caption: str, image_url: str, username: str, hashtags=(), tagged=False,
                  age_s: float = 600, media_type: str = "IMAGE", children: list[str] | None = None,
                  likes: int = 0) -> str:
        with fake.lock:
            media_id = fake._new_id()
            cls.state(fake)["media"][media_id] = {
                "id": media_id, "caption": caption, "media_type": "CAROUSEL_ALBUM" if children else media_type,
                "media_url": image_url, "permalink": f"https://www.instagram.com/p/Fk{media_id[-8:]}/",
                "timestamp_s": time.time() - age_s, "like_count": likes, "comments_count": 0,
                "username": username, "tagged": tagged,
                "hashtags": [h.lower() for h in hashtags or re.findall(r"#(\w+)", caption)],
                "children": children or []}
            fake._save()
        return media_id

    @classmethod
    def add_comment(cls, fake, media_id: str, username: str, text: str, parent: str | None = None) -> str:
        with fake.lock:
            comment_id = fake._new_id()
            cls.state(fake)["comments"][comment_id] = {"id": comment_id, "media_id": media_id, "username": username,
                                                       "text": text, "parent": parent, "at": time.time()}
            fake._save()
        return comment_id

    @staticmethod
    def notification(ig_user_id: str, media_id: str, comment_id: str | None = None, at: int | None = None,
                     secret: str = "") -> tuple[bytes, str]:
        """A `mentions` notification as Meta sends it, and its X-Hub-Signature-256 header."""
        value = {"media_id": media_id} | ({"comment_id": comment_id} if comment_id else {})
        body = json.dumps({"object": "instagram", "entry": [{"id": ig_user_id, "time": at or int(time.time()),
                           "changes": [{"field": "mentions", "value": value}]}]}).encode()
        return body, "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    # -- the API ----------------------------------------------------------------------
    def route(self, fake, method, segments, query, form, token):
        state = self.state(fake)
        ig = fake.ig_user_id
        if method == "GET" and segments == ["ig_hashtag_search"]:
            return self._search(fake, state, query)
        if method == "GET" and len(segments) == 2 and segments[1] in ("recent_media", "top_media") \
                and segments[0].startswith("1784"):
            return self._hashtag_media(fake, state, segments[0], segments[1], query)
        if method == "GET" and segments == [ig, "tags"]:
            items = [m for m in self._newest(state) if m["tagged"]]
            return self._paged(items, query, with_username=True, next_link=False)
        if method == "GET" and segments == [ig] and _EXPANSION.match(query.get("fields", "")):
            return self._mentioned(fake, state, query["fields"])
        if method == "GET" and len(segments) == 2 and segments[1] == "replies" and segments[0] in state["comments"]:
            replies = [select(self._comment(c, with_username=True), query.get("fields")) for c in
                       state["comments"].values() if c["parent"] == segments[0]]
            return 200, {"data": replies}
        if method == "POST" and segments == [ig, "mentions"]:
            return self._reply(fake, state, form)
        return None

    def _search(self, fake, state, query):
        name = query.get("q", "").lstrip("#").lower()
        if not name or query.get("user_id") != fake.ig_user_id:
            return fake.error(400, 100, "(#100) user_id and q are required")
        now = time.time()
        live = {h: t for h, t in state["searched"].items() if t > now - 7 * DAY}
        if name not in live:
            if len(live) >= HASHTAG_LIMIT:
                return fake.error(400, 24, "(#24) Cannot query more than 30 unique hashtags within 7 days")
            state["searched"][name] = now
        return 200, {"data": [{"id": self.hashtag_id(name)}]}

    @staticmethod
    def hashtag_id(name: str) -> str:
        return "1784" + str(int(hashlib.sha256(name.encode()).hexdigest(), 16))[:13]

    def _hashtag_media(self, fake, state, hashtag_id, edge, query):
        if query.get("user_id") != fake.ig_user_id:
            return fake.error(400, 100, "(#100) The parameter user_id is required")
        if "username" in re.split(r"[,{}]", query.get("fields", "")):
            return fake.error(400, 100, "(#100) Tried accessing nonexisting field (username)")
        names = [h for h in state["searched"] if self.hashtag_id(h) == hashtag_id]
        items = [m for m in self._newest(state) if names and names[0] in m["hashtags"]]
        if edge == "recent_media":
            items = [m for m in items if m["timestamp_s"] > time.time() - DAY]
        else:
            items = sorted(items, key=lambda m: -m["like_count"])
        return self._paged(items, query, with_username=False)

    @staticmethod
    def _newest(state) -> list[dict]:
        return sorted(state["media"].values(), key=lambda m: -m["timestamp_s"])

    def _paged(self, items, query, with_username: bool, next_link: bool = True):
        limit = min(int(query.get("limit", 25)), 50)
        start = _offset(query.get("after"))
        page = [select(self._media(m, with_username), query.get("fields")) for m in items[start:start + limit]]
        body: dict = {"data": page}
        if next_link and start + limit < len(items):
            body["paging"] = {"cursors": {"after": _cursor(start + limit)},
                              "next": "https://graph.facebook.com/…?access_token=…&after=" + _cursor(start + limit)}
        elif not next_link and page:  # /tags: cursors on every page with data, never a next/previous link
            body["paging"] = {"cursors": {"before": _cursor(start), "after": _cursor(start + len(page))}}
        return 200, body

    @staticmethod
    def _media(m: dict, with_username: bool) -> dict:
        item = {k: m[k] for k in ("id", "caption", "media_type", "permalink", "like_count", "comments_count")}
        item["caption"] = item["caption"].replace("@", "")  # not created by the app user: no "@"
        item["timestamp"] = _stamp(m["timestamp_s"])
        if m["media_type"] == "IMAGE":
            item["media_url"] = m["media_url"]
        if m["children"]:
            item["children"] = {"data": [{"media_url": url, "media_type": "VIDEO" if url.endswith(".mp4") else "IMAGE",
                                          "id": f"{m['id']}{n}"} for n, url in enumerate(m["children"])]}
        if with_username:
            item["username"] = m["username"]
        return item

    @staticmethod
    def _comment(c: dict, with_username: bool) -> dict:
        item = {"id": c["id"], "text": c["text"], "timestamp": _stamp(c["at"]), "like_count": 0}
        if with_username:
            item["username"] = c["username"]
        else:
            item["media"] = {"id": c["media_id"]}
        return item

    def _mentioned(self, fake, state, fields):
        kind, object_id = _EXPANSION.match(fields).groups()
        inner = fields[fields.index("{") + 1:-1] if "{" in fields else ""
        if kind == "media":
            media = state["media"].get(object_id)
            if media is None or "@wirzeigens" not in media["caption"].lower():
                return fake.error(400, 100, "(#100) The media was not found or does not mention the user")
            item = self._media(media, with_username=True) | {"id": object_id}
            return 200, {"mentioned_media": select(item, inner or None), "id": fake.ig_user_id}
        comment = state["comments"].get(object_id)
        if comment is None or "@wirzeigens" not in comment["text"].lower():
            return fake.error(400, 100, "(#100) The comment was not found or does not mention the user")
        return 200, {"mentioned_comment": select(self._comment(comment, with_username=False), inner or None),
                     "id": fake.ig_user_id}

    def _reply(self, fake, state, form):
        media = state["media"].get(form.get("media_id", ""))
        if media is None or not form.get("message"):
            return fake.error(400, 100, "(#100) media_id and message are required")
        comment = state["comments"].get(form.get("comment_id") or "")
        mentioned = "@wirzeigens" in (comment["text"] if comment else media["caption"]).lower()
        if not mentioned:  # tagged photos and hashtag results cannot be answered
            return fake.error(400, 10, "(#10) The user was not mentioned in this media or comment")
        reply_id = fake._new_id()
        state["comments"][reply_id] = {"id": reply_id, "media_id": media["id"], "username": "wirzeigens",
                                       "text": form["message"], "parent": form.get("comment_id"), "at": time.time()}
        state["replies_sent"].append(reply_id)
        return 200, {"id": reply_id}
