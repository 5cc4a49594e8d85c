"""The month view is a calendar: ISO weeks × Mo–So, every day of the month once, each slot in the
cell of its Berlin day — across a clock change, too (in-process render, parsed back)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from plugins.navigation.dates import BERLIN
from scheduler.curate.review.app import ReviewApp
from scheduler.curate.review.auth import AuthConfig
from scheduler.curate.review.plan_view import Window, calendar
from scheduler.plan import operations
from scheduler.plan.enqueue import PlanningConfig
from tests.scheduler.review_plan.plan_seed import seed_plan_world


class Grid(HTMLParser):
    """Reads the calendar back: weekday headers, KW row headers, cells (day → slots' data-slot)."""

    def __init__(self):
        super().__init__()
        self.headers: list[str] = []
        self.weeks: list[str] = []
        self.cells: list[tuple[str, bool]] = []  # (data-day, of this month)
        self.slots: dict[str, list[str]] = {}
        self.kinds: dict[str, str] = {}
        self._in: str | None = None
        self._day = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "th" and "weekday" in classes:
            self._in = "weekday"
        elif tag == "th" and "kw" in classes:
            self._in = "kw"
        elif tag == "td" and "day" in classes:
            self._day = a["data-day"]
            self.cells.append((self._day, "other" not in classes))
        elif tag == "li" and "entry" in classes:
            self.slots.setdefault(self._day, []).append(a["data-slot"])
            self.kinds[a["data-slot"]] = classes[2]
        elif tag == "span" and self._in == "weekday" and a.get("aria-hidden") == "true":
            self._in = "weekday-short"

    def handle_data(self, data):
        if self._in == "weekday-short":
            self.headers.append(data)
            self._in = None
        elif self._in == "kw" and data.strip():
            self.weeks.append(data.strip())
            self._in = None


def render_month(app: ReviewApp, first: date) -> Grid:
    grid = Grid()
    grid.feed(app.plan.render_plan("month", first, 4, "token"))
    return grid


@pytest.fixture
def app(monkeypatch, tmp_path, sessions, registry, settings):
    world = seed_plan_world(monkeypatch, tmp_path, sessions, registry)
    yield ReviewApp(sessions, settings, registry, "eva", AuthConfig("none", "X-Remote-User", "eva"))
    world.fake.stop()


def days_of(first: date) -> list[str]:
    after = (first + timedelta(days=32)).replace(day=1)
    return [(first + timedelta(days=n)).isoformat() for n in range((after - first).days)]


def check_grid(grid: Grid, first: date) -> None:
    assert grid.headers == ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
    assert len(grid.cells) == 7 * len(grid.weeks) and len(set(d for d, _ in grid.cells)) == len(grid.cells)
    assert [d for d, mine in grid.cells if mine] == days_of(first)  # every day of the month once, in order
    assert all(date.fromisoformat(d).month != first.month for d, mine in grid.cells if not mine)
    mondays = [date.fromisoformat(d) for d, _ in grid.cells[::7]]
    assert all(m.weekday() == 0 for m in mondays)
    assert grid.weeks == [f"KW {m.isocalendar()[1]}" for m in mondays]
    for day, slots in grid.slots.items():  # a slot sits in the cell of its Berlin day
        assert all(datetime.fromisoformat(s).astimezone(BERLIN).date().isoformat() == day for s in slots)
        assert day in days_of(first)


def test_month_grid_of_the_current_month(app):
    today = datetime.now(BERLIN).date()
    grid = render_month(app, today.replace(day=1))
    check_grid(grid, today.replace(day=1))
    with app.sessions() as session:
        planner = app.plan.planner()
        entries = [e for e in operations.current_entries(session, planner)
                   if e.slot_utc.astimezone(BERLIN).month == today.month]
    shown = {s for slots in grid.slots.values() for s in slots}
    assert {e.slot_utc.isoformat() for e in entries} <= shown and entries


@pytest.mark.parametrize("first, change", [(date(2027, 3, 1), date(2027, 3, 28)), (date(2026, 10, 1), date(2026, 10, 25))])
def test_month_grid_across_a_clock_change(app, registry, settings, first, change):
    now = datetime.combine(change - timedelta(days=8), datetime.min.time(), timezone.utc)  # the posts are planned here
    app.plan.planner = lambda: operations.Planner(registry, PlanningConfig.from_env(settings.media_dir), now)
    grid = render_month(app, first)
    check_grid(grid, first)
    slots = sorted(datetime.fromisoformat(s) for day in grid.slots.values() for s in day)
    assert {f"{s.astimezone(BERLIN):%a %H:%M}" for s in slots} == {"Mon 18:00", "Wed 18:00", "Fri 18:00"}
    assert {s.astimezone(timezone.utc).hour for s in slots} == {16, 17}  # both sides of the change
    planned = [s for s in slots if grid.kinds[s.isoformat()] in ("kind-planned", "kind-queued", "kind-pinned")]
    assert any(s.date() < change for s in planned) and any(s.date() > change for s in planned)


def test_calendar_weeks_of_a_month_starting_on_sunday():
    first = date(2026, 11, 1)  # a Sunday: the first row is KW 44 with six days of October
    weeks = calendar(Window("month", first, date(2026, 12, 1), 0), [], date(2026, 11, 5))
    assert [w["kw"] for w in weeks] == [44, 45, 46, 47, 48, 49]
    assert [d["in_month"] for d in weeks[0]["days"]] == [False] * 6 + [True]
    assert [d["label"] for d in weeks[0]["days"]][-1] == "So., 1. November 2026"
    assert sum(d["today"] for w in weeks for d in w["days"]) == 1
