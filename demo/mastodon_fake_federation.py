"""Search with `resolve` across fake instances: how one server learns of another's status.

  GET /api/v2/search?q=<status URL>&resolve=true&type=statuses
      https://docs.joinmastodon.org/methods/search/#v2 — `resolve`: "Attempt WebFinger lookup";
      OAuth: public without `resolve`, a user token (read:search) with it. A URL of a status on
      another server is fetched from there and stored here as a remote status (same `uri` and
      `url`, its account as `user@domain`), so replies on this server can point at its local id.

Federation between fakes is in-process: `federate(a, b)` lets each resolve the other's statuses
by domain. Replies that arrive here from another server are made with
`fake.add_status(user, text, in_reply_to_id=..., domain="other.example")`.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def federate(*fakes) -> None:
    for fake in fakes:
        fake.peers.update({other.domain: other for other in fakes if other is not fake})


def _by_url(fake, url: str) -> dict | None:
    for status in fake.state["statuses"]:
        if status.get("deleted"):
            continue
        if url in (status.get("remote_url"), status.get("remote_uri")):
            return status
    return None


def _own(fake, url: str) -> dict | None:
    """A status of this server named by its `url` (…/@user/ID) or `uri` (…/statuses/ID)."""
    parts = urlsplit(url)
    if parts.hostname != fake.domain:
        return None
    found = fake.status(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return found if found is not None and not found.get("remote_url") else None


def _import(fake, peer, url: str) -> dict | None:
    """Fetch the status from its home server and keep a remote copy here (one copy per `uri`)."""
    from demo.mastodon_fake_api import status_entity

    original = _own(peer, url)
    if original is None:
        return None
    entity = status_entity(peer, original)
    known = _by_url(fake, entity["uri"])
    if known is not None:
        return known
    author = peer.state["accounts"][original["account_id"]]
    account_id = fake.add_account_locked(author["username"], domain=peer.domain)
    media_ids = []
    for remote in entity["media_attachments"]:  # the server keeps its own copy; remote_url names the origin
        media_ids.append(fake.new_id())
        fake.state["media"][media_ids[-1]] = {"id": media_ids[-1], "account_id": account_id, "polls_left": 0,
                                              "description": remote.get("description"), "focus": None, "bytes": 0,
                                              "status_id": None, "remote_url": remote["url"]}
    status = {"id": fake.new_id(), "account_id": account_id, "text": original["text"], "media_ids": media_ids,
              "language": original["language"], "visibility": original["visibility"], "in_reply_to_id": None,
              "created_at": original["created_at"], "deleted": False, "remote_url": entity["url"],
              "remote_uri": entity["uri"]}
    for media_id in media_ids:
        fake.state["media"][media_id]["status_id"] = status["id"]
    fake.state["statuses"].append(status)
    return status


def search(fake, query: dict, account_id: str | None) -> tuple[int, dict]:
    """GET /api/v2/search for a status URL (the only use we make of search)."""
    from demo.mastodon_fake_api import status_entity

    resolve = str(query.get("resolve", "")).lower() in ("1", "true")
    if resolve and account_id is None:
        return 401, {"error": "The access token is invalid"}
    q = str(query.get("q") or "").strip()
    found = None
    if q.startswith(("http://", "https://")) and query.get("type", "statuses") == "statuses":
        found = _own(fake, q) or _by_url(fake, q)
        peer = fake.peers.get(urlsplit(q).hostname or "")
        if found is None and resolve and peer is not None:
            found = _import(fake, peer, q)
    return 200, {"accounts": [], "statuses": [status_entity(fake, found)] if found else [], "hashtags": []}
