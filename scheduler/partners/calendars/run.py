"""One import run: every contact's calendar fetched, parsed, made into drafts, recorded.

Order per run: first the drafts already made are looked at (published by an editor →
„übernommen“; deleted → „verworfen“; changed by an editor → „bearbeitet“), then each calendar.
An event is found again by its key (municipality, calendar, UID) and is never made twice; a
second calendar listing the same title, start and place is a duplicate and skipped. When the
calendar changes an event, the diff is stored; it is written into the draft only while the
draft still holds exactly the text we wrote.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import drafts as drafting
from .diff import text_hash, upstream_diff
from .fetch import fetch
from .gitdrafts import ACCEPTED_FATE, DISCARDED_FATE, DraftBackend, DraftConflict
from .parse_feed import parse_calendar
from .reasons import CalendarRejected
from .state import ACCEPTED, DISCARDED, DRAFT, EDITED, CalendarImport, CalendarSource

PROBLEM_KIND = "calendar_rejected"


@dataclass
class SourceOutcome:
    ags: str
    name: str  # the municipality
    url: str
    rejected: CalendarRejected | None = None
    events: int = 0
    new: list[str] = field(default_factory=list)  # titles
    updated: list[str] = field(default_factory=list)  # change written into the untouched draft
    kept: list[str] = field(default_factory=list)  # change only shown: edited or published
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)  # German reasons

    def line(self) -> str:
        if self.rejected is not None:
            return f"{self.name}: {self.url}: rejected: {self.rejected.english}"
        return (f"{self.name}: {self.url}: {self.events} event(s), {len(self.new)} new draft(s), "
                f"{len(self.updated)} draft(s) updated, {len(self.kept)} change(s) shown only, "
                f"{self.duplicates} duplicate(s), {len(self.skipped)} skipped")


@dataclass
class ImportReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    discarded: list[str] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        head = ["dry run: nothing written"] if self.dry_run else []
        tail = [f"published by an editor since the last run: {len(self.accepted)}",
                f"deleted by an editor since the last run: {len(self.discarded)}"]
        return head + [o.line() for o in self.outcomes] + tail

    def problems(self) -> list:
        from scheduler.alerts.problem import WARNING, Problem

        return [Problem(PROBLEM_KIND, o.url, WARNING,
                        f"Der Veranstaltungskalender von {o.name} wurde nicht übernommen: {o.rejected.german}.",
                        "Die Adresse in content/data/kommunen-kontakte.csv prüfen oder die Kommune bitten, "
                        "ihren Kalender zu berichtigen. Bis dahin kommen aus ihm keine Vorschläge.")
                for o in self.outcomes if o.rejected is not None]


def _identity_hash(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def published_identities(repo: DraftBackend, registry) -> set[str]:
    """The identities of the event files on the default branch (what the editors wrote by hand)."""
    found: set[str] = set()
    for path in repo.files(drafting.EVENTS_FOLDER):
        text = repo.published(path)
        event = drafting.validate(text, path, path.rsplit("/", 1)[-1][:-3], registry) if text else None
        if event is not None and not isinstance(event, str):
            found.add(_identity_hash(drafting.event_identity(event)))
    return found


def refresh_states(session: Session, repo: DraftBackend, now: datetime, report: ImportReport) -> None:
    """What the editors did with the drafts since the last run."""
    for row in session.scalars(select(CalendarImport).where(CalendarImport.state.in_((DRAFT, EDITED)))):
        fate = repo.fate(row.slug, row.path)
        if fate == ACCEPTED_FATE:  # merged into the publication branch by „Veröffentlichen“
            row.state, row.accepted_utc = ACCEPTED, now
            report.accepted.append(row.title)
        elif fate == DISCARDED_FATE:  # „Löschen“: branch deleted / merge request closed
            row.state = DISCARDED
            report.discarded.append(row.title)
        else:
            current = repo.read(repo.draft_branch(row.slug), row.path)
            if current is not None and text_hash(current) != row.written_hash:
                row.state = EDITED


class Importer:
    def __init__(self, session: Session, repo: DraftBackend, registry, now: datetime, *, gazetteer=None,
                 detector=None, rules=None, fetcher: Callable[[str], bytes] = fetch, dry_run: bool = False):
        self.session, self.repo, self.registry, self.now = session, repo, registry, now
        self.gazetteer, self.detector = gazetteer, detector
        self.rules = rules or drafting.load_rules()
        self.fetcher, self.dry_run = fetcher, dry_run
        self.seen: set[str] | None = None  # identities on the site and made in this run (filled by run)

    def run(self, contacts) -> ImportReport:
        report = ImportReport(dry_run=self.dry_run)
        self.repo.check()  # credentials first: a refused token stops the run before anything is written
        if not self.dry_run:
            refresh_states(self.session, self.repo, self.now, report)
        done: set[tuple[str, str]] = set()
        self.seen = published_identities(self.repo, self.registry)
        for contact in contacts:
            if not contact.calendar_url or (contact.ags, contact.calendar_url) in done:
                continue
            done.add((contact.ags, contact.calendar_url))
            report.outcomes.append(self.import_one(contact.municipality, contact.calendar_url))
        return report

    def import_one(self, municipality, url: str) -> SourceOutcome:
        outcome = SourceOutcome(municipality.ags, municipality.name, url)
        try:
            events = parse_calendar(self.fetcher(url))
        except CalendarRejected as rejected:
            outcome.rejected = rejected
        except Exception as exc:  # a parser's surprise is this calendar's problem, not the whole run's
            outcome.rejected = CalendarRejected("broken", type(exc).__name__)
        else:
            outcome.events = len(events)
            for event in events:
                self._one_event(event, municipality, url, outcome)
        if not self.dry_run:
            self._record_source(outcome)
        return outcome

    def _one_event(self, event, municipality, url: str, outcome: SourceOutcome) -> None:
        key = drafting.identity(municipality.ags, url, event)
        try:
            draft = drafting.make_draft(event, key, municipality.name, url, municipality, self.registry,
                                        self.gazetteer, self.detector, self.rules, self.now)
        except drafting.DraftProblem as problem:
            outcome.skipped.append(str(problem))
            return
        except Exception as exc:  # one odd event (a date icalendar reads but Python cannot place) is skipped
            outcome.skipped.append(f"„{event.title[:60]}“: nicht lesbar ({type(exc).__name__})")
            return
        if draft is None:  # over: past events are not suggested
            return
        row = self.session.scalar(select(CalendarImport).where(CalendarImport.key == key))
        if row is None:
            self._new(draft, key, event, municipality, url, outcome)
        elif row.upstream_text != draft.text:
            self._changed(row, draft, outcome)

    def _new(self, draft, key: str, event, municipality, url: str, outcome: SourceOutcome) -> None:
        identity = _identity_hash(draft.identity)
        if self.seen is None:
            self.seen = published_identities(self.repo, self.registry)
        known = self.session.scalar(select(CalendarImport.id).where(CalendarImport.identity == identity))
        if known is not None or identity in self.seen:
            outcome.duplicates += 1
            return
        self.seen.add(identity)
        outcome.new.append(draft.event.title)
        if self.dry_run:
            return
        self.repo.write_draft(draft.slug, draft.path, draft.text,
                              f"Termin-Vorschlag aus dem Kalender von {municipality.name}: {draft.event.title}")
        self.session.add(CalendarImport(
            key=key, ags=draft.municipality.ags, source_ags=municipality.ags, source_url=url, event_url=event.url,
            upstream_uid=event.uid, identity=identity, slug=draft.slug, path=draft.path,
            title=draft.event.title[:300], start_text=drafting.when(draft.event.start), how_found=draft.how_found,
            upstream_text=draft.text, written_hash=text_hash(draft.text), state=DRAFT, diff="",
            diff_applied=False, imported_utc=self.now))
        self.session.flush()

    def _changed(self, row: CalendarImport, draft, outcome: SourceOutcome) -> None:
        diff = upstream_diff(row.upstream_text, draft.text)
        if self.dry_run:
            outcome.kept.append(row.title)
            return
        row.diff, row.changed_utc, row.upstream_text = diff, self.now, draft.text
        row.title, row.start_text = draft.event.title[:300], drafting.when(draft.event.start)
        current = self.repo.read(self.repo.draft_branch(row.slug), row.path)
        untouched = row.state == DRAFT and current is not None and text_hash(current) == row.written_hash
        if untouched:
            try:
                self.repo.write_draft(row.slug, row.path, draft.text, f"Termin-Vorschlag geändert im Kalender: {row.title}")
            except DraftConflict:  # an editor saved just now: theirs stays, the change is only shown
                untouched = False
                row.state = EDITED
        if untouched:
            row.written_hash, row.diff_applied = text_hash(draft.text), True
            outcome.updated.append(row.title)
        else:  # an editor's edit or a published event: never overwritten, the diff is shown
            if row.state == DRAFT and current is not None:
                row.state = EDITED
            row.diff_applied = False
            outcome.kept.append(row.title)

    def _record_source(self, outcome: SourceOutcome) -> None:
        row = self.session.scalar(select(CalendarSource).where(CalendarSource.ags == outcome.ags,
                                                               CalendarSource.url == outcome.url))
        if row is None:
            row = CalendarSource(ags=outcome.ags, url=outcome.url)
            self.session.add(row)
        row.checked_utc, row.ok = self.now, outcome.rejected is None
        row.reason_code = outcome.rejected.code if outcome.rejected else ""
        row.reason_de = outcome.rejected.german if outcome.rejected else ""
        row.events_seen, row.skipped_de = outcome.events, "\n".join(outcome.skipped)
        self.session.flush()
