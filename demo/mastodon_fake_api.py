"""The endpoints of the local Mastodon fake (demo/mastodon_fake.py), built from the documented API.

Each answer follows docs.joinmastodon.org, not a client library:
  POST /api/v2/media            file, description, focus ("x,y" in -1…1) → 202 MediaAttachment with
                                `url: null` while processing (200 when already processed)
                                https://docs.joinmastodon.org/methods/media/#v2
  GET  /api/v1/media/:id        206 Partial Content while processing, 200 once processed
                                https://docs.joinmastodon.org/methods/media/#get
  POST /api/v1/statuses         status, media_ids[], language, visibility; `Idempotency-Key` header:
                                the same key returns the same status, keys are kept for 1 hour
                                https://docs.joinmastodon.org/methods/statuses/#create
  DELETE /api/v1/statuses/:id   the deleted Status (with `text` for redrafting), `delete_media`
                                https://docs.joinmastodon.org/methods/statuses/#delete
  GET  /api/v1/accounts/verify_credentials   the token's Account (401 without a valid token)
                                https://docs.joinmastodon.org/methods/accounts/#verify_credentials
  GET  /api/v1/accounts/:id/statuses   newest first, max_id/since_id/min_id, limit (20, max 40), Link header
                                https://docs.joinmastodon.org/methods/accounts/#statuses
  GET  /api/v2/instance         configuration.statuses.max_characters, characters_reserved_per_url,
                                max_media_attachments; configuration.media_attachments limits
                                https://docs.joinmastodon.org/methods/instance/#v2
  GET  /api/v1/instance         (deprecated since 4.0, still served) `version`: what Mastodon.py reads
                                https://docs.joinmastodon.org/methods/instance/#v1
  GET  /api/v1/statuses/:id/context   ancestors and descendants (the replies), public statuses without a token
                                https://docs.joinmastodon.org/methods/statuses/#context
  GET  /api/v1/timelines/tag/:hashtag  public, no login; paged like the account's statuses
                                https://docs.joinmastodon.org/methods/timelines/#tag
  GET  /api/v2/search           a status URL, `resolve` across fakes (demo/mastodon_fake_federation.py)
                                https://docs.joinmastodon.org/methods/search/#v2
Errors are `{"error": "…"}` (https://docs.joinmastodon.org/entities/Error/); 401 for a bad token,
404 for an unknown or deleted record, 422 for an invalid status.
"""

from __future__ import annotations

import html
import re

IDEMPOTENCY_S = 3600  # "Idempotency keys are stored for up to 1 hour" (methods/statuses/#create)
MAX_CHARACTERS = 500
URL_CHARS = 23  # configuration.statuses.characters_reserved_per_url
PAGE_DEFAULT, PAGE_MAX = 20, 40
URL = re.compile(r"https?://\S+")
TAG = re.compile(r"#(\w+)", re.UNICODE)


def instance(fake) -> dict:
    """GET /api/v2/instance (Instance entity, v2)."""
    return {
        "domain": fake.domain, "title": "So ist S (Fake)", "version": "4.3.0", "api_versions": {"mastodon": 2}, "source_url":
        "https://github.com/mastodon/mastodon", "description": "Lokale Attrappe",
        "configuration": {
            "urls": {"streaming": f"wss://{fake.domain}"},
            "accounts": {"max_featured_tags": 10},
            "statuses": {"max_characters": fake.max_characters, "max_media_attachments": 4,
                         "characters_reserved_per_url": URL_CHARS},
            "media_attachments": {"supported_mime_types": ["image/jpeg", "image/png", "image/webp"],
                                  "image_size_limit": 16777216, "image_matrix_limit": 33177600,
                                  "video_size_limit": 103809024, "description_limit": 1500},
        },
        "registrations": {"enabled": False, "approval_required": False, "message": None},
        "contact": {"email": "", "account": None}, "rules": [],
    }


def counted_length(text: str) -> int:
    """The length Mastodon counts: every URL as characters_reserved_per_url."""
    return len(URL.sub("x" * URL_CHARS, text))


def account_entity(fake, account_id: str) -> dict:
    acct = fake.state["accounts"][account_id]
    username = acct["username"]
    return {"id": account_id, "username": username, "acct": acct.get("acct", username),
            "display_name": acct.get("display_name", username), "locked": False, "bot": False,
            "url": f"https://{acct.get('domain', fake.domain)}/@{username}", "note": "",
            "avatar": "", "header": "", "followers_count": 0, "following_count": 0,
            "statuses_count": sum(1 for s in fake.state["statuses"] if s["account_id"] == account_id),
            "created_at": "2026-01-01T00:00:00.000Z", "fields": [], "emojis": []}


