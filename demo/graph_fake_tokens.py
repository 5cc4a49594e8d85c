"""The token side of the local Graph API fake: tokens that really expire, and the documented
endpoints that inspect, exchange, derive and refresh them.

  GET /vXX/debug_token?input_token=…        → {"data": {app_id, type, application, expires_at,
                                               data_access_expires_at, is_valid, issued_at, scopes, user_id}}
  GET /vXX/oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&fb_exchange_token
                                            → {"access_token", "token_type": "bearer", "expires_in"}
  GET /vXX/me/accounts?fields=id,name,access_token,tasks   (User token) → {"data": [...]}
  GET /vXX/{page-id}?fields=access_token,tasks             (User token) → {...}
  GET /vXX/me/permissions                                  (User token) → {"data": [{permission, status}]}
  GET /refresh_access_token?grant_type=ig_refresh_token    (graph.instagram.com; Instagram-Login token)
                                            → {"access_token", "token_type", "expires_in"}
  GET|POST|DELETE /vXX/{page-id}/subscribed_apps           (Page token) the app's webhook subscription on
                                            the Page: GET → {"data": [{"id", "name", "category", "link",
                                            "subscribed_fields": [...]}]}; POST ?subscribed_fields=a,b and
                                            DELETE → {"success": true}. Documented in the Graph API reference
                                            "Page Subscribed Apps"
                                            (https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps/):
                                            a Page token of a person with the CREATE_CONTENT, MANAGE or MODERATE
                                            task, and pages_manage_metadata + pages_show_list; otherwise (#200).

Error 190 answers: subcode 463 once a token has expired, 460 after a password change, 467
for a token that was invalidated; no subcode for a string the API cannot parse (also what
graph.facebook.com answers for an Instagram-Login token).

Where the documentation is silent the fake is pessimistic: exchanging an already long-lived
User token gives the same expiry back (no silent extension); `refuse_refresh` makes the
Instagram refresh fail (code 1) while the token itself keeps working until it expires.

For tests, everything the connect/check commands look at can be taken away: `scopes` (what
/me/permissions and debug_token list), `tasks` (the Page's tasks in /me/accounts), and the
subscription itself (`subscribed`: app id → fields; `refuse_subscription` makes POST answer
(#200) as Meta does when the app may not subscribe).
"""

from __future__ import annotations

import itertools
import time
from typing import Callable

from demo.graph_fake_http import is_transient

APP_ID = "1000000000000042"
APP_SECRET = "fakeappsecret-5f4dcc3b5aa765d6"
USER_ID = "1000000000000077"
DAY = 86400
LONG_LIVED_S = 60 * DAY
SHORT_LIVED_S = 3600
DATA_ACCESS_S = 90 * DAY
# What the fake grants by default (the permissions the project needs, see scheduler/credentials/check.py).
DEFAULT_SCOPES = ["instagram_basic", "instagram_content_publish", "instagram_manage_insights",
                  "instagram_manage_comments", "instagram_manage_contents", "pages_manage_metadata",
                  "pages_manage_posts", "pages_read_engagement", "pages_show_list", "read_insights"]
DEFAULT_TASKS = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]

Error = tuple[int, dict]
_serial = itertools.count(1)


