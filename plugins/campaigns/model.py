"""Campaigns as read from content/kampagnen/<slug>.md: one parser for the site and the scheduler.

The scheduler imports this module (never Pelican), so reading a campaign is plain Python:
`read_campaign_file` splits the "Key: value" header from the body, and `parse_campaign`
turns the header into a Campaign or reports every bad field through `report(path, field,
message)` — the site passes validation.report, the scheduler a list's append.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from plugins.community.postfile import split_header  # the one 'Key: value' header splitter
from plugins.navigation.dates import BERLIN

URL_ROOT = "kampagnen"
KINDS = {"instawalk": "Instawalk", "gewinnspiel": "Gewinnspiel", "influencertour": "Influencertour"}
BASE_HASHTAG = "soists"
HASHTAG = re.compile(r"^[A-Za-z0-9_ÄÖÜäöüß]{2,60}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
HANDLE = re.compile(r"^[A-Za-z0-9._]{1,30}$")
IMAGE = re.compile(r"^images/[A-Za-z0-9/._-]+\.(?:jpe?g|png|webp)$")
MOMENT_FORMAT = "YYYY-MM-DD or YYYY-MM-DD HH:MM (Europe/Berlin)"
DEFAULT_GRACE_DAYS = 3  # late uploads: people post their photos in the evening or the day after

Report = Callable[[str, str, str], None]


@dataclass(frozen=True)
class Stop:
    """One stop of an Influencertour: a municipality on a day, optionally at an event."""

    municipality: object  # plugins.region.registry.Municipality
    day: date
    event: str = ""


@dataclass
class Campaign:
    slug: str
    source_path: str
    title: str
    kind: str
    start: datetime  # aware, Europe/Berlin
    end: datetime  # aware, Europe/Berlin; inclusive
    hashtags: tuple[str, ...]  # lower case, without "#", #SoistS not included
    municipalities: list = field(default_factory=list)  # list[Municipality]
    district: object | None = None  # District
    events: tuple[str, ...] = ()
    prize: str = ""
    image: str = ""
    alt: str = ""
    summary: str = ""
    body: str = ""  # Markdown as written (the site renders it through Pelican's reader)
    body_html: str = ""  # filled in by the site's generator
    winners: int = 1
    reserves: int = 3
    entries_per_account: int = 1
    excluded: tuple[str, ...] = ()  # handles that may not win (staff, jury, partners)
    grace_days: int = DEFAULT_GRACE_DAYS
    answer_days: int = 7  # a winner who does not answer within these days is replaced
    stops: list[Stop] = field(default_factory=list)
    hashtags_as_written: tuple[str, ...] = ()  # as the editor spelled them, for display

    @property
    def url(self) -> str:
        return f"{URL_ROOT}/{self.slug}/"

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def collect_until(self) -> datetime:
        """Collection runs past the end: photos of the last evening arrive a day or two later."""
        return self.end + timedelta(days=self.grace_days)

    @property
    def display_hashtags(self) -> list[str]:
        return ["SoistS", *self.hashtags_as_written]

    def phase(self, now: datetime) -> str:
        """ankuendigung before the window, live during it, ergebnis after it."""
        if now < self.start:
            return "ankuendigung"
        return "live" if now <= self.end else "ergebnis"

    def collecting(self, now: datetime) -> bool:
        return self.start <= now <= self.collect_until

    def matches(self, hashtags, taken: datetime | None = None) -> bool:
        """A post belongs to the campaign when it carries one of its own hashtags (in the window)."""
        tags = {str(t).lstrip("#").lower() for t in hashtags}
        if not tags & set(self.hashtags):
            return False
        return taken is None or self.start <= taken <= self.collect_until


def parse_moment(value: str, end_of_day: bool = False) -> datetime:
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = date.fromisoformat(text)
        return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0), BERLIN)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}", text):
        raise ValueError(text)
    return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=BERLIN)


def parse_hashtags(value: str) -> list[str]:
    return [t.lstrip("#") for t in re.split(r"[\s,]+", value or "") if t.lstrip("#")]


def _int(metadata: Mapping[str, str], name: str, default: int, low: int, high: int, bad: list) -> int:
    text = metadata.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        bad.append((name, f"{text!r}; expected a whole number from {low} to {high}"))
        return default
    return int(text)


def _stops(value: str, registry, event_slugs, bad: list) -> list[Stop]:
    """'stuttgart 2026-05-02; esslingen-am-neckar 2026-05-03 netzwerk-transformation-esslingen'."""
    stops: list[Stop] = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        words = part.split()
        try:
            municipality, day = registry.get(words[0]), date.fromisoformat(words[1])
            event = words[2] if len(words) > 2 else ""
        except Exception as exc:  # unknown slug, bad date or too few words: one message for all
            bad.append(("stops", f"{part!r} ({exc}); expected 'municipality YYYY-MM-DD [event-slug]' per stop, "
                                 "stops separated by ';'"))
            continue
        if event and event_slugs is not None and event not in event_slugs:
            bad.append(("stops", f"{event!r} is no event in content/events/; expected an event's file name"))
        stops.append(Stop(municipality, day, event))
    return sorted(stops, key=lambda s: s.day)


def parse_campaign(path: str, slug: str, metadata: Mapping[str, str], body: str, registry,
                   report: Report, event_slugs: set[str] | None = None) -> Campaign | None:
    """A Campaign, or None after reporting every problem (file, field, value, expected)."""
    bad: list[tuple[str, str]] = []
    text = lambda name: str(metadata.get(name, "") or "").strip()  # noqa: E731
    if not SLUG.match(slug):
        bad.append(("slug", f"{slug!r}; expected lower-case letters, digits and '-' (the file name)"))
    title = text("title")
    if not title:
        bad.append(("title", "is empty; expected a non-empty title (the headline visitors see)"))
    kind = text("kind").lower()
    if kind not in KINDS:
        bad.append(("kind", f"{text('kind')!r}; expected one of {', '.join(KINDS)}"))
    written = parse_hashtags(text("hashtags"))
    wrong = [t for t in written if not HASHTAG.match(t)]
    if wrong or not written:
        bad.append(("hashtags", f"{text('hashtags')!r}; expected at least one hashtag besides #SoistS, "
                                "letters and digits only, e.g. '#InstawalkES, #AltstadtES'"))
    own = [t for t in written if t.lower() != BASE_HASHTAG]
    moments = {}
    for name in ("start", "end"):
        try:
            moments[name] = parse_moment(text(name), end_of_day=name == "end")
        except ValueError:
            bad.append((name, f"{text(name)!r}; expected {MOMENT_FORMAT}"))
    if len(moments) == 2 and moments["end"] <= moments["start"]:
        bad.append(("end", f"{text('end')!r} is not after start {text('start')!r}; expected a later end"))
    municipalities, district = [], None
    if text("municipality"):
        try:
            municipalities = registry.resolve_many(text("municipality"))
        except ValueError as exc:
            bad.append(("municipality", f"{exc}; expected slugs or AGS from content/data/municipalities.csv"))
    if text("district"):
        try:
            district = registry.district(text("district"))
        except KeyError:
            slugs = ", ".join(d.slug for d in registry.districts)
            bad.append(("district", f"{text('district')!r}; expected one of {slugs}"))
    if not text("municipality") and not text("district") and kind != "influencertour":
        bad.append(("municipality", "missing; expected a municipality (slug or AGS) or a district"))
    events = tuple(e.strip() for e in text("events").split(",") if e.strip())
    if event_slugs is not None:
        for event in events:
            if event not in event_slugs:
                bad.append(("events", f"{event!r} is no event in content/events/; expected an event's file name"))
    image, alt = text("image"), text("alt")
    if image and (not IMAGE.match(image) or ".." in image):
        bad.append(("image", f"{image!r}; expected a path under content/images/, e.g. images/articles/x.jpg"))
    if image and not alt:
        bad.append(("alt", "missing; expected a description of the image for people who cannot see it"))
    if kind == "gewinnspiel" and not text("prize"):
        bad.append(("prize", "missing; expected what can be won, e.g. 'Zwei Karten für …'"))
    excluded = tuple(h.lstrip("@").lower() for h in re.split(r"[\s,]+", text("excluded")) if h.lstrip("@"))
    for handle in excluded:
        if not HANDLE.match(handle):
            bad.append(("excluded", f"{handle!r}; expected Instagram handles separated by commas"))
    stops = _stops(text("stops"), registry, event_slugs, bad)
    if kind == "influencertour" and not stops:
        bad.append(("stops", "missing; expected 'municipality YYYY-MM-DD [event-slug]' per stop, separated by ';'"))
    numbers = {name: _int(metadata, name, default, low, high, bad) for name, default, low, high in (
        ("winners", 1, 1, 50), ("reserves", 3, 0, 50), ("entries_per_account", 1, 1, 100),
        ("grace_days", DEFAULT_GRACE_DAYS, 0, 30), ("answer_days", 7, 1, 60))}
    for name, message in bad:
        report(path, name, message)
    if bad:
        return None
    return Campaign(slug=slug, source_path=path, title=title, kind=kind, start=moments["start"], end=moments["end"],
                    hashtags=tuple(t.lower() for t in own), hashtags_as_written=tuple(own),
                    municipalities=municipalities, district=district, events=events, prize=text("prize"),
                    image=image, alt=alt, summary=text("summary"), body=body, excluded=excluded, stops=stops,
                    **numbers)


def read_campaign_file(path: Path | str, registry, report: Report,
                       event_slugs: set[str] | None = None) -> Campaign | None:
    path = Path(path)
    try:
        metadata, body = split_header(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        report(str(path), "file", f"cannot read the file as UTF-8 text: {exc}")
        return None
    return parse_campaign(str(path), path.stem, metadata, body, registry, report, event_slugs)


def campaign_files(content_dir: Path | str) -> list[Path]:
    return sorted(p for p in (Path(content_dir) / URL_ROOT).glob("*.md"))


def event_slugs_in(content_dir: Path | str) -> set[str]:
    return {p.stem for p in (Path(content_dir) / "events").glob("*.md")}


def load_campaigns(content_dir: Path | str, registry, report: Report | None = None) -> list[Campaign]:
    """Every valid campaign in content/kampagnen/, by start; the scheduler's entry point."""
    problems: list = []
    report = report or (lambda *p: problems.append(p))
    slugs = event_slugs_in(content_dir)
    found = [read_campaign_file(p, registry, report, slugs) for p in campaign_files(content_dir)]
    return sorted((c for c in found if c), key=lambda c: (c.start, c.slug))


def draw_file(content_dir: Path | str, slug: str) -> Path:
    """The published draw data the scheduler writes and the site reads (files in content/ are the contract)."""
    return Path(content_dir) / URL_ROOT / f"{slug}.draw.json"


def utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)
