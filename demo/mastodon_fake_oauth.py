"""Apps and OAuth of the local Mastodon fake (documented flow, the approval screen left out).

  POST /api/v1/apps        client_name, redirect_uris, scopes, website → Application with client_id,
                           client_secret (https://docs.joinmastodon.org/methods/apps/#create)
  GET  /oauth/authorize    response_type=code, client_id, redirect_uri, scope: a real server shows the
                           approval page and then the code (for urn:ietf:wg:oauth:2.0:oob on the page);
                           the fake approves at once as its own account and answers {"code": …}
                           (https://docs.joinmastodon.org/methods/oauth/#authorize)
  POST /oauth/token        grant_type=authorization_code, code, client_id, client_secret, redirect_uri →
                           Token {access_token, token_type "Bearer", scope, created_at}
                           (https://docs.joinmastodon.org/methods/oauth/#token); 400 invalid_grant for a
                           used or unknown code
"""

from __future__ import annotations

import secrets


def route(fake, method: str, segments: list[str], query: dict, form: dict):
    params = {**query, **form}
    if method == "POST" and segments == ["api", "v1", "apps"]:
        if not params.get("client_name") or not params.get("redirect_uris"):
            return 422, {"error": "Validation failed: Application name can't be blank"}
        client_id, secret = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
        scopes = params.get("scopes") or "read"
        fake.state["apps"][client_id] = {"secret": secret, "redirect_uri": params["redirect_uris"], "scopes": scopes,
                                         "name": params["client_name"]}
        return 200, {"id": fake.new_id(), "name": params["client_name"], "website": params.get("website"),
                     "scopes": scopes.split(), "redirect_uri": params["redirect_uris"],
                     "redirect_uris": [params["redirect_uris"]], "client_id": client_id, "client_secret": secret}
    if method == "GET" and segments == ["oauth", "authorize"]:
        app = fake.state["apps"].get(params.get("client_id", ""))
        if app is None or params.get("response_type") != "code" or params.get("redirect_uri") != app["redirect_uri"]:
            return 400, {"error": "invalid_request"}
        code = secrets.token_urlsafe(16)
        fake.state["codes"][code] = {"client_id": params["client_id"], "scope": params.get("scope") or "read"}
        return 200, {"code": code}
    if method == "POST" and segments == ["oauth", "token"]:
        grant = fake.state["codes"].pop(params.get("code", ""), None)
        app = fake.state["apps"].get(params.get("client_id", ""))
        if params.get("grant_type") != "authorization_code" or grant is None or app is None \
                or app["secret"] != params.get("client_secret") or grant["client_id"] != params["client_id"]:
            return 400, {"error": "invalid_grant", "error_description": "The provided authorization grant is invalid"}
        token = secrets.token_urlsafe(32)
        fake.state["tokens"][token] = fake.account_id
        fake.state.setdefault("scopes", {})[token] = grant["scope"]
        return 200, {"access_token": token, "token_type": "Bearer", "scope": grant["scope"],
                     "created_at": int(fake.now())}
    return None


# The scope each call needs (https://docs.joinmastodon.org/api/oauth-scopes/ and each method's "OAuth:" line);
# "read"/"write" cover their granular scopes. Tokens made by the tests directly (no OAuth) have every scope.
NEEDS = (
    ("POST", ("api", "v2", "media"), ("write:media",)),
    ("GET", ("api", "v1", "media", None), ("write:media",)),
    ("POST", ("api", "v1", "statuses"), ("write:statuses",)),
    ("DELETE", ("api", "v1", "statuses", None), ("write:statuses",)),
    ("GET", ("api", "v1", "accounts", "verify_credentials"), ("profile", "read:accounts")),  # 4.3: profile
    ("GET", ("api", "v2", "search"), ("read:search",)),  # with resolve=true (without: public)
)


def scope_refused(fake, token: str, method: str, segments: list[str], query: dict) -> bool:
    granted = fake.state.get("scopes", {}).get(token)
    if granted is None:
        return False
    have = set(granted.split())
    for verb, pattern, scopes in NEEDS:
        if verb != method or len(pattern) != len(segments) or any(p not in (None, s) for p, s in zip(pattern, segments)):
            continue
        if pattern[-1] == "search" and str(query.get("resolve", "")).lower() not in ("1", "true"):
            return False
        umbrella = {scope.split(":")[0] for scope in scopes if ":" in scope}
        return not (have & set(scopes) or have & umbrella)
    return False
