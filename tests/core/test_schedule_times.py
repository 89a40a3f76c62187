"""Weekly fire times in the club's zone, across DST changes, with day names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.weekly_times import next_fire, previous_fire
from bot.scheduling.club_jobs import WeeklyTrigger


def fires(trigger: WeeklyTrigger, start: datetime, count: int) -> list[datetime]:
    out: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        out.append(fire)
        previous = now = fire
    return out


def test_monday_0700_london_keeps_local_time_across_the_spring_change() -> None:
    got = fires(WeeklyTrigger("monday", "07:00", "Europe/London"), datetime(2026, 3, 20, tzinfo=UTC), 3)
    assert got == [
        datetime(2026, 3, 23, 7, 0, tzinfo=UTC),  # GMT
        datetime(2026, 3, 30, 6, 0, tzinfo=UTC),  # BST: 07:00 local is 06:00 UTC
        datetime(2026, 4, 6, 6, 0, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("tz", "day", "at", "start", "expected"),
    [
        # Skipped hour: 01:30 on 29 March 2026 does not exist in London → once, at 02:00 BST (01:00 UTC).
        ("Europe/London", "sunday", "01:30", datetime(2026, 3, 27, tzinfo=UTC),
         [datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 4, 5, 0, 30, tzinfo=UTC)]),
        # Repeated hour: 01:30 happens twice on 25 October 2026 → once, the first time (BST).
        ("Europe/London", "sunday", "01:30", datetime(2026, 10, 23, tzinfo=UTC),
         [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 11, 1, 1, 30, tzinfo=UTC)]),
        # New York: 02:30 on 8 March 2026 is skipped → 03:00 EDT (07:00 UTC).
        ("America/New_York", "sunday", "02:30", datetime(2026, 3, 6, tzinfo=UTC),
         [datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 15, 6, 30, tzinfo=UTC)]),
        # New York: 01:30 on 1 November 2026 repeats → once, EDT (05:30 UTC).
        ("America/New_York", "sunday", "01:30", datetime(2026, 10, 30, tzinfo=UTC),
         [datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 8, 6, 30, tzinfo=UTC)]),
    ],
)
def test_dst_transition_days_fire_exactly_once(
    tz: str, day: str, at: str, start: datetime, expected: list[datetime]
) -> None:
    assert fires(WeeklyTrigger(day, at, tz), start, 2) == expected


def test_fire_time_exactly_now_counts_once_scheduler_starts() -> None:
    at = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 07:00 UTC
    trigger = WeeklyTrigger("monday", "07:00", "UTC")
    assert trigger.get_next_fire_time(None, at) == at
    assert trigger.get_next_fire_time(at, at) == at + timedelta(days=7)


def test_previous_fire_is_the_latest_at_or_before_now() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday
    assert previous_fire("monday", "07:00", "UTC", now) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert next_fire("monday", "07:00", "UTC", now) == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    exactly = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert previous_fire("monday", "07:00", "UTC", exactly) == exactly
