"""Slots stay at 18:00 Berlin wall-clock time across both DST changes."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from scheduler.plan.slots import (
    BERLIN,
    ChannelSchedule,
    WeeklyTime,
    local_label,
    local_to_utc,
    next_slots,
    slots_between,
)

UTC = timezone.utc


def test_spring_change_last_sunday_of_march_2026():
    # DST starts Sunday 2026-03-29: Friday before is CET (+1), Monday after is CEST (+2).
    slots = slots_between(ChannelSchedule(), datetime(2026, 3, 23, tzinfo=UTC),
                          datetime(2026, 4, 4, tzinfo=UTC))
    assert slots == [
        datetime(2026, 3, 23, 17, 0, tzinfo=UTC),
        datetime(2026, 3, 25, 17, 0, tzinfo=UTC),
        datetime(2026, 3, 27, 17, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 16, 0, tzinfo=UTC),
        datetime(2026, 4, 1, 16, 0, tzinfo=UTC),
        datetime(2026, 4, 3, 16, 0, tzinfo=UTC),
    ]
    assert all(s.astimezone(BERLIN).time() == time(18, 0) for s in slots)


def test_autumn_change_last_sunday_of_october_2026():
    # DST ends Sunday 2026-10-25.
    slots = slots_between(ChannelSchedule(), datetime(2026, 10, 19, tzinfo=UTC),
                          datetime(2026, 10, 31, tzinfo=UTC))
    assert [s.hour for s in slots] == [16, 16, 16, 17, 17, 17]
    assert all(s.astimezone(BERLIN).time() == time(18, 0) for s in slots)
    assert local_label(slots[3]) == "Mon 2026-10-26 18:00 CET"


def test_slot_on_the_change_sunday_itself():
    sunday = ChannelSchedule(times=(WeeklyTime.parse("Sun 18:00"),))
    spring = slots_between(sunday, datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC))
    autumn = slots_between(sunday, datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 26, tzinfo=UTC))
    assert spring == [datetime(2026, 3, 29, 16, 0, tzinfo=UTC)]
    assert autumn == [datetime(2026, 10, 25, 17, 0, tzinfo=UTC)]


def test_times_inside_the_gap_and_the_repeated_hour():
    # 02:30 does not exist on 2026-03-29: it resolves to 03:30 CEST (01:30 UTC).
    assert local_to_utc(date(2026, 3, 29), time(2, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 happens twice on 2026-10-25: the first occurrence (CEST) is used.
    assert local_to_utc(date(2026, 10, 25), time(2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_skip_dates_and_next_slots():
    schedule = ChannelSchedule(skip_dates=frozenset({date(2026, 12, 25)}))
    after = datetime(2026, 12, 21, 17, 0, tzinfo=UTC)  # exactly Monday's slot: excluded
    assert next_slots(schedule, after, 3) == [
        datetime(2026, 12, 23, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 28, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 30, 17, 0, tzinfo=UTC),
    ]


def test_a_year_of_slots_is_156_and_all_utc():
    slots = slots_between(ChannelSchedule(), datetime(2026, 1, 5, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC))
    assert len(slots) == 156
    assert all(s.tzinfo is UTC for s in slots)
    assert slots == sorted(slots)


def test_naive_datetimes_and_bad_times_are_rejected():
    with pytest.raises(ValueError):
        slots_between(ChannelSchedule(), datetime(2026, 1, 1), datetime(2026, 2, 1))
    with pytest.raises(ValueError, match="Mon 18:00"):
        WeeklyTime.parse("Montag 18 Uhr")
