"""What the plan looks like from the CLI and from the store, for comparing with the board."""

from __future__ import annotations

import re
from datetime import datetime

from plugins.navigation.dates import BERLIN
from scheduler.cli import main as cli
from scheduler.plan import operations
from scheduler.plan.enqueue import PlanningConfig
from scheduler.publish.state import FeaturePublication

CLI_LINE = re.compile(r"^\s+(\w{3} \d{4}-\d\d-\d\d \d\d:\d\d)\s+(queued|queue|plan)\s+(\S+?)(?::\s| \()")


def cli_label(slot: datetime) -> str:
    return f"{slot.astimezone(BERLIN):%a %Y-%m-%d %H:%M}"


def cli_plan(settings, capsys, session) -> dict[str, str]:
    """`python -m scheduler plan --dry-run`, read back: Berlin time label → post uid ("—" when empty)."""
    capsys.readouterr()
    assert cli.main(["plan", "--dry-run"], settings) == 0
    shown: dict[str, str] = {}
    for line in capsys.readouterr().out.splitlines():
        found = CLI_LINE.match(line)
        if not found:
            continue
        label, mark, ref = found.groups()
        if mark == "queued":  # queued lines name the feature key
            feature = session.query(FeaturePublication).filter_by(key=ref).one()
            ref = feature.post_uid
        shown[label] = ref
    return shown


def store_plan(session, registry, settings, now: datetime) -> dict[str, str]:
    """The plan as the operations see it in the store: label → post uid or "—"."""
    planner = operations.Planner(registry, PlanningConfig.from_env(settings.media_dir), now)
    return {cli_label(e.slot_utc): e.post_uid or "—" for e in operations.current_entries(session, planner)}
