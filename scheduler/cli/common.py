"""What every command shares: the consoles, sessions on a migrated store, small printers."""

from __future__ import annotations

import sys
from typing import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scheduler.config import Settings
from scheduler.curate.workflow import CurationError
from scheduler.store.db import make_engine, migrate, session_factory
from scheduler.store.models import Post

console = Console(stderr=True)
out = Console(soft_wrap=True)  # paths and ids are printed whole, never broken at the terminal width


class ScrubbedStream:
    """stdout/stderr with every known token removed: command output ends up in cron mails and
    journals too. Looks the real stream up on every write, so tests that swap sys.stdout work."""

    def __init__(self, name: str, scrub: Callable[[str], str]):
        self.name, self.scrub = name, scrub

    def _stream(self):
        return getattr(sys, self.name)

    def write(self, text: str) -> int:
        return self._stream().write(self.scrub(text))

    def __getattr__(self, attribute):  # flush, isatty, fileno, encoding … of the real stream
        return getattr(self._stream(), attribute)


def redact_consoles(scrub: Callable[[str], str]) -> None:
    for target, name in ((out, "stdout"), (console, "stderr")):
        target.file = ScrubbedStream(name, scrub)


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False, disable=not console.is_terminal)


def sessions(settings: Settings):
    """Sessions on an up-to-date store (migrating is cheap when nothing changed)."""
    settings.ensure_dirs()
    migrate(settings.db_url)
    return session_factory(make_engine(settings.db_url))


def print_lines(lines) -> None:
    for line in lines:
        out.print(line, markup=False, highlight=False, soft_wrap=True)


def dry(args) -> bool:
    """--dry-run may come before the command (global) or after it."""
    return bool(getattr(args, "dry_run", False) or getattr(args, "sub_dry_run", False))


def add_dry_run(parser):
    parser.add_argument("--dry-run", dest="sub_dry_run", action="store_true",
                        help="show what would happen; write nothing, call no API")
    return parser


def get_post(session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise CurationError(f"no post with id {post_id}")
    return post


def editor(args, settings: Settings) -> str:
    return getattr(args, "editor", None) or settings.editor
