"""The token calls of the Graph API (Facebook Login on graph.facebook.com, and the one
Instagram-Login call on graph.instagram.com), as one small requests-based client.

  GET /debug_token?input_token=…                        token metadata (expiry, data access, scopes)
  GET /oauth/access_token?grant_type=fb_exchange_token  short-lived → long-lived User token (~60 days)
  GET /me/accounts?fields=id,name,access_token,tasks    Page tokens (do not expire when derived
                                                        from a long-lived User token) and Page tasks
  GET /me/permissions                                   granted / declined permissions
  GET /{page-id}?fields=instagram_business_account      the Instagram account connected to the Page
  GET|POST /{page-id}/subscribed_apps?subscribed_fields=…   the app's webhook subscription on the Page
      (Page token; pages_manage_metadata, pages_show_list and one of the CREATE_CONTENT, MANAGE or
      MODERATE tasks — https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps/)
  GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token
                                                        Instagram-Login token, ≥ 24 h old, → 60 days

The token being used travels in the Authorization header. Two documented calls need a token
as a query parameter (debug_token's input_token, fb_exchange_token) — the request is built
here only, nothing logs its URL, and errors carry no URL (see _get).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping

import requests

from scheduler.credentials.model import TokenInfo
from scheduler.credentials.versions import graph_base_url
from scheduler.publish.graph_errors import RetryLater, error_from_response, install_token_redaction

INSTAGRAM_GRAPH = "https://graph.instagram.com"
SECRET_PARAMS = ("input_token", "fb_exchange_token", "client_secret")


@dataclass(frozen=True)
class NewToken:
    token: str
    expires_in: int | None  # seconds, as the answer says


class TokenApi:
    def __init__(self, base_url: str, instagram_url: str = INSTAGRAM_GRAPH,
                 session: requests.Session | None = None, timeout_s: float = 30.0):
        self.base_url, self.instagram_url = base_url.rstrip("/"), instagram_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout_s = timeout_s
        self.app_id = ""  # set when known: picks our entry out of a Page's subscribed_apps

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "TokenApi":
        env = os.environ if env is None else env
        return cls(graph_base_url(env), env.get("SOISTS_IG_GRAPH_BASE_URL", INSTAGRAM_GRAPH))

    def _request(self, method: str, url: str, token: str, params: dict | None = None) -> dict:
        # urllib3 logs the request line (with the query) at DEBUG: scrub these secrets first.
        install_token_redaction([token, *(str(v) for k, v in (params or {}).items() if k in SECRET_PARAMS)])
        try:
            response = self.session.request(method, url, params=params, timeout=self.timeout_s,
                                            headers={"Authorization": f"Bearer {token}"})
        except (requests.ConnectionError, requests.Timeout) as exc:
            # The class name only: the exception's text quotes the URL, which may hold a token.
            raise RetryLater(f"{method} {url.rsplit('/', 1)[-1]}: {type(exc).__name__}") from None
        if not response.ok:
            raise error_from_response(response)
        return response.json()

    def _get(self, url: str, token: str, params: dict | None = None) -> dict:
        return self._request("GET", url, token, params)

    def _post(self, url: str, token: str, params: dict) -> dict:
        return self._request("POST", url, token, params)

    def debug_token(self, token: str, app_token: str = "") -> dict:
        """debug_token's "data". The inspecting token is the app token ("{app-id}|{app-secret}")
        when the app is configured, else the token itself."""
        body = self._get(f"{self.base_url}/debug_token", app_token or token, {"input_token": token})
        return dict(body.get("data") or {})

    def exchange(self, short_token: str, app_id: str, app_secret: str) -> NewToken:
        body = self._get(f"{self.base_url}/oauth/access_token", short_token, {
            "grant_type": "fb_exchange_token", "client_id": app_id, "client_secret": app_secret,
            "fb_exchange_token": short_token})
        return NewToken(str(body["access_token"]), _int(body.get("expires_in")))

    def accounts(self, user_token: str) -> list[dict]:
        body = self._get(f"{self.base_url}/me/accounts", user_token, {"fields": "id,name,access_token,tasks"})
        return list(body.get("data") or [])

    def page_token(self, user_token: str, page_id: str) -> str:
        for page in self.accounts(user_token):
            if str(page.get("id")) == str(page_id):
                return str(page["access_token"])
        raise LookupError(f"page {page_id} is not among the pages this user can manage (/me/accounts)")

    def page_tasks(self, user_token: str, page_id: str) -> list[str]:
        for page in self.accounts(user_token):
            if str(page.get("id")) == str(page_id):
                return list(page.get("tasks") or [])
        return []

    def page_fields(self, user_token: str, page_id: str, fields: str) -> dict:
        """GET /{page-id}?fields=… (e.g. instagram_business_account, access_token, tasks)."""
        return self._get(f"{self.base_url}/{page_id}", user_token, {"fields": fields})

    def instagram_user_id(self, user_token: str, page_id: str) -> str:
        """The Instagram professional account connected to the Page ("" when none is)."""
        account = self.page_fields(user_token, page_id, "instagram_business_account").get("instagram_business_account")
        return str((account or {}).get("id") or "")

    def subscribed_fields(self, page_token: str, page_id: str) -> list[str] | None:
        """The fields this app is subscribed to on the Page; None when the app is not subscribed.
        The answer may list several apps subscribed on the Page: ours is the one with `app_id`
        (when it is not known, the first entry)."""
        body = self._get(f"{self.base_url}/{page_id}/subscribed_apps", page_token)
        apps = list(body.get("data") or [])
        app_id = self.app_id
        for app in apps:
            if not app_id or str(app.get("id")) == app_id:
                return list(app.get("subscribed_fields") or [])
        return None

    def subscribe(self, page_token: str, page_id: str, fields: tuple[str, ...]) -> bool:
        body = self._post(f"{self.base_url}/{page_id}/subscribed_apps", page_token,
                          {"subscribed_fields": ",".join(fields)})
        return bool(body.get("success"))

    def permissions(self, user_token: str) -> list[str]:
        body = self._get(f"{self.base_url}/me/permissions", user_token)
        return [p["permission"] for p in body.get("data", []) if p.get("status") == "granted"]

    def ig_refresh(self, token: str) -> NewToken:
        body = self._get(f"{self.instagram_url}/refresh_access_token", token, {"grant_type": "ig_refresh_token"})
        return NewToken(str(body["access_token"]), _int(body.get("expires_in")))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def info_from_debug(slot: str, data: dict, now: datetime, previous: TokenInfo | None = None) -> TokenInfo:
    """TokenInfo from a debug_token answer (only what it says; nothing guessed)."""
    info = TokenInfo(slot=slot, flavour="facebook_login", type=str(data.get("type", "")),
                     app_id=str(data.get("app_id", "")), is_valid=bool(data.get("is_valid")),
                     expires_at=_int(data.get("expires_at")),
                     data_access_expires_at=_int(data.get("data_access_expires_at")),
                     issued_at=_int(data.get("issued_at")), scopes=list(data.get("scopes") or []),
                     checked_at=now.astimezone(timezone.utc).isoformat())
    if previous is not None:
        info.refreshed_at = previous.refreshed_at
    return info


def info_from_refresh(slot: str, new: NewToken, now: datetime) -> TokenInfo:
    """TokenInfo of an Instagram-Login token from its refresh answer (debug_token cannot read it)."""
    stamp = int(now.timestamp())
    return TokenInfo(slot=slot, flavour="instagram_login", type="USER", issued_at=stamp,
                     expires_at=stamp + new.expires_in if new.expires_in else None,
                     checked_at=now.isoformat(), refreshed_at=now.isoformat())


def info_from_grant(slot: str, flavour: str, new: NewToken, now: datetime) -> TokenInfo:
    """Metadata of a token just handed over by a login flow, from that flow's `expires_in`."""
    info = info_from_refresh(slot, new, now)
    info.flavour, info.refreshed_at = flavour, ""
    return info
