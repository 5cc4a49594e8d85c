"""The Instagram Content Publishing side of the local Graph API fake (Facebook Login host).

  POST /vXX/{ig-user-id}/media (image_url, caption)        → {"id": "<container>"}
  GET  /vXX/{container-id}?fields=status_code,status       → only the requested fields + id
  POST /vXX/{ig-user-id}/media_publish (creation_id)       → {"id": "<media>"}
  GET  /vXX/{ig-user-id}/content_publishing_limit?fields&since → {"data": [{"quota_usage"[, "config"]}]}
  GET  /vXX/{ig-user-id}/media?fields&since&until&limit    → {"data": [...]} newest first

As the references say:
- A container not published within 24 hours is EXPIRED (fake clock: `fake.now()`); publishing it
  is -2/2207020 "The media you are trying to access has expired"
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container,
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes).
- content_publishing_limit answers `quota_usage` by default and `config` {quota_total, quota_duration}
  only when asked; `since` is a Unix timestamp no older than 24 h
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit).
  media_publish beyond quota_total within 24 h is 9/2207042 (error-codes: "reached the maximum
  number of posts allowed in 24 hours").
- The media list supports `since`/`until` (time-based pagination) and leaves the "@" out of
  `caption` for a token without admin-equivalent tasks
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media,
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media).
"""

from __future__ import annotations

import time

from demo.graph_fake_http import select, select_items
from demo.graph_fake_media import image_problem

DAY = 86400
# Faults answered by media_publish only (the documented Instagram error table).
PUBLISH_FAULTS = {
    "spam": (4, 2207051, "We restrict certain activity to protect our community."),
    "publish_temporary": (24, 2207008, "Temporary error publishing a container."),
}


def stamp(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(at))


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


class PublishApi:
    name = "publish"

    def route(self, fake, method, segments, query, form, token):
        ig = fake.ig_user_id
        if method == "POST" and segments == [ig, "media"]:
            return self.create_container(fake, form)
        if method == "POST" and segments == [ig, "media_publish"]:
            return self.publish(fake, form.get("creation_id", ""))
        if method == "GET" and segments == [ig, "content_publishing_limit"]:
            return self.limit(fake, query)
        if method == "GET" and segments == [ig, "media"]:
            return self.media_list(fake, query)
        if method == "GET" and len(segments) == 1 and segments[0] in fake.state.containers:
            return self.status(fake, segments[0], query)
        return None

    @staticmethod
    def usage(fake, since: float) -> int:
        return sum(1 for m in fake.state.ig_media if m["published_at"] >= since)

    def limit(self, fake, query):
        now = fake.now()
        since = _number(query.get("since"))
        if since is not None and since < now - DAY:
            return fake.error(400, 100, "(#100) The parameter since must be a timestamp no older than 24 hours")
        entry = {"quota_usage": self.usage(fake, now - DAY if since is None else since),
                 "config": {"quota_total": fake.quota_total, "quota_duration": DAY}}
        return 200, {"data": [select(entry, query.get("fields"), default=("quota_usage",))]}

    def media_list(self, fake, query):
        since, until = _number(query.get("since")), _number(query.get("until"))
        items = []
        for m in reversed(fake.state.ig_media):
            if (since is not None and m["published_at"] < since) or (until is not None and m["published_at"] > until):
                continue
            # The "@" is left out of `caption` unless the token's user has admin-equivalent tasks.
            items.append({"id": m["id"], "caption": m["caption"].replace("@", ""),
                          "timestamp": stamp(m["published_at"]),
                          "permalink": f"https://www.instagram.com/p/Fake{m['id'][-6:]}/"})
        return 200, {"data": select_items(items[: int(query.get("limit", 25))], query.get("fields"))}

    def create_container(self, fake, form):
        caption = form.get("caption", "")
        if not form.get("image_url"):
            return fake.error(400, 100, "The parameter image_url is required.")
        if len(caption) > 2200:
            return fake.error(400, 36004, "The caption exceeds the maximum length", 2207010)
        if caption.count("#") > 30 or sum(1 for w in caption.split() if w.startswith("#")) > 5:
            return fake.error(400, 100, "Too many hashtags", 2207036)
        container_id = fake._new_id()
        fail = bool(fake.faults and fake.faults[0] == "container_error")
        if fail:
            fake.faults.pop(0)
        problem = image_problem(form["image_url"]) if fake.fetch_images else ""
        fake.state.containers[container_id] = {
            "image_url": form["image_url"], "caption": caption, "polls": 0, "created_at": fake.now(),
            "status_code": "IN_PROGRESS", "will_fail": fail or bool(problem), "problem": problem}
        return 200, {"id": container_id}

    @staticmethod
    def _expire(fake, container: dict) -> None:
        created = container.get("created_at", fake.now())
        if container["status_code"] in ("IN_PROGRESS", "FINISHED") and fake.now() - created >= DAY:
            container["status_code"] = "EXPIRED"

    def status(self, fake, container_id: str, query: dict):
        container = fake.state.containers[container_id]
        self._expire(fake, container)
        if container["status_code"] == "IN_PROGRESS":
            container["polls"] += 1
            if container["polls"] >= fake.polls_until_finished:
                container["status_code"] = "ERROR" if container["will_fail"] else "FINISHED"
        body = {"id": container_id, "status_code": container["status_code"], "status": ""}
        if container["status_code"] == "ERROR":  # `status` carries the error subcode
            body["status"] = f"2207052: {container.get('problem') or 'Media download has failed.'}"
        elif container["status_code"] == "EXPIRED":
            body["status"] = "2207020: The media you are trying to access has expired."
        elif container["status_code"] in ("FINISHED", "PUBLISHED"):
            body["status"] = container["status_code"].capitalize()
        return 200, select(body, query.get("fields"))

    def publish(self, fake, container_id: str):
        container = fake.state.containers.get(container_id)
        if container is None:
            return fake.error(400, 24, "The media builder with the specified ID was not found", 2207008)
        self._expire(fake, container)
        if fake.faults and fake.faults[0] in PUBLISH_FAULTS:
            code, subcode, message = PUBLISH_FAULTS[fake.faults.pop(0)]
            return fake.error(400, code, message, subcode)
        if fake.faults and fake.faults[0] == "media_not_ready":
            fake.faults.pop(0)
            return fake.error(400, 9007, "Media ID is not available", 2207027)
        if container["status_code"] == "EXPIRED":
            return fake.error(400, -2, "The media you are trying to access has expired. Please try to upload again.",
                              2207020)
        if container["status_code"] in ("IN_PROGRESS", "ERROR"):
            return fake.error(400, 9007, "Media ID is not available", 2207027)
        if self.usage(fake, fake.now() - DAY) >= fake.quota_total:
            return fake.error(400, 9, "The account has reached the maximum number of posts allowed in 24 hours.",
                              2207042)
        media_id = fake._new_id()
        container["status_code"] = "PUBLISHED"
        fake.state.ig_media.append({"id": media_id, "container_id": container_id, "caption": container["caption"],
                                    "image_url": container["image_url"], "published_at": fake.now()})
        if fake._lost_response():
            return fake.error(500, 2, "An unexpected error has occurred. Please retry your request later.")
        return 200, {"id": media_id}
