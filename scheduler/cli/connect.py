"""Setting up Meta: `connect` (German, step by step, resumable) and `go-live` (the checklist).

Inputs of `connect` for non-interactive runs: --app-id / SOISTS_CONNECT_APP_ID,
SOISTS_CONNECT_APP_SECRET, SOISTS_CONNECT_USER_TOKEN (secrets only through the environment or
the prompt, never as a flag: a command line is visible to every user of the machine),
--page-id / SOISTS_FB_PAGE_ID. Without them and without a terminal the command stops with
exit 2 and names what is missing.
"""

from __future__ import annotations

import getpass
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from scheduler.cli.common import out
from scheduler.credentials.api import TokenApi
from scheduler.credentials.connect import Context, Inputs, MissingInput, run_connect
from scheduler.credentials.state import State, state_path
from scheduler.credentials.vault import SecretsError, Vault
from scheduler.exitcodes import EXIT_LOGIN, EXIT_OK, EXIT_USAGE
from scheduler.jobs.golive import CONFIRMABLE, go_live_items, read_env_file


RUNTIME_SECRETS = "/srv/soists/var/secrets.json"  # Environment=SOISTS_SECRETS_FILE of the units


def say(text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def ask(question: str, secret: bool) -> str:
    return getpass.getpass(f"{question}: ") if secret else input(f"{question}: ")


def with_exit_codes(run: Callable[[], bool]) -> int:
    """Run a connect flow; what is missing → exit 2, an unusable secrets file or a refusal → exit 3."""
    try:
        finished = run()
    except MissingInput as missing:
        say(f"  ✗ {missing}")
        return EXIT_USAGE
    except SecretsError as error:
        say(f"Geheimnis-Datei nicht nutzbar: {error}")
        return EXIT_LOGIN
    return EXIT_OK if finished else EXIT_LOGIN


def cmd_connect(args, settings) -> int:
    env = os.environ
    interactive = sys.stdin.isatty() and not args.no_input
    if args.mastodon:
        return connect_mastodon_cli(args.mastodon, env, interactive)
    inputs = Inputs(app_id=args.app_id or env.get("SOISTS_CONNECT_APP_ID", ""),
                    app_secret=env.get("SOISTS_CONNECT_APP_SECRET", ""),
                    user_token=env.get("SOISTS_CONNECT_USER_TOKEN", ""),
                    page_id=args.page_id or env.get("SOISTS_FB_PAGE_ID", ""),
                    env_file=Path(args.env_file) if args.env_file else None,
                    runtime_file=Path(args.runtime_file),
                    ask=ask if interactive else None)
    vault = Vault.from_env(env)
    say(f"Meta verbinden – Geheimnis-Datei: {vault.path}, Stand: {state_path(env)}")
    return with_exit_codes(lambda: run_connect(
        Context(TokenApi.from_env(env), vault, State(state_path(env)), inputs, datetime.now(timezone.utc)),
        say, again=args.again))


def connect_mastodon_cli(instance: str, env, interactive: bool) -> int:
    """The Fediverse channel: app, OAuth code (SOISTS_CONNECT_MASTODON_CODE or asked), token 0600."""
    from scheduler.credentials.mastodon_connect import connect_mastodon

    def get_code(url: str) -> str:
        code = env.get("SOISTS_CONNECT_MASTODON_CODE", "")
        if not code and not interactive:
            raise MissingInput("SOISTS_CONNECT_MASTODON_CODE (der Code der Autorisierungsseite)")
        return code or ask("Code", secret=True)

    def run() -> bool:
        try:
            connect_mastodon(instance, Vault.from_env(env), get_code, say)
        except (MissingInput, SecretsError):
            raise
        except Exception as error:  # noqa: BLE001 - the server refused: say so in German, exit 3
            say(f"  ✗ Mastodon hat abgelehnt: {type(error).__name__}")
            return False
        return True

    return with_exit_codes(run)


def cmd_go_live(args, settings) -> int:
    env = dict(os.environ)
    if args.env_file:
        env = {**read_env_file(Path(args.env_file)), **env}  # the environment wins
    try:
        state = State(state_path(env))
        for item in args.confirm or []:
            state.confirm(item, by=env.get("SUDO_USER") or env.get("USER") or getpass.getuser())
        items = go_live_items(env, state, datetime.now(timezone.utc), settings)
    except SecretsError as error:
        say(f"Geheimnis-Datei nicht nutzbar: {error}")
        return EXIT_LOGIN
    say("Go-live-Prüfung")
    for item in items:
        say(f"[{'OK' if item.ok else 'FEHLT'}] {item.title}: {item.detail}")
    failed = [item for item in items if not item.ok]
    say("Alles bereit für den Live-Betrieb." if not failed else
        f"{len(failed)} von {len(items)} Punkten fehlen noch (Exit-Code 3).")
    return EXIT_OK if not failed else EXIT_LOGIN


def add_commands(sub) -> None:
    c = sub.add_parser("connect", help="connect the Meta app, Page and Instagram account step by step (German; "
                                       "resumable; exit 3 when something is missing in Meta)")
    c.add_argument("--app-id", help="the Meta app id (or SOISTS_CONNECT_APP_ID)")
    c.add_argument("--page-id", help="the Facebook Page (or SOISTS_FB_PAGE_ID); asked when the user has several")
    c.add_argument("--env-file", help="write SOISTS_FB_PAGE_ID and SOISTS_IG_USER_ID into this file "
                                      "(e.g. /etc/soists/soists.env)")
    c.add_argument("--runtime-file", default=RUNTIME_SECRETS,
                   help="the services' writable secrets file; stale copies of renewed tokens are removed "
                        f"from it (default {RUNTIME_SECRETS})")
    c.add_argument("--again", action="store_true", help="run every step again, also the finished ones")
    c.add_argument("--no-input", action="store_true", help="never prompt (values from flags and environment)")
    c.add_argument("--mastodon", metavar="INSTANCE", help="connect the Fediverse channel instead: register the app "
                                                           "on INSTANCE, authorise it, store the token (0600)")
    c.set_defaults(func=cmd_connect)
    g = sub.add_parser("go-live", help="the go-live checklist, one line per item (German); exit 0 only when "
                                       "every item passes")
    g.add_argument("--env-file", help="read settings from this file too (e.g. /etc/soists/soists.env); "
                                      "variables already in the environment win")
    g.add_argument("--confirm", action="append", choices=CONFIRMABLE,
                   help="record a manual confirmation in the state file (repeatable)")
    g.set_defaults(func=cmd_go_live)
