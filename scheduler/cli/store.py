"""Store commands: backup (database + media + manifest) and restore onto an empty store."""

from __future__ import annotations

import os
from pathlib import Path

from scheduler.cli.common import console, out
from scheduler.config import PROJECT_ROOT
from scheduler.exitcodes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from scheduler.store import backup


def default_backup_dir() -> Path:
    return Path(os.environ.get("SOISTS_BACKUP_DIR", PROJECT_ROOT / "var" / "backups"))


def cmd_backup(args, settings) -> int:
    root = Path(args.to) if args.to else default_backup_dir()
    try:
        keep = backup.parse_keep(args.keep) if args.keep else None
    except ValueError as error:
        console.print(f"[red]{error}", highlight=False)
        return EXIT_USAGE
    try:
        folder = backup.write_backup(settings.db_url, settings.media_dir, root)
    except backup.BackupError as error:
        console.print(f"[red]backup failed: {error}", highlight=False)
        return EXIT_FAILURE
    out.print(f"backup written: {folder}", markup=False)
    if keep:
        for path in backup.prune(root, *keep):
            out.print(f"pruned: {path}", markup=False)
    return EXIT_OK


def cmd_restore(args, settings) -> int:
    try:
        done = backup.restore(Path(args.folder), settings.db_url, settings.media_dir, force=args.force)
    except backup.BackupError as error:
        console.print(f"[red]{error}", highlight=False)
        return EXIT_FAILURE
    out.print(f"restored the backup of {done.created_utc} (schema {done.revision}, {done.files} files) into "
              f"{backup.public_url(settings.db_url)} and {settings.media_dir}", markup=False)
    out.print("next: `python -m scheduler migrate` if this code is newer than the backup", markup=False)
    return EXIT_OK


def add_commands(sub) -> None:
    b = sub.add_parser("backup", help="snapshot the database (with the job store) and the media store")
    b.add_argument("--to", help="folder for the backups (default $SOISTS_BACKUP_DIR or var/backups)")
    b.add_argument("--keep", help="afterwards delete old backups, keeping e.g. 14d,8w (days, weekly ones)")
    b.set_defaults(func=cmd_backup)
    r = sub.add_parser("restore", help="verify a backup folder, then restore it onto an empty store")
    r.add_argument("folder", help="a backup folder written by `backup`")
    r.add_argument("--force", action="store_true", help="replace a store that is not empty")
    r.set_defaults(func=cmd_restore)
