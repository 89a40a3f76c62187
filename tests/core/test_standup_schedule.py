"""The stand-up grid: window and weekday edges, DST transition days, and day-list parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import InvalidInput
from bot.core.standup_schedule import (
    day_slots,
    end_of_local_day,
    in_window,
    next_slot,
    parse_days,
    validate_window,
)
from bot.core.timeutil import DAY_NAMES
from bot.i18n import Languages
from bot.render.standups import describe_days

ENGLISH = Languages().english

WEEKDAYS = DAY_NAMES[:5]
LONDON = "Europe/London"
NEW_YORK = "America/New_York"


def local(tz: str, *args: int) -> datetime:
    """An aware instant from a local wall time (first occurrence)."""
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def walk(start: datetime, stop: datetime, every: int, begin: time, end: time, days: tuple[str, ...], tz: str) -> list[
    datetime
]:
    """Every reminder between two instants, produced the way the tick does: next_slot of the last one."""
    out = []
    at = next_slot(start, every, begin, end, days, tz)
    while at < stop:
        out.append(at)
        at = next_slot(at, every, begin, end, days, tz)
    return out


def walls(instants: list[datetime], tz: str) -> list[str]:
    return [i.astimezone(ZoneInfo(tz)).strftime("%a %H:%M") for i in instants]


# -- window and weekday edges ------------------------------------------------------------------


def test_first_reminder_comes_one_interval_after_start() -> None:
    # Wednesday 18 November 2026, before the window opens.
    at = next_slot(local(LONDON, 2026, 11, 18, 7, 0), 45, time(9), time(17, 30), WEEKDAYS, LONDON)
    assert at == local(LONDON, 2026, 11, 18, 9, 45)
    # Exactly at the start is still "before" the first slot.
    assert next_slot(local(LONDON, 2026, 11, 18, 9, 0), 45, time(9), time(17, 30), WEEKDAYS, LONDON) == at


def test_a_day_runs_on_the_grid_and_stops_at_the_end() -> None:
    day = walk(local(LONDON, 2026, 11, 18, 0, 0), local(LONDON, 2026, 11, 19, 0, 0), 45, time(9), time(17, 30),
               WEEKDAYS, LONDON)
    assert walls(day, LONDON) == [
        "Wed 09:45", "Wed 10:30", "Wed 11:15", "Wed 12:00", "Wed 12:45", "Wed 13:30",
        "Wed 14:15", "Wed 15:00", "Wed 15:45", "Wed 16:30", "Wed 17:15",
    ]


def test_a_slot_exactly_at_the_end_counts_and_none_comes_after() -> None:
    last = next_slot(local(LONDON, 2026, 11, 18, 17, 0), 30, time(9), time(17, 30), WEEKDAYS, LONDON)
    assert last == local(LONDON, 2026, 11, 18, 17, 30)
    after = next_slot(last, 30, time(9), time(17, 30), WEEKDAYS, LONDON)
    assert after == local(LONDON, 2026, 11, 19, 9, 30)


def test_next_slot_is_strictly_after() -> None:
    slot = local(LONDON, 2026, 11, 18, 10, 30)
    assert next_slot(slot, 45, time(9), time(17, 30), WEEKDAYS, LONDON) == local(LONDON, 2026, 11, 18, 11, 15)
    assert next_slot(slot - timedelta(microseconds=1), 45, time(9), time(17, 30), WEEKDAYS, LONDON) == slot


def test_friday_evening_jumps_to_monday() -> None:
    at = next_slot(local(LONDON, 2026, 11, 20, 18, 0), 45, time(9), time(17, 30), WEEKDAYS, LONDON)
    assert at == local(LONDON, 2026, 11, 23, 9, 45)
    assert at.astimezone(ZoneInfo(LONDON)).strftime("%A") == "Monday"


def test_off_days_are_skipped() -> None:
    days = parse_days("mon,wed,fri")
    at = next_slot(local(LONDON, 2026, 11, 17, 8, 0), 60, time(9), time(12), days, LONDON)  # a Tuesday
    assert at == local(LONDON, 2026, 11, 18, 10, 0)


def test_the_member_zone_decides_the_local_day() -> None:
    # 23:30 UTC on a Friday is already Saturday in Tokyo: the weekday grid resumes on Monday there.
    at = next_slot(datetime(2026, 11, 20, 23, 30, tzinfo=UTC), 45, time(9), time(17, 30), WEEKDAYS, "Asia/Tokyo")
    assert at == local("Asia/Tokyo", 2026, 11, 23, 9, 45)


def test_results_are_aware_utc() -> None:
    at = next_slot(local(NEW_YORK, 2026, 11, 18, 7, 0), 45, time(9), time(17, 30), WEEKDAYS, NEW_YORK)
    assert at.tzinfo is not None
    assert at.utcoffset() == timedelta(0)
    with pytest.raises(ValueError):
        next_slot(datetime(2026, 11, 18, 7, 0), 45, time(9), time(17, 30), WEEKDAYS, NEW_YORK)


def test_no_chosen_day_means_no_slot() -> None:
    with pytest.raises(ValueError):
        next_slot(local(LONDON, 2026, 11, 18, 7, 0), 45, time(9), time(17, 30), (), LONDON)


def test_in_window_and_end_of_day() -> None:
    wed_noon = local(LONDON, 2026, 11, 18, 12, 0)
    assert in_window(wed_noon, time(9), time(17, 30), WEEKDAYS, LONDON)
    assert not in_window(local(LONDON, 2026, 11, 18, 17, 31), time(9), time(17, 30), WEEKDAYS, LONDON)
    assert not in_window(local(LONDON, 2026, 11, 21, 12, 0), time(9), time(17, 30), WEEKDAYS, LONDON)  # Saturday
    assert end_of_local_day(wed_noon, LONDON) == local(LONDON, 2026, 11, 19, 0, 0)
    # Noon in London is already 01:00 on Thursday in Auckland: that day ends at Friday's midnight there.
    assert end_of_local_day(wed_noon, "Pacific/Auckland") == local("Pacific/Auckland", 2026, 11, 20, 0, 0)


# -- DST transition days -----------------------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "day", "first_utc", "last_utc"),
    [
        # London springs forward on Sunday 29 March 2026: the whole window is BST (UTC+1).
        (LONDON, date(2026, 3, 29), utc(2026, 3, 29, 8, 45), utc(2026, 3, 29, 16, 15)),
        # London falls back on Sunday 25 October 2026: GMT (UTC+0).
        (LONDON, date(2026, 10, 25), utc(2026, 10, 25, 9, 45), utc(2026, 10, 25, 17, 15)),
        # New York springs forward on Sunday 8 March 2026: EDT (UTC−4).
        (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 13, 45), utc(2026, 3, 8, 21, 15)),
        # New York falls back on Sunday 1 November 2026: EST (UTC−5).
        (NEW_YORK, date(2026, 11, 1), utc(2026, 11, 1, 14, 45), utc(2026, 11, 1, 22, 15)),
    ],
)
def test_transition_day_grid_has_right_instants_and_no_duplicates(
    tz: str, day: date, first_utc: datetime, last_utc: datetime
) -> None:
    every_day = DAY_NAMES
    midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    series = walk(midnight, midnight + timedelta(hours=25), 45, time(9), time(17, 30), every_day, tz)
    series = [s for s in series if s.astimezone(ZoneInfo(tz)).date() == day]
    assert series[0] == first_utc
    assert series[-1] == last_utc
    assert len(series) == len(set(series)) == 11
    assert all(b - a == timedelta(minutes=45) for a, b in pairwise(series))
    assert walls(series, tz)[0].endswith("09:45")
    assert list(day_slots(day, 45, time(9), time(17, 30), tz)) == series


def test_the_weekend_before_and_after_a_change_keeps_local_times() -> None:
    # Saturday is GMT, Sunday BST: the same wall times, an hour apart in UTC.
    series = walk(local(LONDON, 2026, 3, 28, 0, 0), local(LONDON, 2026, 3, 30, 0, 0), 45, time(9), time(17, 30),
                  DAY_NAMES, LONDON)
    assert len(series) == 22
    assert walls(series, LONDON)[:11] == [w.replace("Sun", "Sat") for w in walls(series, LONDON)[11:]]
    assert series[0] == datetime(2026, 3, 28, 9, 45, tzinfo=UTC)
    assert series[11] == datetime(2026, 3, 29, 8, 45, tzinfo=UTC)


def test_slots_in_a_spring_gap_collapse_to_one_instant() -> None:
    # 01:00–02:00 does not exist in London on 29 March 2026; 01:00, 01:30 and 02:00 all mean 01:00 UTC.
    slots = day_slots(date(2026, 3, 29), 30, time(0, 0), time(3, 0), LONDON)
    assert list(slots) == [
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 0, tzinfo=UTC),
    ]
    assert len(set(slots)) == len(slots)


def test_the_repeated_fall_back_hour_is_reminded_once() -> None:
    # 01:00–02:00 happens twice in London on 25 October 2026; slots take its first occurrence.
    slots = day_slots(date(2026, 10, 25), 30, time(0, 0), time(3, 0), LONDON)
    assert list(slots) == [
        datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 2, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 2, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 3, 0, tzinfo=UTC),
    ]
    # During the second 01:10 the next reminder is 02:00 local, not a repeat of the first hour.
    second_0110 = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    assert next_slot(second_0110, 30, time(0, 0), time(3, 0), DAY_NAMES, LONDON) == datetime(
        2026, 10, 25, 2, 0, tzinfo=UTC
    )


# -- parsing and validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", WEEKDAYS),
        ("Mon - Fri", WEEKDAYS),
        ("monday to friday", WEEKDAYS),
        ("mon–fri", WEEKDAYS),
        ("weekdays", WEEKDAYS),
        ("mon,wed,fri", ("monday", "wednesday", "friday")),
        ("fri, mon and wed", ("monday", "wednesday", "friday")),
        ("mon wed fri", ("monday", "wednesday", "friday")),
        ("every day", DAY_NAMES),
        ("Every  Day", DAY_NAMES),
        ("daily", DAY_NAMES),
        ("sat-sun", ("saturday", "sunday")),
        ("weekend", ("saturday", "sunday")),
        ("fri-mon", ("monday", "friday", "saturday", "sunday")),
        ("tues,thurs", ("tuesday", "thursday")),
        ("weekdays, sat", (*WEEKDAYS, "saturday")),
        ("mon,mon,mon", ("monday",)),
    ],
)
def test_day_lists_parse(text: str, expected: tuple[str, ...]) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize("text", ["funday", "", "   ", "mon-", "-fri", "mon-fri-sat", "mon,funday", "x" * 5000, ","])
def test_bad_day_lists_are_refused_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_days(text)
    assert "mon-fri" in info.value.message
    assert len(info.value.message) < 200


def test_day_lists_read_back_nicely() -> None:
    assert describe_days(ENGLISH, WEEKDAYS) == "Mon–Fri"
    assert describe_days(ENGLISH, DAY_NAMES) == "every day"
    assert describe_days(ENGLISH, ("monday", "wednesday", "friday")) == "Mon, Wed, Fri"
    assert describe_days(ENGLISH, parse_days("sat-sun")) == "Sat–Sun"


@pytest.mark.parametrize(
    ("every", "start", "end", "fragment"),
    [
        (5, time(9), time(17, 30), "20 to 180"),
        (181, time(9), time(17, 30), "20 to 180"),
        (45, time(17, 30), time(9), "end after it starts"),
        (45, time(9), time(9), "end after it starts"),
        (60, time(9), time(9, 30), "shorter than one interval"),
    ],
)
def test_bad_windows_are_refused(every: int, start: time, end: time, fragment: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_window(every, start, end)
    assert fragment in info.value.message


def test_edge_windows_are_accepted() -> None:
    # Exactly one interval fits: accepted; a minute less leaves no slot: refused.
    assert validate_window(20, time(9), time(9, 20)) is None
    assert validate_window(180, time(0, 0), time(23, 59)) is None
    with pytest.raises(InvalidInput):
        validate_window(20, time(9), time(9, 19))
