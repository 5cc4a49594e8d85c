"""Review board accounts: `editors add NAME --role ROLE`, `list`, `role NAME ROLE`, `password NAME`,
`disable NAME`, `enable NAME`, `remove NAME`.

Roles (scheduler/curate/review/roles.py): lesen, redaktion (the default; the first account is
verwaltung), veroeffentlichen, verwaltung.
The password is read from a prompt (twice) on a terminal, else from the first line of stdin
(`printf '%s\\n' "$PW" | python -m scheduler editors add eva`); it is never an argument,
because arguments end up in the shell history and in `ps`. Every change is a board event
(the audit view shows it, with the actor "cli:<user>"), and the account's signed-in sessions end
at its next request.
"""

from __future__ import annotations

import getpass
import os
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


def actor() -> str:
    return f"cli:{os.environ.get('USER') or getpass.getuser()}"[:120]


def _change(settings, done: str, change) -> int:
    try:
        with sessions(settings).begin() as session:
            change(session)
    except editors.AccountError as exc:
        console.print(f"[red]{exc}", highlight=False)
        return EXIT_USAGE
    out.print(done, markup=False)
    return EXIT_OK


def _with_password(settings, done: str, change) -> int:
    """Read the new password (prompt or stdin), then make the change with it."""
    try:
        password = read_password()
    except editors.AccountError as exc:
        console.print(f"[red]{exc}", highlight=False)
        return EXIT_USAGE
    return _change(settings, done, lambda session: change(session, password))


def cmd_add(args, settings) -> int:
    return _with_password(settings, f"account {args.name.strip()} added; sign in on the review board",
                          lambda s, password: editors.add_account(s, args.name, password, args.role, actor()))


def cmd_role(args, settings) -> int:
    return _change(settings, f"{args.name} is now {args.role}; signed-in sessions end",
                   lambda s: editors.set_role(s, args.name, args.role, actor()))


def cmd_password(args, settings) -> int:
    return _with_password(settings, f"new password for {args.name}; signed-in sessions end",
                          lambda s, password: editors.reset_password(s, args.name, password, actor()))


def cmd_disable(args, settings) -> int:
    return _change(settings, f"{args.name} disabled; signed-in sessions end",
                   lambda s: editors.set_disabled(s, args.name, True, actor()))


def cmd_enable(args, settings) -> int:
    return _change(settings, f"{args.name} enabled", lambda s: editors.set_disabled(s, args.name, False, actor()))


def cmd_list(args, settings) -> int:
    with sessions(settings)() as session:
        accounts = editors.list_accounts(session)
    for account in accounts:
        last = f"{account.last_login:%Y-%m-%d %H:%M}Z" if account.last_login else "never"
        flags = ("\tdisabled" if account.disabled else "") + ("\ttotp" if account.totp else "")
        out.print(f"{account.name}\t{account.role}\tcreated {account.created:%Y-%m-%d}\tlast sign-in {last}{flags}",
                  markup=False)
    if not accounts:
        out.print("no accounts (add one: python -m scheduler editors add NAME; the first account is verwaltung)", markup=False)
    return EXIT_OK


def cmd_remove(args, settings) -> int:
    try:
        with sessions(settings).begin() as session:
            removed = editors.remove_account(session, args.name, actor())
    except editors.AccountError as exc:
        console.print(f"[red]{exc}", highlight=False)
        return EXIT_USAGE
    if not removed:
        console.print(f"[red]no account named {args.name!r}", highlight=False)
        return EXIT_USAGE
    out.print(f"account {args.name} removed (its signed-in sessions are refused from the next request)",
              markup=False)
    return EXIT_OK


def add_commands(sub) -> None:
    e = sub.add_parser("editors", help="review board accounts (SOISTS_BOARD_AUTH=accounts)")
    commands = e.add_subparsers(dest="editors_command", required=True)
    add = commands.add_parser("add", help="add an account; the password comes from a prompt or stdin")
    add.add_argument("name")
    add.add_argument("--role", choices=editors.ROLES, default=None,
                     help="lesen, redaktion, veroeffentlichen or verwaltung (accounts); default: verwaltung for "
                          "the first account, else redaktion")
    add.set_defaults(func=cmd_add)
    commands.add_parser("list", help="list the accounts with their roles").set_defaults(func=cmd_list)
    role = commands.add_parser("role", help="change an account's role")
    role.add_argument("name")
    role.add_argument("role", choices=editors.ROLES)
    role.set_defaults(func=cmd_role)
    for name, func, text in (("password", cmd_password, "set a new password (prompt or stdin)"),
                             ("disable", cmd_disable, "disable an account (it keeps its history)"),
                             ("enable", cmd_enable, "enable a disabled account"),
                             ("remove", cmd_remove, "remove an account")):
        command = commands.add_parser(name, help=text)
        command.add_argument("name")
        command.set_defaults(func=func)
