"""A municipality's upcoming events on the site, read from content/events with plugins/events.

The one parser: Pelican's Markdown reader gives the metadata, plugins.events.model.parse_event
checks it exactly as the build does, and plugins.events.recurrence.expand gives the dates still
to come. A file the build would reject is left out here (the build names its problem).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from plugins.events.model import parse_event
from plugins.events.recurrence import expand
from plugins.region.registry import Registry

DEFAULT_EVENTS = Path(__file__).resolve().parents[2] / "content" / "events"


@dataclass(frozen=True)
class EventLine:
    title: str
    date_label: str  # "Sa., 19. September 2026, 14:00–17:00 Uhr", the site's own label
    location: str
    url: str  # relative to SITEURL: "termine/instawalk-marbach/"
    cancelled: bool = False


def upcoming_events(folder: Path, registry: Registry, now: datetime, limit: int = 5) -> dict[str, list[EventLine]]:
    """municipality slug → its next `limit` events on the site (a series once, by its next date), soonest first."""
    from pelican.contents import Page
    from pelican.readers import Readers
    from pelican.settings import DEFAULT_CONFIG

    folder = Path(folder)
    if not folder.is_dir():
        return {}
    readers = Readers(copy.deepcopy(DEFAULT_CONFIG))
    found: dict[str, list[tuple[datetime, EventLine]]] = {}
    for path in sorted(folder.glob("*.md")):
        try:
            page = readers.read_file(base_path=str(folder), path=path.name, content_class=Page)
        except Exception:  # noqa: BLE001 - the build reports unreadable files; the mail skips them
            continue
        slug = str(page.metadata.get("slug") or path.stem)
        event = parse_event(str(path), slug, page.metadata, "", registry, lambda *problem: None)
        if event is None or not event.municipalities:
            continue
        occurrences, _, _ = expand(event, now)
        upcoming = [o for o in occurrences if o.is_upcoming]
        for occurrence in upcoming[:1]:  # a series once, with its next date
            line = EventLine(event.title, occurrence.date_label.replace("\u2060", ""), event.location,
                             occurrence.url, event.is_cancelled)
            for m in event.municipalities:
                found.setdefault(m.slug, []).append((occurrence.sort_key, line))
    return {slug: [line for _, line in sorted(items, key=lambda item: item[0])[:limit]]
            for slug, items in found.items()}
