"""Shared pieces of the calendar import tests: ICS texts, the three served calendars, a Git repository like the editor's."""

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


PLOCHINGEN = "Stadthalle Plochingen, Hermannstraße 25, 73207 Plochingen"
BACKNANG = "Bürgerhaus Backnang, Bahnhofstraße 7, 71522 Backnang"
BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
        '<rss version="2.0"><channel><title>&lol2;</title></channel></rss>\n')


def good_calendar() -> bytes:
    return calendar(
        vevent("past-1@plochingen.example", "Herbstmarkt", "20261101T100000", "20261101T180000", PLOCHINGEN),
        vevent("konzert-2026@plochingen.example", "Weihnachtskonzert der Stadtkapelle", "20261220T180000",
               "20261220T200000", PLOCHINGEN, "DESCRIPTION:Mit <b>Chor</b> und [Link](javascript:alert(1))\r\n"),
        vevent("treff@plochingen.example", "Gründertreff im Rathaus", "20261202T180000", "20261202T200000",
               "Rathaus, Schulstraße 7, 73207 Plochingen", "RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=10\r\n"),
    )


def changing_calendar(second: bool) -> bytes:
    time = "190000" if second else "180000"
    return calendar(
        vevent("a@backnang.example", "Lichterfest", f"20261212T{time}", "20261212T220000", BACKNANG),
        vevent("b@backnang.example", "Ausbildungsmesse", "20270115T090000",
               "20270115T160000" if not second else "20270115T170000", BACKNANG),
    )


def serve_three_calendars(tmp_path: Path, serve_dir) -> tuple[Path, Path]:
    """The good, the changing and the hostile calendar over HTTP; (served folder, contacts file)."""
    served = tmp_path / "served"
    served.mkdir(exist_ok=True)
    (served / "gut.ics").write_bytes(good_calendar())
    (served / "wechsel.ics").write_bytes(changing_calendar(second=False))
    (served / "feindlich.xml").write_text(BOMB, encoding="utf-8")
    base = serve_dir(served)
    contacts = tmp_path / "kontakte.csv"
    contacts.write_text(
        "ags,name,email,opt_out,calendar_url\n"
        f"08116056,Pressestelle,presse@plochingen.example,,{base}/gut.ics\n"
        f"08119008,Pressestelle,presse@backnang.example,,{base}/wechsel.ics\n"
        f"08119067,Stadtmarketing,marketing@schorndorf.example,ja,{base}/feindlich.xml\n", encoding="utf-8")
    return served, contacts
