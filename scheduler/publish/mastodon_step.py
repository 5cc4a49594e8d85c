"""The publisher's Mastodon step: the feature's photo and caption as one public status, exactly once.

  limits     GET /api/v2/instance: configuration.statuses.max_characters caps the caption
             (docs.joinmastodon.org/methods/instance/#v2); the alt text is capped at
             configuration.media_attachments.description_limit
  media      POST /api/v2/media with the platform JPEG, `description` = the post's alt text
             (methods/media/#v2); its id is stored before anything else happens
  processed  GET /api/v1/media/:id until `url` is set (206 while processing, methods/media/#get)
  intent     stored before posting (checkpoint mastodon:intent_stored)
  status     POST /api/v1/statuses: media_ids[], language "de", visibility "public", the caption
             (the same text and credit rule as Instagram and Facebook, plugins/community/credit.py)
             and `Idempotency-Key: soists-feature-<key>` (methods/statuses/#create: a repeated key
             returns the same status; keys are kept for up to 1 hour)

After a crash, a lost answer or a 5xx on the status, the account's own statuses are searched for
the feature's wall URL (GET /api/v1/accounts/:id/statuses, methods/accounts/#statuses) before
anything is posted again: never a second status. The channel is optional: without
SOISTS_MASTODON_URL the step is done at once with `{"skipped": "not configured"}`. It runs
after Instagram and Facebook, so a Mastodon failure never holds those back.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from scheduler.publish.caption import build_caption
from scheduler.publish.graph_errors import RetryLater
from scheduler.publish.queue import FeatureRequest

CHECKPOINTS = ("mastodon:media_stored", "mastodon:intent_stored", "mastodon:posted_unrecorded")


def idempotency_key(request: FeatureRequest) -> str:
    return f"soists-feature-{request.key}"


def step_mastodon(publisher, session, step, request: FeatureRequest) -> dict:
    client = publisher.mastodon
    data = dict(step.data or {})
    if client is None:
        return {"skipped": "not configured"}
    marker = publisher.post_url(request)
    if data.get("intent"):  # a previous attempt may have posted: look before posting again
        found = client.find_status(marker)
        if found:
            return _done(data, found, "reconciled")
    limits = client.limits()
    data["max_characters"] = limits["max_characters"]
    if not data.get("media_id"):
        image = Path(publisher.content_dir) / publisher.share_relpath(request)
        data["media_id"] = client.upload(image, request.alt[: limits["description_limit"]])
        publisher._save_data(session, step, data)
        publisher.checkpoint("mastodon:media_stored")
    client.wait_processed(data["media_id"], poll_s=publisher.media_poll_s, attempts=publisher.media_poll_attempts)
    caption = build_caption(publisher.caption_input(request), include_link=True, max_chars=limits["max_characters"])
    data["intent"] = datetime.now(timezone.utc).isoformat()
    publisher._save_data(session, step, data)
    publisher.checkpoint("mastodon:intent_stored")
    try:
        status = client.post_status(caption, data["media_id"], idempotency_key(request))
    except RetryLater:
        # The answer was lost or the server failed: the account's statuses tell what happened.
        found = client.find_status(marker)
        if found:
            return _done(data, found, "reconciled")
        raise
    publisher.checkpoint("mastodon:posted_unrecorded")
    return _done(data, status, "posted")


def _done(data: dict, status: dict, how: str) -> dict:
    return {**data, "status_id": str(status["id"]), "url": status.get("url") or "", "how": how}
