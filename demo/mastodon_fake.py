"""A local fake of a Mastodon server (also stands in for Pixelfed's Mastodon-compatible API).

The endpoints and their answers live in demo/mastodon_fake_api.py (each with its
docs.joinmastodon.org page); this module is the HTTP server, the persisted state, the clock,
the rate-limit headers and the fault injection:

- Every answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
  (an ISO 8601 timestamp): 300 requests per 5 minutes per account (or per IP without a token)
  (https://docs.joinmastodon.org/api/rate-limits/). Over the limit: HTTP 429
  `{"error": "Too many requests"}`.
- `Authorization: Bearer <token>`; a wrong token is 401 `{"error": "The access token is invalid"}`
  (https://docs.joinmastodon.org/client/authorized/). The tag timeline needs no token.
- Faults (`fake.inject(kind, times)`, or POST /_fake/faults with kind and times):
  "rate_limit" (the next request answers 429, Remaining 0), "server_error" (503),
  "media_processing" (the next upload stays in processing for two more polls),
  "lost_response" (the next POST or DELETE is carried out, but the answer never arrives: the
  connection closes without a response), "lost_status" (the same for the next
  POST /api/v1/statuses only). `lose_ratio` loses that share of the answers to
  every POST and DELETE at random (seeded), for the chaos test; `fake.lost` counts them.
- State (accounts, statuses, media, idempotency keys, deletions, requests) is written to a JSON
  file after every request, so the fake and a killed publisher both survive restarts.

Run standalone: python -m demo.mastodon_fake --state var/mastodon.json --port-file var/mastodon.url
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from datetime import datetime, timezone
from email.parser import BytesParser
from email.policy import HTTP
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from demo import mastodon_fake_api as api
from demo.fake_http import FakeHandler, serve, stop

TOKEN = "mastodon-fake-token-0123456789"
ACCOUNT = "soists"
RATE_LIMIT, RATE_WINDOW_S = 300, 300
FAULT_KINDS = {"rate_limit", "server_error", "media_processing", "lost_response", "lost_status"}


class LostResponse(Exception):
    """The request was carried out; the answer must never reach the client."""


def parse_body(content_type: str, raw: bytes) -> tuple[dict, dict]:
    """Form fields (keys ending in [] collected into lists) and uploaded files (name → bytes)."""
    form: dict = {}
    files: dict[str, bytes] = {}

    def put(name: str, value) -> None:
        if name.endswith("[]"):
            form.setdefault(name[:-2], []).append(value)
        else:
            form[name] = value

    if content_type.startswith("application/json"):
        form.update(json.loads(raw or b"{}"))
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = payload
            else:
                put(name, payload.decode())
    else:
        for name, values in parse_qs(raw.decode(), keep_blank_values=True).items():
            for value in values:
                put(name, value)
    return form, files


class MastodonFake:
    def __init__(self, state_path: Path, *, domain: str = "social.example", token: str = TOKEN,
                 username: str = ACCOUNT, processing_polls: int = 1, max_characters: int = api.MAX_CHARACTERS,
                 lose_ratio: float = 0.0, seed: int = 0):
        self.state_path = Path(state_path)
        self.domain = domain
        self.processing_polls = processing_polls
        self.max_characters = max_characters
        self.lose_ratio = lose_ratio
        self.random = random.Random(seed)
        self.lost = 0
        self.lock = threading.Lock()
        self.faults: list[str] = []
        self.clock_offset_s = 0.0
        self.state = self._load()
        self.account_id = self.add_account(username, token=token)
        self.server: ThreadingHTTPServer | None = None
        self.peers: dict[str, "MastodonFake"] = {}  # other fakes by domain (demo/mastodon_fake_federation.py)

    # -- clock, ids, persistence --------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset_s

    def advance(self, seconds: float) -> None:
        self.clock_offset_s += seconds

    def iso_now(self) -> str:
        return datetime.fromtimestamp(self.now(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def new_id(self) -> str:
        self.state["next_id"] += 1
        return str(110000000000000000 + self.state["next_id"])

    def _load(self) -> dict:
        empty = {"next_id": 1000, "accounts": {}, "tokens": {}, "statuses": [], "media": {},
                 "idempotency": {}, "deletes": {}, "requests": [], "rate": {}, "apps": {}, "codes": {}}
        if self.state_path.exists():
            return {**empty, **json.loads(self.state_path.read_text())}
        return empty

    def _save(self) -> None:
        partial = self.state_path.with_suffix(".part")
        partial.write_text(json.dumps(self.state, indent=1))
        partial.replace(self.state_path)

    # -- test helpers ---------------------------------------------------------------------
    def add_account(self, username: str, *, token: str = "", domain: str = "") -> str:
        """An account on this server (or, with domain, a remote one known here); its id."""
        with self.lock:
            account_id = self.add_account_locked(username, domain=domain)
            if token:
                self.state["tokens"][token] = account_id
            self._save()
            return account_id

    def add_account_locked(self, username: str, *, domain: str = "") -> str:
        remote = domain and domain != self.domain
        for account_id, acct in self.state["accounts"].items():
            if acct["username"] == username and acct.get("domain", self.domain) == (domain or self.domain):
                return account_id
        account_id = self.new_id()
        self.state["accounts"][account_id] = {"username": username, "domain": domain or self.domain,
                                              "acct": f"{username}@{domain}" if remote else username}
        return account_id

    def add_status(self, username: str, text: str, *, in_reply_to_id: str | None = None, domain: str = "",
                   **counts) -> str:
        """A status by another account (a #SoistS photo, a reply); returns its id. With `domain`, a
        status of a remote account as it arrives here by federation (its url and uri on that server)."""
        account_id = self.add_account(username, domain=domain)
        with self.lock:
            media_id = self.new_id()
            self.state["media"][media_id] = {"id": media_id, "account_id": account_id, "description": "",
                                             "focus": None, "polls_left": 0, "bytes": 0, "status_id": None}
            form = {"status": text, "media_ids": [] if in_reply_to_id else [media_id],
                    "in_reply_to_id": in_reply_to_id, "language": "de"}
            max_characters, self.max_characters = self.max_characters, 10_000
            try:
                _, body = api.create_status(self, account_id, form, "")
            finally:
                self.max_characters = max_characters
            self.status(body["id"]).update(counts)
            if domain and domain != self.domain:
                self.status(body["id"]).update(remote_url=f"https://{domain}/@{username}/{body['id']}",
                                               remote_uri=f"https://{domain}/users/{username}/statuses/{body['id']}")
            self._save()
            return body["id"]

    def inject(self, kind: str, times: int = 1) -> None:
        assert kind in FAULT_KINDS, kind
        with self.lock:
            self.faults.extend([kind] * times)

    def take_fault(self, kind: str) -> bool:
        if self.faults and self.faults[0] == kind:
            self.faults.pop(0)
            return True
        return False

    def status(self, status_id: str) -> dict | None:
        return next((s for s in self.state["statuses"] if s["id"] == str(status_id) and not s.get("deleted")), None)

    def statuses(self, username: str = ACCOUNT) -> list[dict]:
        """The visible statuses of one account, read fresh from the persisted file."""
        state = self._load()
        ids = {i for i, a in state["accounts"].items() if a["username"] == username}
        return [s for s in state["statuses"] if s["account_id"] in ids and not s.get("deleted")]

    def persisted(self) -> dict:
        return self._load()

    # -- HTTP ---------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(FakeHandler):
            def _dispatch(self, method: str):
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form, files = parse_body(self.headers.get("Content-Type", ""), raw)
                auth = self.headers.get("Authorization", "")
                token = auth.split(" ", 1)[1] if auth.lower().startswith("bearer ") else ""
                try:
                    status, body, extra = fake.handle(method, parts.path, query, form, files, token,
                                                      self.headers.get("Idempotency-Key", ""))
                except LostResponse:
                    self.close_connection = True  # done on the server; the client never hears of it
                    return
                if isinstance(body, bytes):  # a media file
                    self.reply(status, body, "image/jpeg", extra)
                else:
                    self.reply(status, json.dumps(body).encode(), "application/json; charset=utf-8", extra)

        self.server = serve(Handler)
        return self.base_url

    @property
    def host(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        stop(self.server)

    def rate_headers(self, who: str, count: bool = True) -> dict[str, str]:
        """X-RateLimit-* of the caller's current 5-minute window (api/rate-limits)."""
        now = self.now()
        start = now - now % RATE_WINDOW_S
        window = self.state["rate"].get(who)
        if not window or window["start"] != start:
            window = self.state["rate"][who] = {"start": start, "used": 0}
        window["used"] += count
        reset = datetime.fromtimestamp(start + RATE_WINDOW_S, timezone.utc).isoformat().replace("+00:00", "Z")
        return {"X-RateLimit-Limit": str(RATE_LIMIT),
                "X-RateLimit-Remaining": str(max(RATE_LIMIT - window["used"], 0)), "X-RateLimit-Reset": reset}

    def handle(self, method, path, query, form, files, token, key) -> tuple[int, dict | list, dict]:
        with self.lock:
            try:
                return self._handle(method, unquote(path).rstrip("/"), query, form, files, token, key)
            finally:
                self._save()

    def _handle(self, method, path, query, form, files, token, key):
        if path == "/_fake/faults" and method == "POST":  # test control, not part of the API
            self.faults.extend([form.get("kind", "")] * int(form.get("times", 1)))
            return 200, {"faults": self.faults}, {}
        self.state["requests"].append(f"{method} {path}")
        account_id = self.state["tokens"].get(token)
        headers = self.rate_headers(account_id or "ip")
        if self.take_fault("rate_limit") or headers["X-RateLimit-Remaining"] == "0":
            return 429, {"error": "Too many requests"}, {**headers, "X-RateLimit-Remaining": "0"}
        if self.take_fault("server_error"):
            return 503, {"error": "Service Unavailable"}, headers
        from demo.mastodon_fake_oauth import scope_refused

        if account_id is not None and scope_refused(self, token, method, [s for s in path.split("/") if s], query):
            return 403, {"error": "This action is outside the authorized scopes"}, headers
        segments = [s for s in path.split("/") if s]
        if method == "GET" and segments[:2] == ["system", "media"]:  # the files behind MediaAttachment.url
            return 200, api.media_file(segments[-1]), {}
        if method == "GET" and segments[:3] == ["api", "v1", "statuses"] and segments[4:] == ["context"]:
            return (*api.context(self, segments[3]), headers)
        if method == "GET" and segments == ["api", "v2", "instance"]:
            return 200, api.instance(self), headers
        if method == "GET" and segments == ["api", "v1", "instance"]:  # deprecated v1: clients read `version`
            info = api.instance(self)
            return 200, {"uri": self.domain, "title": info["title"], "version": info["version"]}, headers
        if method == "GET" and segments[:4] == ["api", "v1", "timelines", "tag"] and len(segments) == 5:
            status, body, link = api.tag_timeline(self, segments[4], query, path)
            return status, body, {**headers, **({"Link": link} if link else {})}
        if method == "GET" and segments == ["api", "v2", "search"]:
            from demo.mastodon_fake_federation import search

            return (*search(self, query, account_id), headers)
        extension = self.route_extra(method, segments, query, form)
        if extension is not None:
            return (*extension, headers)
        if account_id is None:
            return 401, {"error": "The access token is invalid"}, headers
        answer = self._route(method, segments, query, form, files, account_id, key, path)
        status, body = answer[0], answer[1]
        link = answer[2] if len(answer) > 2 else ""
        if method in ("POST", "DELETE") and status < 400 and self._lose(segments):
            raise LostResponse(path)
        return status, body, {**headers, **({"Link": link} if link else {})}

    def route_extra(self, method, segments, query, form):
        """Apps and OAuth (demo/mastodon_fake_oauth.py); None for every other path."""
        from demo.mastodon_fake_oauth import route

        return route(self, method, segments, query, form)

    def _lose(self, segments: list[str]) -> bool:
        lose = self.take_fault("lost_response") or (
            segments == ["api", "v1", "statuses"] and self.take_fault("lost_status")) or (self.lose_ratio > 0 and self.random.random() < self.lose_ratio)
        self.lost += lose
        return lose

    def _route(self, method, segments, query, form, files, account_id, key, path):
        if method == "POST" and segments == ["api", "v2", "media"]:
            return api.upload_media(self, account_id, form, files)
        if method == "GET" and segments[:3] == ["api", "v1", "media"] and len(segments) == 4:
            return api.get_media(self, account_id, segments[3])
        if method == "POST" and segments == ["api", "v1", "statuses"]:
            return api.create_status(self, account_id, form, key)
        if method == "DELETE" and segments[:3] == ["api", "v1", "statuses"] and len(segments) == 4:
            return api.delete_status(self, account_id, segments[3], {**query, **form})
        if method == "GET" and segments == ["api", "v1", "accounts", "verify_credentials"]:
            return 200, {**api.account_entity(self, account_id), "source": {"privacy": "public", "language": "de"}}
        if method == "GET" and segments[:3] == ["api", "v1", "accounts"] and segments[4:] == ["statuses"]:
            return api.account_statuses(self, segments[3], query, path)
        if method == "GET" and segments[:3] == ["api", "v1", "statuses"] and len(segments) == 4:
            found = self.status(segments[3])
            return (200, api.status_entity(self, found)) if found else (404, {"error": "Record not found"})
        return 404, {"error": "Record not found"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--port-file", type=Path)
    args = parser.parse_args()
    fake = MastodonFake(args.state)
    url = fake.start()
    if args.port_file:
        args.port_file.write_text(url)
    print(url, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
