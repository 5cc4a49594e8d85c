"""A local fake of the Graph API endpoints the publisher uses (Instagram + Facebook Page).

Follows the documented requests and responses:
  Instagram content publishing (container, status, media_publish, content_publishing_limit, the
  media list): demo/graph_fake_publish.py — containers expire after 24 h, the quota is enforced
  POST /vXX/{page-id}/photos (url, caption)                → {"id": "<photo>", "post_id": "<page>_<post>"}
  GET  /vXX/{page-id}/photos?type=uploaded&fields=id,name  → {"data": [...]} newest first
  DELETE /vXX/{photo-id} | /{ig-media-id}                  → {"success": true} (demo/graph_fake_delete.py)
Errors: HTTP 400 {"error": {"message", "type", "code", "error_subcode", "is_transient", "fbtrace_id"}}.
Every answer names only the requested `fields` (+ id) and carries the usage headers X-App-Usage
and X-Business-Use-Case-Usage (demo/graph_fake_http.py); a rate limit (code 4) reports
`estimated_time_to_regain_access` = `fake.regain_minutes`. `fake.advance(seconds)` moves the clock.

Deliberately pessimistic where the documentation is silent: publishing the same container
twice records two media, so a publisher that retries blindly is caught by the tests.

Faults (`fake.inject(kind, times)`, or from another process POST /_fake/faults with the
form fields kind and times): "rate_limit" (code 4), "user_rate_limit" (17),
"expired_token" (190/463), "server_error" (HTTP 500, code 2), "container_error" (the next
container ends in status ERROR), "media_not_ready" (publish answers 9007/2207027),
"lost_response" (the next media_publish or page photo is carried out, but the answer is
HTTP 500 — the case where only a lookup can tell what happened), "password_changed" (190/460),
"invalid_token" (190/467), "blocked" (368), and for media_publish only "spam" (4/2207051) and
"publish_temporary" (24/2207008). Tokens really expire (demo/graph_fake_tokens.py: 190/463).
A caption over 2,200 characters is 36004/2207010; the media list leaves the "@" out of
`caption` (like the API for tokens without admin-equivalent tasks) and carries timestamp and
permalink; a container's `status` carries the error subcode.

With fetch_images=True the fake downloads image_url/url like Meta does and checks the
documented limits (JPEG, ≤ 8 MB, aspect 4:5 … 1.91:1; widths outside 320–1440 are scaled); a failure makes
the container end in ERROR (Instagram) or answers code 324 (Facebook).

Published media and photos are persisted to a JSON file after every change, so the record
survives restarts of the publisher (and of the fake).

Run standalone: python -m demo.graph_fake --state /tmp/fake.json --port-file /tmp/fake.url
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from demo.fake_http import FakeHandler, serve, stop
from demo.graph_fake_delete import DeleteApi
from demo.graph_fake_http import is_transient, select_items, usage_headers
from demo.graph_fake_insights import InsightsFake
from demo.graph_fake_media import image_problem
from demo.graph_fake_publish import PublishApi
from demo.graph_fake_tokens import APP_ID, APP_SECRET, TokenBook
from demo.graph_fake_ugc import UgcFake

APP_TOKEN = f"{APP_ID}|{APP_SECRET}"

VERSION = "v26.0"
IG_USER_ID = "17841400000000001"
PAGE_ID = "100000000000001"
IG_TOKEN = "EAAigtoken-fake-0123456789"  # Facebook Login: a Facebook token, not an "IG…" one
PAGE_TOKEN = "EAApagetoken-fake-9876543210"
QUOTA_TOTAL = 50

FAULTS = {
    "rate_limit": (400, 4, None, "Application request limit reached", "OAuthException"),
    "user_rate_limit": (400, 17, None, "User request limit reached", "OAuthException"),
    "expired_token": (400, 190, 463, "Error validating access token: Session has expired", "OAuthException"),
    "server_error": (500, 2, None, "Service temporarily unavailable", "OAuthException"),
    "password_changed": (400, 190, 460, "Error validating access token: the user changed their password",
                         "OAuthException"),
    "invalid_token": (400, 190, 467, "Error validating access token: the token is invalid", "OAuthException"),
    "blocked": (400, 368, None, "The action attempted has been deemed abusive or is otherwise disallowed",
                "OAuthException"),
}


@dataclass
class FakeState:
    next_id: int = 1000
    containers: dict[str, dict] = field(default_factory=dict)
    ig_media: list[dict] = field(default_factory=list)
    fb_photos: list[dict] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    tokens: dict[str, dict] = field(default_factory=dict)
    extra: dict[str, dict] = field(default_factory=dict)  # each extension's own persisted state


# Further parts of the API live in modules of their own (demo/graph_fake_<area>.py), each a
# class with `name` and `route(fake, method, segments, query, form, token)` that answers
# (status, body) for its endpoints or None; list them here.
EXTENSIONS: tuple[type, ...] = (PublishApi, UgcFake, DeleteApi, InsightsFake)


class GraphFake:
    def __init__(self, state_path: Path, *, polls_until_finished: int = 1,
                 ig_user_id: str = IG_USER_ID, page_id: str = PAGE_ID,
                 ig_token: str = IG_TOKEN, page_token: str = PAGE_TOKEN, fetch_images: bool = False,
                 refuse_refresh: bool = False, scopes: list[str] | None = None, tasks: list[str] | None = None):
        self.state_path = Path(state_path)
        self.fetch_images = fetch_images
        self.polls_until_finished = polls_until_finished
        self.ig_user_id, self.page_id = ig_user_id, page_id
        self.ig_token, self.page_token = ig_token, page_token
        self.lock = threading.Lock()
        self.faults: list[str] = []
        self.clock_offset_s = 0.0  # the fake's clock: `advance()` moves it (containers expire, quotas pass)
        self.regain_minutes = 1  # estimated_time_to_regain_access reported with a BUC rate limit
        self.state = self._load()
        self.tokens = TokenBook(self.state.tokens, page_id, ig_user_id, clock=self.now, refuse_refresh=refuse_refresh,
                                scopes=scopes, tasks=tasks)
        for token, kind in ((ig_token, "user_long"), (page_token, "page")):
            if token not in self.state.tokens:  # the fixed tokens never expire (tests that need expiry mint)
                self.tokens.add(token, kind, None, data_access_s=None)
        self.extensions = [extension() for extension in EXTENSIONS]
        self.server: ThreadingHTTPServer | None = None

    def now(self) -> float:
        return time.time() + self.clock_offset_s

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (tokens, containers and the publishing quota follow it)."""
        self.clock_offset_s += seconds

    @property
    def quota_total(self) -> int:
        return QUOTA_TOTAL  # read at call time: tests change the module's value

    def extra(self, name: str) -> dict:
        """The persisted state of one extension (saved with everything else after each request)."""
        return self.state.extra.setdefault(name, {})

    # -- persistence -------------------------------------------------------------------
    def _load(self) -> FakeState:
        if self.state_path.exists():
            return FakeState(**json.loads(self.state_path.read_text()))
        return FakeState()

    def _save(self) -> None:
        partial = self.state_path.with_suffix(".part")
        partial.write_text(json.dumps(self.state.__dict__, indent=1))
        partial.replace(self.state_path)

    def _new_id(self) -> str:
        self.state.next_id += 1
        return str(17900000000000000 + self.state.next_id)

    # -- control -----------------------------------------------------------------------
    def inject(self, kind: str, times: int = 1) -> None:
        with self.lock:
            self.faults.extend([kind] * times)

    def published(self) -> dict[str, list[dict]]:
        """What each channel received, read fresh from the persisted file."""
        state = self._load()
        return {"instagram": state.ig_media, "facebook": state.fb_photos}

    def start(self) -> str:
        fake = self

        class Handler(FakeHandler):
            def date_time_string(self, timestamp=None):  # the Date header follows the fake's clock
                return super().date_time_string(fake.now() if timestamp is None else timestamp)

            def _dispatch(self, method: str):
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                auth = self.headers.get("Authorization", "")
                token = auth.split(" ", 1)[1] if " " in auth else query.get("access_token") or form.get("access_token", "")
                status, body = fake.handle(method, parts.path, query, form, token)
                self.reply(status, json.dumps(body).encode(), "application/json", fake.headers(status, body, token))

        self.server = serve(Handler)
        return self.base_url

    @property
    def root_url(self) -> str:
        """The host alone: stands in for graph.instagram.com (SOISTS_IG_GRAPH_BASE_URL)."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/{VERSION}"

    def stop(self) -> None:
        stop(self.server)

    # -- the API -----------------------------------------------------------------------
    @staticmethod
    def error(status: int, code: int, message: str, subcode: int | None = None,
              kind: str = "OAuthException") -> tuple[int, dict]:
        # is_transient in every error body, as documented (graph-api/guides/error-handling)
        error = {"message": message, "type": kind, "code": code, "is_transient": is_transient(code, subcode),
                 "fbtrace_id": f"Fake{int(time.time() * 1000) % 10**8}"}
        if subcode is not None:
            error["error_subcode"] = subcode
        return status, {"error": error}

    def headers(self, status: int, body: dict, token: str) -> dict[str, str]:
        """Usage headers: Page-token calls count against the Page, the rest against the IG user (BUC)."""
        page = token == self.page_token or self.tokens.store.get(token, {}).get("kind") == "page"
        owner, kind = (self.page_id, "pages") if page else (self.ig_user_id, "instagram")
        return usage_headers(status, body, owner, kind, len(self.state.requests), self.regain_minutes)

    def handle(self, method: str, path: str, query: dict, form: dict, token: str) -> tuple[int, dict]:
        with self.lock:
            self.state.requests.append(f"{method} {path}")
            segments = [s for s in path.split("/") if s]
            if segments == ["_fake", "faults"] and method == "POST":
                # Test control (not part of the Graph API): kind=<fault>&times=<n>
                self.faults.extend([form.get("kind", "")] * int(form.get("times", 1)))
                return 200, {"faults": self.faults}
            try:
                if segments == ["refresh_access_token"] and method == "GET":  # graph.instagram.com
                    return self.tokens.ig_refresh(token, query)
                if not segments or segments[0] != VERSION:
                    return self.error(400, 2500, "Unknown path components", kind="OAuthException")
                segments = segments[1:]
                if self.faults and self.faults[0] in FAULTS:
                    status, code, subcode, message, kind = FAULTS[self.faults.pop(0)]
                    return self.error(status, code, message, subcode, kind)
                answer = self._token_route(method, segments, query, token)
                if answer is not None:
                    return answer
                owner = segments[0] if segments else ""
                # Page endpoints want that Page's token; the Instagram ones any Facebook-Login token.
                if owner == self.page_id:
                    refused = self.tokens.check(token, ("page",))
                else:
                    refused = self.tokens.check(token, TokenBook.FACEBOOK)
                if refused:
                    return refused
                for extension in self.extensions:
                    answer = extension.route(self, method, segments, query, form, token)
                    if answer is not None:
                        return answer
                return self._route(method, segments, query, form)
            finally:
                self._save()

    def _token_route(self, method, segments, query, token) -> tuple[int, dict] | None:
        if segments == [self.page_id, "subscribed_apps"]:  # the app's webhook subscription on the Page
            return self.tokens.subscribed_apps(method, token, query)
        if method != "GET":
            return None
        if segments == ["debug_token"]:  # inspected with the app token or a token of the app
            refused = None if token == APP_TOKEN else self.tokens.check(token, TokenBook.FACEBOOK)
            return refused or self.tokens.debug_token(query)
        if segments == ["oauth", "access_token"]:
            return self.tokens.exchange(query)
        if segments == ["me", "accounts"]:
            return self.tokens.me_accounts(token)
        if segments == ["me", "permissions"]:
            return self.tokens.permissions(token)
        if segments == [self.page_id] and query.get("fields"):
            return self.tokens.page_fields(token, query)
        return None

    def _route(self, method, segments, query, form) -> tuple[int, dict]:
        page = self.page_id
        if method == "POST" and segments == [page, "photos"]:
            if not form.get("url"):
                return self.error(400, 100, "(#100) Missing parameter url")
            problem = image_problem(form["url"]) if self.fetch_images else ""
            if problem:
                return self.error(400, 324, f"(#324) Missing or invalid image file: {problem}")
            photo_id = self._new_id()
            # The answer carries both ids: {"id": photo, "post_id": "<page>_<post>"}
            # (https://developers.facebook.com/docs/graph-api/reference/page/photos/#Creating)
            # The Page post is an object of its own: its id is not "<page>_<photo-id>".
            post_id = f"{page}_{self._new_id()}"
            self.state.fb_photos.append({"id": photo_id, "name": form.get("caption", ""), "url": form["url"],
                                         "post_id": post_id, "created_time": time.strftime(
                                             "%Y-%m-%dT%H:%M:%S+0000", time.gmtime(self.now()))})
            if self._lost_response():
                return self.error(500, 2, "An unexpected error has occurred. Please retry your request later.")
            return 200, {"id": photo_id, "post_id": post_id}
        if method == "GET" and segments == [page, "photos"]:
            items = [{"id": p["id"], "name": p["name"], "created_time": p.get("created_time", "")}
                     for p in reversed(self.state.fb_photos)]
            return 200, {"data": select_items(items[: int(query.get("limit", 25))], query.get("fields"))}
        return self.error(400, 100, "Unsupported request - method type or object does not exist",
                          33, "GraphMethodException")

    def _lost_response(self) -> bool:
        if self.faults and self.faults[0] == "lost_response":
            self.faults.pop(0)
            return True
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--port-file", type=Path, help="write the base URL here once listening")
    args = parser.parse_args()
    fake = GraphFake(args.state)
    url = fake.start()
    if args.port_file:
        args.port_file.write_text(url)
    print(url, flush=True)
    for _ in itertools.count():
        time.sleep(3600)


if __name__ == "__main__":
    main()
