"""Review board accounts: `editors add NAME`, `editors list`, `editors remove NAME`.

The password is read from a prompt (twice) on a terminal, else from the first line of stdin
(`printf '%s\\n' "$PW" | python -m scheduler editors add eva`); it is never an argument,
because arguments end up in the shell history and in `ps`.
"""

from __future__ import annotations

import getpass
import sys

from scheduler.cli.common import console, out, sessions
from scheduler.curate import editors
from scheduler.exitcodes import EXIT_OK, EXIT_USAGE


def read_password(stdin=None) -> str:
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise editors.AccountError("the passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


def cmd_add(args, settings) -> int:
    try:
        password = read_password()
        with sessions(settings).begin() as session:
            editors.add_account(session, args.name, password)
    except editors.AccountError as exc:
        console.print(f"[red]{exc}", highlight=False)
        return EXIT_USAGE
    out.print(f"account {args.name.strip()} added; sign in on the review board", markup=False)
    return EXIT_OK


def cmd_list(args, settings) -> int:
    with sessions(settings)() as session:
        accounts = editors.list_accounts(session)
    for account in accounts:
        last = f"{account.last_login:%Y-%m-%d %H:%M}Z" if account.last_login else "never"
        out.print(f"{account.name}\tcreated {account.created:%Y-%m-%d}\tlast sign-in {last}", markup=False)
    if not accounts:
        out.print("no accounts (add one: python -m scheduler editors add NAME)", markup=False)
    return EXIT_OK


def cmd_remove(args, settings) -> int:
    with sessions(settings).begin() as session:
        removed = editors.remove_account(session, args.name)
    if not removed:
        console.print(f"[red]no account named {args.name!r}", highlight=False)
        return EXIT_USAGE
    out.print(f"account {args.name} removed (a signed-in browser keeps its session until the board restarts)",
              markup=False)
    return EXIT_OK


def add_commands(sub) -> None:
    e = sub.add_parser("editors", help="review board accounts (SOISTS_BOARD_AUTH=accounts)")
    commands = e.add_subparsers(dest="editors_command", required=True)
    add = commands.add_parser("add", help="add an account; the password comes from a prompt or stdin")
    add.add_argument("name")
    add.set_defaults(func=cmd_add)
    commands.add_parser("list", help="list the accounts").set_defaults(func=cmd_list)
    remove = commands.add_parser("remove", help="remove an account")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_remove)