def oauth_error(code: int, message: str, subcode: int | None = None) -> dict:
    """An error body as Meta sends it, `is_transient` included (graph-api/guides/error-handling)."""
    error = {"message": message, "type": "OAuthException", "code": code, "is_transient": is_transient(code, subcode),
             "fbtrace_id": "FakeToken"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def token_error(subcode: int | None, message: str) -> dict:
    return oauth_error(190, message, subcode)


class TokenBook:
    """Tokens by string, persisted in the fake's state dict (so they survive restarts)."""

    def __init__(self, store: dict, page_id: str, ig_user_id: str, clock: Callable[[], float] = time.time,
                 refuse_refresh: bool = False, scopes: list[str] | None = None, tasks: list[str] | None = None):
        self.store, self.page_id, self.ig_user_id, self.clock = store, page_id, ig_user_id, clock
        self.refuse_refresh = refuse_refresh
        self.scopes = list(DEFAULT_SCOPES if scopes is None else scopes)
        self.tasks = list(DEFAULT_TASKS if tasks is None else tasks)
        self.subscribed: dict[str, list[str]] = {}  # app id → webhook fields subscribed on the Page
        self.refuse_subscription = False

    # -- minting -----------------------------------------------------------------------
    def add(self, token: str, kind: str, lifetime_s: int | None, *, data_access_s: int | None = DATA_ACCESS_S,
            issued_at: float | None = None) -> str:
        """kind: user_short | user_long | page | instagram_login. lifetime None = never expires."""
        now = self.clock() if issued_at is None else issued_at
        self.store[token] = {
            "kind": kind, "type": "PAGE" if kind == "page" else "USER", "issued_at": int(now),
            "expires_at": 0 if lifetime_s is None else int(now + lifetime_s),
            "data_access_expires_at": 0 if data_access_s is None else int(now + data_access_s),
            "revoked": None}
        return token

    def mint(self, prefix: str, kind: str, lifetime_s: int | None, **kw) -> str:
        return self.add(f"{prefix}{next(_serial):04d}x{int(self.clock())}", kind, lifetime_s, **kw)

    def revoke(self, token: str, subcode: int) -> None:
        self.store[token]["revoked"] = subcode

    # -- checking ----------------------------------------------------------------------
    def check(self, token: str, allowed: tuple[str, ...]) -> Error | None:
        entry = self.store.get(token)
        if entry is None or entry["kind"] not in allowed:
            return 400, token_error(None, "Invalid OAuth access token - Cannot parse access token")
        if entry["revoked"]:
            text = {460: "the user changed their password", 467: "the token is invalid"}[entry["revoked"]]
            return 400, token_error(entry["revoked"], f"Error validating access token: {text}")
        if entry["expires_at"] and entry["expires_at"] <= self.clock():
            return 400, token_error(463, "Error validating access token: Session has expired")
        return None

    FACEBOOK = ("user_short", "user_long", "page")

    # -- endpoints ---------------------------------------------------------------------
    def debug_token(self, query: dict) -> Error:
        entry = self.store.get(query.get("input_token", ""))
        if entry is None or entry["kind"] == "instagram_login":
            return 400, token_error(None, "Invalid OAuth access token - Cannot parse access token")
        now = self.clock()
        valid = not entry["revoked"] and not (entry["expires_at"] and entry["expires_at"] <= now)
        data = {"app_id": APP_ID, "type": entry["type"], "application": "So ist S (fake)",
                "data_access_expires_at": entry["data_access_expires_at"], "expires_at": entry["expires_at"],
                "is_valid": valid, "issued_at": entry["issued_at"], "scopes": self.scopes, "user_id": USER_ID}
        if entry["type"] == "PAGE":
            data["profile_id"] = self.page_id
        return 200, {"data": data}

    def exchange(self, query: dict) -> Error:
        if query.get("grant_type") != "fb_exchange_token" or query.get("client_id") != APP_ID \
                or query.get("client_secret") != APP_SECRET:
            return 400, oauth_error(1, "Error validating client secret.")
        old = query.get("fb_exchange_token", "")
        error = self.check(old, ("user_short", "user_long"))
        if error:
            return error
        entry = self.store[old]
        if entry["kind"] == "user_long":  # no silent extension (the documentation does not promise one)
            return 200, {"access_token": old, "token_type": "bearer",
                         "expires_in": int(entry["expires_at"] - self.clock())}
        new = self.mint("EAAuserlong", "user_long", LONG_LIVED_S)
        self.store[new]["data_access_expires_at"] = entry["data_access_expires_at"]
        return 200, {"access_token": new, "token_type": "bearer", "expires_in": LONG_LIVED_S}

    def _page_token_for(self, user_token: str) -> str:
        """A Page token derived from a long-lived User token never expires; from a short one, 1 h."""
        entry = self.store[user_token]
        lifetime = None if entry["kind"] == "user_long" else SHORT_LIVED_S
        # Page tokens have no data-access expiry in the fake (see OPERATIONS-tokens.md: unverified).
        return self.mint("EAApage", "page", lifetime, data_access_s=None)

    def me_accounts(self, token: str) -> Error:
        error = self.check(token, ("user_short", "user_long"))
        if error:
            return error
        return 200, {"data": [{"id": self.page_id, "name": "So ist S (fake)", "tasks": self.tasks,
                               "access_token": self._page_token_for(token)}]}

    def page_fields(self, token: str, query: dict) -> Error:
        error = self.check(token, ("user_short", "user_long"))
        if error:
            return error
        fields = query.get("fields", "id").split(",")
        body: dict = {"id": self.page_id}
        if "access_token" in fields:
            body["access_token"] = self._page_token_for(token)
        if "tasks" in fields:
            body["tasks"] = self.tasks
        if "instagram_business_account" in fields:
            body["instagram_business_account"] = {"id": self.ig_user_id}
        return 200, body

    def permissions(self, token: str) -> Error:
        error = self.check(token, ("user_short", "user_long"))
        if error:
            return error
        return 200, {"data": [{"permission": p, "status": "granted"} for p in self.scopes]}

    def ig_refresh(self, token: str, query: dict) -> Error:
        if query.get("grant_type") != "ig_refresh_token":
            return 400, oauth_error(100, "Unsupported grant_type")
        error = self.check(token, ("instagram_login",))
        if error:
            return error
        entry = self.store[token]
        if self.refuse_refresh:  # the token still works, it just cannot be extended
            return 400, oauth_error(1, "An unknown error has occurred.")
        if self.clock() - entry["issued_at"] < DAY:  # documented: at least 24 hours old
            return 400, oauth_error(100, "Token is too new to be refreshed")
        new = self.mint("IGAArefreshed", "instagram_login", LONG_LIVED_S, data_access_s=None)
        return 200, {"access_token": new, "token_type": "bearer", "expires_in": LONG_LIVED_S}

    # -- the app's webhook subscription on the Page ---------------------------------------
    SUBSCRIBE_TASKS = ("CREATE_CONTENT", "MANAGE", "MODERATE")  # any one of them (reference)
    SUBSCRIBE_SCOPES = ("pages_manage_metadata", "pages_show_list")

    def subscribed_apps(self, method: str, token: str, query: dict) -> Error | None:
        """GET/POST/DELETE /{page-id}/subscribed_apps with the Page token (see the module docstring)."""
        error = self.check(token, ("page",))
        if error:
            return error
        lacking = [s for s in self.SUBSCRIBE_SCOPES if s not in self.scopes]
        if lacking or not any(t in self.tasks for t in self.SUBSCRIBE_TASKS) or \
                (method == "POST" and self.refuse_subscription):
            needs = ", ".join(lacking) or "the CREATE_CONTENT, MANAGE or MODERATE task"
            return 400, oauth_error(200, f"(#200) Permissions error: {needs}")
        if method == "GET":
            return 200, {"data": [{"id": APP_ID, "name": "So ist S (fake)", "category": "Business",
                                   "link": "https://www.so-ist-s.de/", "subscribed_fields": fields}
                                  for app, fields in self.subscribed.items() if app == APP_ID]}
        if method == "POST":
            fields = [f for f in query.get("subscribed_fields", "").split(",") if f]
            if not fields:
                return 400, oauth_error(100, "(#100) The parameter subscribed_fields is required")
            self.subscribed[APP_ID] = fields
            return 200, {"success": True}
        if method == "DELETE":
            self.subscribed.pop(APP_ID, None)
            return 200, {"success": True}
        return None
