"""The municipalities' press contacts: the one loader for content/data/kommunen-kontakte.csv.

The editors keep the file in Git like the registry. It never reaches the public site
(pelicanconf's IGNORE_FILES); the monthly mail and the calendar import read it here.
Every problem is reported at once, each with its line and column, like a content error.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from plugins.region.registry import AGS_PATTERN, Municipality, Registry, load_registry

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "data" / "kommunen-kontakte.csv"
COLUMNS = ("ags", "name", "email", "opt_out", "calendar_url", "website")
REQUIRED = ("ags", "email")
# An address a mail server would accept for delivery: one @, a dotted domain, no spaces or
# display-name parts (a pasted "Name <a@b.de>" is an error the editor should see).
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
YES = {"ja", "x", "1", "true", "yes"}
NO = {"", "nein", "0", "false", "no"}


@dataclass(frozen=True)
class Contact:
    municipality: Municipality
    name: str  # the press contact's name, may be empty ("Pressestelle")
    email: str
    opt_out: bool  # True: the municipality asked for no mail; the calendar import still runs
    calendar_url: str | None  # the municipality's own event calendar (ICS, RSS or Atom)
    line: int  # the line in the file, for messages
    website: str | None = None  # its own website, when its host differs from the e-mail domain

    @property
    def ags(self) -> str:
        return self.municipality.ags


@dataclass(frozen=True)
class ContactProblem:
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: field '{self.field}': {self.message}"


class ContactsError(ValueError):
    """The contacts file has problems; carries every one of them."""

    def __init__(self, problems: list[ContactProblem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def load_contacts(path: Path | str = DEFAULT_PATH, registry: Registry | None = None) -> list[Contact]:
    """All contacts in file order; a missing file means no contacts yet."""
    path = Path(path)
    if not path.exists():
        return []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in REQUIRED if column not in (reader.fieldnames or [])]
        if missing:
            raise ContactsError([ContactProblem(str(path), 1, name, "column is missing") for name in missing])
        rows = list(reader)
    return parse_contacts(rows, str(path), registry or load_registry())


def parse_contacts(rows: list[dict[str, str]], path: str, registry: Registry) -> list[Contact]:
    contacts: list[Contact] = []
    problems: list[ContactProblem] = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        row_problems, contact = _parse_row(row, path, number, registry)
        if contact is not None and (contact.ags, contact.email.casefold()) in seen:
            row_problems.append(ContactProblem(path, number, "email", f"{contact.email!r} is listed twice for this municipality"))
        problems.extend(row_problems)
        if contact is not None and not row_problems:
            seen.add((contact.ags, contact.email.casefold()))
            contacts.append(contact)
    if problems:
        raise ContactsError(problems)
    return contacts


def _parse_row(row: dict[str, str], path: str, line: int, registry: Registry) -> tuple[list[ContactProblem], Contact | None]:
    value = {column: (row.get(column) or "").strip() for column in COLUMNS}
    problems: list[ContactProblem] = []

    def problem(field: str, message: str) -> None:
        problems.append(ContactProblem(path, line, field, message))

    municipality = None
    if not AGS_PATTERN.match(value["ags"]):
        problem("ags", f"{value['ags']!r} is not an AGS; expected 8 digits as in content/data/municipalities.csv")
    elif value["ags"] not in registry.by_ags:
        problem("ags", f"{value['ags']!r} is no municipality of the Region Stuttgart (content/data/municipalities.csv)")
    else:
        municipality = registry.by_ags[value["ags"]]
    if not EMAIL.match(value["email"]):
        problem("email", f"{value['email']!r} is not an e-mail address; expected e.g. presse@stadt.de")
    opt_out = value["opt_out"].casefold()
    if opt_out not in YES | NO:
        problem("opt_out", f"{value['opt_out']!r}; expected 'ja' (no mails) or empty")
    calendar = value["calendar_url"] or None
    if calendar is not None and not _web_address(calendar):
        problem("calendar_url", f"{calendar!r}; expected an http(s) address of an ICS, RSS or Atom calendar")
    website = value["website"] or None
    if website is not None and not _web_address(website):
        problem("website", f"{website!r}; expected an http(s) address of the municipality's website, "
                           "e.g. https://www.stadt.de/")
    if problems or municipality is None:
        return problems, None
    contact = Contact(municipality, value["name"], value["email"], opt_out in YES, calendar, line, website)
    return problems, contact


def _web_address(text: str) -> bool:
    try:
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text
    except ValueError:  # a malformed port or IPv6 literal
        return False


def website_host(url: str) -> str:
    """'https://www.Stadt.de/termine' → 'stadt.de': the host as the access-log referrers are counted
    (scheduler/insights/accesslog.py folds 'www.')."""
    return (urlsplit(url).hostname or "").lower().rstrip(".").removeprefix("www.")


def contacts_by_ags(contacts: list[Contact]) -> dict[str, list[Contact]]:
    grouped: dict[str, list[Contact]] = {}
    for contact in contacts:
        grouped.setdefault(contact.ags, []).append(contact)
    return grouped
