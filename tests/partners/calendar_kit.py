"""Shared pieces of the calendar import tests: ICS texts, a Git repository like the editor's, a store."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from scheduler.partners.calendars.gitdrafts import DraftRepo

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 7, 11, 0, tzinfo=timezone.utc)


def vevent(uid: str, summary: str, start: str, end: str, location: str, extra: str = "") -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T100000Z\r\nSUMMARY:{summary}\r\n"
            f"DTSTART;TZID=Europe/Berlin:{start}\r\nDTEND;TZID=Europe/Berlin:{end}\r\n"
            f"LOCATION:{location}\r\n{extra}END:VEVENT\r\n")


def calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Stadt//Kalender//DE\r\n" + "".join(events)
            + "END:VCALENDAR\r\n").encode("utf-8")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def editor_repo(tmp_path: Path) -> DraftRepo:
    """A copy of content/ in a Git repository on `main`, as decap-server serves it."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "content", root / "content")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=Redaktion", "-c", "user.email=redaktion@so-ist-s.de", "add", "-A")
    git(root, "-c", "user.name=Redaktion", "-c", "user.email=redaktion@so-ist-s.de", "commit", "-q", "-m", "Inhalt")
    return DraftRepo(root, "main")


def draft_branches(repo: DraftRepo) -> list[str]:
    return sorted(git(repo.root, "for-each-ref", "--format=%(refname:short)", "refs/heads/cms/").split())


def publish_like_decap(repo: DraftRepo, branch: str) -> None:
    """What decap-server's publishUnpublishedEntry does: merge the branch into main, delete it."""
    git(repo.root, "-c", "user.name=Redaktion", "-c", "user.email=redaktion@so-ist-s.de", "merge", "-q",
        "--no-edit", branch)
    git(repo.root, "branch", "-D", branch)