def media_entity(fake, media: dict) -> dict:
    done = media["polls_left"] <= 0
    url = f"{fake.base_url}/system/media/{media['id']}.jpg"
    return {"id": media["id"], "type": "image", "url": url if done else None,
            "preview_url": url, "remote_url": media.get("remote_url"), "description": media.get("description"),
            "meta": {"focus": media.get("focus") or {"x": 0.0, "y": 0.0}}, "blurhash": None}


def status_entity(fake, status: dict, with_text: bool = False) -> dict:
    media = [media_entity(fake, fake.state["media"][m]) for m in status["media_ids"] if m in fake.state["media"]]
    body = {"id": status["id"], "created_at": status["created_at"], "in_reply_to_id": status.get("in_reply_to_id"),
            "in_reply_to_account_id": status.get("in_reply_to_account_id"), "sensitive": False,
            "spoiler_text": "", "visibility": status["visibility"], "language": status["language"],
            "uri": status.get("remote_uri") or f"https://{fake.domain}/users/{status['account_id']}/statuses/{status['id']}",
            "url": status.get("remote_url") or
            f"https://{fake.domain}/@{fake.state['accounts'][status['account_id']]['username']}/{status['id']}",
            "replies_count": status.get("replies_count", 0), "reblogs_count": status.get("reblogs_count", 0),
            "favourites_count": status.get("favourites_count", 0), "content": to_html(status["text"]),
            "reblog": None, "account": account_entity(fake, status["account_id"]), "media_attachments": media,
            "mentions": [], "tags": [{"name": t.lower(), "url": f"https://{fake.domain}/tags/{t.lower()}"}
                                     for t in TAG.findall(status["text"])], "emojis": [], "poll": None,
            "card": None, "edited_at": None}
    if with_text:  # DELETE answers the source text for delete-and-redraft
        body["text"] = status["text"]
    return body


def to_html(text: str) -> str:
    """Plain text as Mastodon renders it: paragraphs, <br>, links (href keeps the URL verbatim)."""
    escaped = html.escape(text, quote=False)
    linked = URL.sub(lambda m: f'<a href="{m.group(0)}" rel="nofollow noopener" target="_blank">{m.group(0)}</a>',
                     escaped)
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in linked.split("\n\n"))


def media_file(name: str) -> bytes:
    """A small JPEG whose colour follows the media id (distinct photos, distinct hashes)."""
    import io

    from PIL import Image

    number = int("".join(c for c in name if c.isdigit()) or 0)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (number * 37 % 256, number * 91 % 256, number * 53 % 256)).save(buffer, "JPEG")
    return buffer.getvalue()


def context(fake, status_id: str) -> tuple[int, dict]:
    status = fake.status(status_id)
    if status is None:
        return 404, {"error": "Record not found"}
    descendants, frontier = [], [status["id"]]
    while frontier:
        children = [s for s in visible_statuses(fake) if s.get("in_reply_to_id") in frontier]
        descendants.extend(children)
        frontier = [s["id"] for s in children]
    ancestors, parent = [], status.get("in_reply_to_id")
    while parent and fake.status(parent):
        ancestors.insert(0, fake.status(parent))
        parent = ancestors[0].get("in_reply_to_id")
    return 200, {"ancestors": [status_entity(fake, s) for s in ancestors],
                 "descendants": [status_entity(fake, s) for s in sorted(descendants, key=lambda s: int(s["id"]))]}


def page(fake, items: list[dict], query: dict, path: str) -> tuple[list[dict], str]:
    """Newest first by id; max_id (older than), since_id / min_id (newer than); Link next/prev."""
    items = sorted(items, key=lambda s: int(s["id"]), reverse=True)
    limit = max(1, min(int(query.get("limit") or PAGE_DEFAULT), PAGE_MAX))
    if query.get("max_id"):
        items = [s for s in items if int(s["id"]) < int(query["max_id"])]
    if query.get("since_id"):
        items = [s for s in items if int(s["id"]) > int(query["since_id"])]
    if query.get("min_id"):  # the page right after min_id (oldest first), shown newest first
        items = sorted([s for s in items if int(s["id"]) > int(query["min_id"])], key=lambda s: int(s["id"]))
        chosen = list(reversed(items[:limit]))
    else:
        chosen = items[:limit]
    link = ""
    if chosen:
        base = f"http://{fake.host}{path}"
        link = (f'<{base}?max_id={chosen[-1]["id"]}&limit={limit}>; rel="next", '
                f'<{base}?min_id={chosen[0]["id"]}&limit={limit}>; rel="prev"')
    return chosen, link


def visible_statuses(fake) -> list[dict]:
    return [s for s in fake.state["statuses"] if not s.get("deleted")]


