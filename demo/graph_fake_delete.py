"""The deleting side of the local Graph API fake (a takedown removes the platform copies).

  DELETE /vXX/{photo-id} or /{page-id}_{photo-id}   (Page token)   → {"success": true}
  DELETE /vXX/{ig-media-id}   (Facebook-Login token with instagram_manage_contents) → {"success": true}
  GET    /vXX/{photo-id|ig-media-id}?fields=id     → {"id": …} while it exists
Errors as the API answers them: an object that does not exist (never did, or already deleted)
is 100/33 "Unsupported delete request" / "…does not exist, cannot be loaded due to missing
permissions"; the same 100/33 for a Facebook photo that exists while the Page token lacks
pages_manage_posts (a GET of it still answers; https://developers.facebook.com/docs/graph-api/
reference/photo/#Deleting, graph-api/guides/error-handling); a Facebook photo deleted with a
token that is not the Page's is 200 "Permissions error"; an Instagram media without the
instagram_manage_contents permission is 10 "Application does not have permission". The
generic faults of graph_fake (rate_limit, server_error, …) apply, and "lost_response" carries
the delete out but answers HTTP 500. Every DELETE request is counted per object id, so tests
can prove nothing was deleted twice.
"""

from __future__ import annotations

IG_DELETE_PERMISSION = "instagram_manage_contents"
FB_DELETE_PERMISSION = "pages_manage_posts"


class DeleteApi:
    name = "delete"

    def route(self, fake, method: str, segments: list[str], query: dict, form: dict, token: str):
        if len(segments) != 1 or method not in ("GET", "DELETE"):
            return None
        object_id = segments[0]
        state = fake.extra(self.name)
        found = self._find(fake, object_id)
        if method == "GET":  # the existence check (fields=id); other fields belong to other parts of the fake
            if query.get("fields", "id") != "id":
                return None
            return (200, {"id": object_id}) if found else None  # unknown ids: graph_fake's 100/33
        calls = state.setdefault("delete_calls", {})
        calls[object_id] = calls.get(object_id, 0) + 1
        if found is None:
            return self.unsupported(fake, object_id)
        channel, collection, item = found
        if channel == "facebook" and token != fake.page_token and \
                fake.tokens.store.get(token, {}).get("kind") != "page":
            return fake.error(403, 200, "(#200) Permissions error")
        if channel == "facebook" and FB_DELETE_PERMISSION not in fake.tokens.scopes:
            # Meta answers a missing permission with the same 100/33 as a missing object; only a
            # GET of the object tells them apart (it still answers).
            return self.unsupported(fake, object_id)
        if channel == "instagram" and IG_DELETE_PERMISSION not in fake.tokens.scopes:
            return fake.error(400, 10, "(#10) Application does not have permission for this action")
        collection.remove(item)
        state.setdefault("deleted", []).append({"channel": channel, "id": item["id"]})
        if fake._lost_response():
            return fake.error(500, 2, "An unexpected error has occurred. Please retry your request later.")
        return 200, {"success": True}

    @staticmethod
    def unsupported(fake, object_id: str):
        return fake.error(400, 100, f"Unsupported delete request. Object with ID '{object_id}' does not "
                          "exist, cannot be loaded due to missing permissions, or does not support this "
                          "operation.", 33, "GraphMethodException")

    @staticmethod
    def _find(fake, object_id: str):
        for photo in fake.state.fb_photos:
            if object_id in (photo["id"], photo.get("post_id")):
                return "facebook", fake.state.fb_photos, photo
        for media in fake.state.ig_media:
            if object_id == media["id"]:
                return "instagram", fake.state.ig_media, media
        return None


def deleted(fake) -> list[dict]:
    """What the fake deleted (channel, id), read fresh from its persisted state."""
    return list(fake._load().extra.get(DeleteApi.name, {}).get("deleted", []))


def delete_calls(fake) -> dict[str, int]:
    """DELETE requests per object id, read fresh from the persisted state."""
    return dict(fake._load().extra.get(DeleteApi.name, {}).get("delete_calls", {}))
