"""`python -m scheduler connect --mastodon INSTANCE`: register the app, authorise it, store the token.

1. `POST /api/v1/apps` (client_name "So ist S", redirect_uris urn:ietf:wg:oauth:2.0:oob, the scopes
   below; https://docs.joinmastodon.org/methods/apps/#create) → client_id, client_secret.
2. The editor opens `GET /oauth/authorize?response_type=code&client_id=…&redirect_uri=…&scope=…`
   (https://docs.joinmastodon.org/methods/oauth/#authorize), logs in as the project's account,
   approves and copies the code the page shows.
3. `POST /oauth/token` with grant_type=authorization_code (https://docs.joinmastodon.org/methods/oauth/#token)
   → the access token, written to the secrets file (slot "mastodon", mode 0600, vault.py).
4. `GET /api/v1/accounts/verify_credentials` (https://docs.joinmastodon.org/methods/accounts/#verify_credentials)
   names the account the token belongs to.
Granular scopes (https://docs.joinmastodon.org/api/oauth-scopes/): only what publishing and the
takedown need, plus read:search: the Fediverse rights request resolves a post from another server
with GET /api/v2/search?resolve=true (https://docs.joinmastodon.org/methods/search/#v2).
read:accounts: `GET /api/v1/accounts/verify_credentials` (check-credentials, and the publisher's own
account id) needs it, or `profile`, which servers before 4.3 do not know
(https://docs.joinmastodon.org/methods/accounts/#verify_credentials). A token made before read:search and
read:accounts were added must be renewed with `connect --mastodon` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from mastodon import Mastodon

from scheduler.credentials.vault import Vault

SCOPES = ["write:statuses", "write:media", "read:statuses", "read:search", "read:accounts"]
OOB = "urn:ietf:wg:oauth:2.0:oob"
APP_NAME = "So ist S"


def normalise(instance: str) -> str:
    instance = instance.strip().rstrip("/")
    return instance if "://" in instance else f"https://{instance}"


@dataclass
class Connected:
    account: str
    instance: str


def connect_mastodon(instance: str, vault: Vault, get_code: Callable[[str], str], say: Callable[[str], None],
                     website: str = "https://www.so-ist-s.de") -> Connected:
    base = normalise(instance)
    insecure = base.startswith("http://")  # only the local fake speaks plain HTTP
    say(f"Schritt 1 von 3: App bei {base} registrieren")
    client_id, client_secret = Mastodon.create_app(APP_NAME, scopes=SCOPES, redirect_uris=OOB, website=website,
                                                   api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base, version_check_mode="none")
    url = api.auth_request_url(redirect_uris=OOB, scopes=SCOPES, skip_server_info=True, allow_http=insecure)
    say("Schritt 2 von 3: Diese Adresse öffnen, als Projekt-Konto anmelden, „Autorisieren“ wählen und den "
        f"angezeigten Code hier eingeben:\n  {url}")
    code = get_code(url).strip()
    token = api.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=insecure)
    vault.set_tokens(mastodon=token)
    me = Mastodon(access_token=token, api_base_url=base, version_check_mode="none").account_verify_credentials()
    say(f"Schritt 3 von 3: Token gespeichert ({vault.path}, nur für den Dienst lesbar); Konto @{me['acct']}. "
        f"In soists.env SOISTS_MASTODON_URL={base} setzen.")
    return Connected(str(me["acct"]), base)


def check_mastodon(base_url: str, token: str) -> tuple[bool, str]:
    """check-credentials: does the token still open the account? (German line)."""
    if not token:
        return False, "Mastodon: kein Token – `python -m scheduler connect --mastodon INSTANZ`"
    try:
        me = Mastodon(access_token=token, api_base_url=normalise(base_url), version_check_mode="none",
                      request_timeout=20).account_verify_credentials()
    except Exception as error:  # noqa: BLE001 - reported, never raised: the check lists problems
        return False, f"Mastodon: Token abgelehnt oder Server nicht erreichbar ({type(error).__name__})"
    return True, f"Mastodon: verbunden als @{me['acct']} ({normalise(base_url)})"