def create_status(fake, account_id: str, form: dict, key: str) -> tuple[int, dict]:
    now = fake.now()
    keys = fake.state["idempotency"]
    for old in [k for k, v in keys.items() if now - v["at"] > IDEMPOTENCY_S]:
        del keys[old]  # kept for up to one hour only
    if key and f"{account_id}:{key}" in keys:
        known = fake.status(keys[f"{account_id}:{key}"]["status_id"])
        if known is not None:
            return 200, status_entity(fake, known)
    text = str(form.get("status") or "")
    media_ids = [str(m) for m in form.get("media_ids") or []]
    if not text.strip() and not media_ids:
        return 422, {"error": "Validation failed: Text can't be blank"}
    if counted_length(text) > fake.max_characters:
        return 422, {"error": f"Validation failed: Text character limit of {fake.max_characters} exceeded"}
    if len(media_ids) > 4:
        return 422, {"error": "Validation failed: Media attachments too many"}
    for media_id in media_ids:
        media = fake.state["media"].get(media_id)
        if media is None or media["account_id"] != account_id or media.get("status_id"):
            return 422, {"error": "Validation failed: Media attachments are invalid"}
        if media["polls_left"] > 0:
            return 422, {"error": "Validation failed: Cannot attach files that have not finished processing. "
                                  "Try again in a moment!"}
    status = {"id": fake.new_id(), "account_id": account_id, "text": text, "media_ids": media_ids,
              "language": form.get("language") or "en", "visibility": form.get("visibility") or "public",
              "in_reply_to_id": form.get("in_reply_to_id"), "created_at": fake.iso_now(), "deleted": False}
    if status["in_reply_to_id"]:
        parent = fake.status(status["in_reply_to_id"])
        status["in_reply_to_account_id"] = parent["account_id"] if parent else None
        if parent:
            parent["replies_count"] = parent.get("replies_count", 0) + 1
    for media_id in media_ids:
        fake.state["media"][media_id]["status_id"] = status["id"]
    fake.state["statuses"].append(status)
    if key:
        keys[f"{account_id}:{key}"] = {"status_id": status["id"], "at": now}
    return 200, status_entity(fake, status)


def upload_media(fake, account_id: str, form: dict, files: dict) -> tuple[int, dict]:
    if "file" not in files:
        return 422, {"error": "Validation failed: File can't be blank"}
    description = form.get("description")
    if description and len(description) > 1500:
        return 422, {"error": "Validation failed: Description is too long (maximum is 1500 characters)"}
    focus = {"x": 0.0, "y": 0.0}
    if form.get("focus"):
        try:
            x, y = (float(v) for v in str(form["focus"]).split(","))
        except ValueError:
            return 422, {"error": "Validation failed: Focus is invalid"}
        focus = {"x": x, "y": y}
    polls = fake.processing_polls
    if fake.take_fault("media_processing"):
        polls += 2
    media = {"id": fake.new_id(), "account_id": account_id, "description": description, "focus": focus,
             "polls_left": polls, "bytes": len(files["file"]), "status_id": None, "deleted": False}
    fake.state["media"][media["id"]] = media
    # 202 Accepted while processing (url null); 200 when the file was processed synchronously
    return (202 if polls > 0 else 200), media_entity(fake, media)


def get_media(fake, account_id: str, media_id: str) -> tuple[int, dict]:
    media = fake.state["media"].get(media_id)
    if media is None or media["account_id"] != account_id or media.get("deleted"):
        return 404, {"error": "Record not found"}
    if media["polls_left"] > 0:
        media["polls_left"] -= 1
        return 206, media_entity(fake, {**media, "polls_left": media["polls_left"] + 1})
    return 200, media_entity(fake, media)


def delete_status(fake, account_id: str, status_id: str, form: dict) -> tuple[int, dict]:
    status = fake.status(status_id)
    if status is None or status["account_id"] != account_id:
        return 404, {"error": "Record not found"}
    status["deleted"] = True
    fake.state["deletes"][status_id] = fake.state["deletes"].get(status_id, 0) + 1
    answer = status_entity(fake, status, with_text=True)
    if str(form.get("delete_media", "")).lower() in ("1", "true"):
        for media_id in status["media_ids"]:
            fake.state["media"][media_id]["deleted"] = True
    return 200, answer


def tag_timeline(fake, tag: str, query: dict, path: str) -> tuple[int, dict | list, str]:
    wanted = tag.lower()
    items = [s for s in visible_statuses(fake) if s["visibility"] == "public"
             and wanted in {t.lower() for t in TAG.findall(s["text"])}]
    chosen, link = page(fake, items, query, path)
    return 200, [status_entity(fake, s) for s in chosen], link


def account_statuses(fake, account_id: str, query: dict, path: str) -> tuple[int, dict | list, str]:
    if account_id not in fake.state["accounts"]:
        return 404, {"error": "Record not found"}, ""
    items = [s for s in visible_statuses(fake) if s["account_id"] == account_id]
    if str(query.get("exclude_replies", "")).lower() in ("1", "true"):
        items = [s for s in items if not s.get("in_reply_to_id")]
    chosen, link = page(fake, items, query, path)
    return 200, [status_entity(fake, s) for s in chosen], link
