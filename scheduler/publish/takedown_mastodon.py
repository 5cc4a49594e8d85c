"""The takedown's Mastodon step: DELETE the feature's status and its media, exactly once.

`DELETE /api/v1/statuses/:id` with `delete_media=true` (the attachments go at once instead of
being kept for a redraft; https://docs.joinmastodon.org/methods/statuses/#delete). An intent is
stored before the DELETE; after a crash the status is asked for first (`GET /api/v1/statuses/:id`,
methods/statuses/#get: 404 = gone) so nothing is deleted twice. A 404 on the DELETE itself means
gone as well (e.g. deleted by hand in the web interface). Without a configured instance but with a
published status, the step becomes `manual` with a German to-do.
"""

from __future__ import annotations

from datetime import datetime, timezone

from scheduler.publish.mastodon_api import Gone, MastodonClient, MastodonConfig


def mastodon_from_env() -> MastodonClient | None:
    config = MastodonConfig.from_env()
    return MastodonClient(config) if config else None


def status_exists(client: MastodonClient, status_id: str) -> bool:
    try:
        client.call("status", status_id)
    except Gone:
        return False
    return True


def delete_on_mastodon(takedown, session, record, step) -> tuple[str, dict]:
    plan = next((s.data for s in record.steps if s.step == "plan"), {}) or {}
    status_id = plan.get("mastodon")
    data = dict(step.data or {})
    if not status_id:
        return "done", {"object_id": None, "result": "nicht veröffentlicht"}
    data["object_id"] = status_id
    client = takedown.mastodon()
    if client is None:
        return "manual", {**data, "todo_de": (
            f"Mastodon-Beitrag {status_id} von Hand löschen (SOISTS_MASTODON_URL ist nicht gesetzt); danach "
            f"bestätigen: python -m scheduler takedown-confirm {record.post_id}")}
    if data.get("intent") and not status_exists(client, status_id):
        return "done", {**data, "result": "bereits gelöscht (vor einem Abbruch)"}
    data["intent"] = datetime.now(timezone.utc).isoformat()
    step.data = dict(data)
    session.commit()
    takedown.checkpoint("takedown:mastodon:intent_stored")
    try:
        client.delete_status(status_id)
    except Gone:
        return "done", {**data, "result": "existiert nicht (mehr)"}
    takedown.checkpoint("takedown:mastodon:deleted_unrecorded")
    return "done", {**data, "result": "gelöscht", "deleted_utc": datetime.now(timezone.utc).isoformat()}
