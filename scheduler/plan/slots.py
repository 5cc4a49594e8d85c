"""Weekly posting slots: defined in Europe/Berlin wall-clock time, produced as UTC instants.

Editors think in local time ("Monday 18:00"), the store and the APIs think in instants.
Converting through zoneinfo for every single date (never adding a fixed offset or a
timedelta of 7 days to an instant) keeps 18:00 at 18:00 across both DST changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

from plugins.navigation.dates import BERLIN  # the region's one time zone (re-exported)
from zoneinfo import ZoneInfo

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
WEEKDAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True, order=True)
class WeeklyTime:
    """One recurring posting time: a weekday (0 = Monday) and a local wall-clock time."""

    weekday: int
    at: time

    @classmethod
    def parse(cls, text: str) -> "WeeklyTime":
        """Parse "Mon 18:00" (English three-letter weekday, 24-hour time)."""
        day, _, clock = text.strip().partition(" ")
        try:
            weekday = WEEKDAY_NAMES[day.strip().lower()[:3]]
            hours, minutes = clock.strip().split(":")
            return cls(weekday, time(int(hours), int(minutes)))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"weekly time {text!r}: expected e.g. 'Mon 18:00'") from exc


DEFAULT_TIMES = (
    WeeklyTime(MONDAY, time(18, 0)),
    WeeklyTime(WEDNESDAY, time(18, 0)),
    WeeklyTime(FRIDAY, time(18, 0)),
)


@dataclass(frozen=True)
class ChannelSchedule:
    """The posting times of one channel ("feature", "instagram", "facebook", …)."""

    channel: str = "feature"
    times: tuple[WeeklyTime, ...] = DEFAULT_TIMES
    skip_dates: frozenset[date] = field(default_factory=frozenset)
    zone: ZoneInfo = BERLIN


def local_to_utc(day: date, at: time, zone: ZoneInfo = BERLIN) -> datetime:
    """The UTC instant of a local wall-clock time on a given date.

    A time that does not exist (inside the spring-forward gap) resolves with the offset in
    force before the change, i.e. it moves one hour later on the clock; an ambiguous time
    (the autumn hour that happens twice) means its first occurrence (fold=0).
    """
    local = datetime.combine(day, at, tzinfo=zone)
    return local.astimezone(timezone.utc)


def _as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: pass an aware instant (UTC or with a zone)")
    return instant.astimezone(timezone.utc)


def iter_slots(schedule: ChannelSchedule, start: datetime, end: datetime) -> Iterator[datetime]:
    """UTC instants of the schedule with start <= instant < end, in order; skip dates left out."""
    start_utc, end_utc = _as_utc(start), _as_utc(end)
    day = start_utc.astimezone(schedule.zone).date() - timedelta(days=1)
    last_day = end_utc.astimezone(schedule.zone).date() + timedelta(days=1)
    times = sorted(schedule.times, key=lambda t: t.at)
    while day <= last_day:
        if day not in schedule.skip_dates:
            for weekly in times:
                if weekly.weekday == day.weekday():
                    instant = local_to_utc(day, weekly.at, schedule.zone)
                    if start_utc <= instant < end_utc:
                        yield instant
        day += timedelta(days=1)


def slots_between(schedule: ChannelSchedule, start: datetime, end: datetime) -> list[datetime]:
    return list(iter_slots(schedule, start, end))


def next_slots(schedule: ChannelSchedule, after: datetime, count: int) -> list[datetime]:
    """The next `count` slots strictly after `after` (skip dates respected)."""
    if count <= 0:
        return []
    if not schedule.times:
        raise ValueError(f"channel {schedule.channel!r} has no posting times")
    result: list[datetime] = []
    window_start = _as_utc(after) + timedelta(microseconds=1)
    while len(result) < count:
        window_end = window_start + timedelta(days=28)
        result.extend(slots_between(schedule, window_start, window_end))
        window_start = window_end
        if window_start - _as_utc(after) > timedelta(days=366 * 50):
            break  # every date skipped: give up rather than loop for ever
    return result[:count]


def local_label(instant: datetime, zone: ZoneInfo = BERLIN) -> str:
    """A readable local label for logs and explanations, e.g. "Mon 2026-03-30 18:00 CEST"."""
    return instant.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")
