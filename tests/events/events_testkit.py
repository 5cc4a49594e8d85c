"""Helpers for the event tests: small content folders in tmp_path and their builds."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from tests.conftest import ROOT, build_site

# The demo content is written around this day; builds in tests pin it so they do not age.
NOW = "2026-11-23T12:00:00+01:00"


def event_file(**fields: str) -> str:
    """Markdown for an event file; keyword order is kept, body after a blank line."""
    body = fields.pop("body", "Beschreibung.")
    head = "\n".join(f"{name}: {value}" for name, value in fields.items())
    return f"{head}\n\n{textwrap.dedent(body)}\n"


def make_content(folder: Path, events: dict[str, str]) -> Path:
    """content/ with only the municipality registry and the given events/<name>.md files."""
    content = folder / "content"
    shutil.copytree(ROOT / "content" / "data", content / "data", dirs_exist_ok=True)
    (content / "events").mkdir(parents=True, exist_ok=True)
    for name, text in events.items():
        (content / "events" / f"{name}.md").write_text(text, encoding="utf-8")
    return content


def build_events(folder: Path, events: dict[str, str], siteurl: str = ""):
    content = make_content(folder, events)
    output = folder / "output"
    extra = ["-e", f'EVENTS_NOW="{NOW}"']
    if siteurl:
        extra += ["-e", f'SITEURL="{siteurl}"']
    return build_site(output, content=content, extra=extra), output


BASE = dict(
    category="netzwerk",
    location="Haus der Wirtschaft",
    address="Willi-Bleicher-Straße 19, 70174 Stuttgart",
    municipality="stuttgart",
)
