from datetime import UTC, date, datetime, time

import pytest

from bot.core.errors import InvalidInput
from bot.core.timeutil import (
    local_date,
    parse_day,
    parse_hhmm,
    parse_timezone,
    resolve_local,
    suggest_timezones,
    week_key,
    week_start_date,
)


@pytest.mark.parametrize("text", ["25:00", "12:60", "7pm", "", "x" * 5000, "24:00"])
def test_bad_times_are_refused_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_hhmm(text)
    assert "HH:MM" in info.value.message or "hours go" in info.value.message
    assert len(info.value.message) < 200


def test_good_times_parse() -> None:
    assert parse_hhmm("07:30") == time(7, 30)
    assert parse_hhmm(" 7:05 ") == time(7, 5)
    assert parse_hhmm("23:59") == time(23, 59)


def test_timezone_names_are_canonicalised_and_typos_get_suggestions() -> None:
    assert parse_timezone("europe/london") == "Europe/London"
    with pytest.raises(InvalidInput) as info:
        parse_timezone("Europe/Londn")
    assert "Europe/London" in info.value.message
    with pytest.raises(InvalidInput):
        parse_timezone("Mars/Olympus_Mons" * 100)


def test_timezone_autocomplete_stays_within_discord_limit() -> None:
    assert len(suggest_timezones("a")) == 25
    assert suggest_timezones("new_y")[0] == "America/New_York"


def test_day_names() -> None:
    assert parse_day("Mon") == "monday"
    assert parse_day("sunday") == "sunday"
    with pytest.raises(InvalidInput):
        parse_day("funday")


def test_sunday_2330_local_belongs_to_that_week_not_the_next() -> None:
    # 23:30 Sunday in Sydney is 12:30 UTC on Sunday; in UTC it is still the same week,
    # but 23:30 Sunday in Los Angeles is Monday 07:30 UTC, the next UTC week.
    instant = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    day = local_date(instant, "America/Los_Angeles")
    assert day == date(2026, 11, 22)
    assert week_key(day) == "w2026-11-16"
    assert week_key(local_date(instant, "UTC")) == "w2026-11-23"


def test_week_start_day_is_configurable() -> None:
    assert week_start_date(date(2026, 11, 21), "monday") == date(2026, 11, 16)
    assert week_start_date(date(2026, 11, 21), "sunday") == date(2026, 11, 15)
    assert week_start_date(date(2026, 11, 21), "saturday") == date(2026, 11, 21)


@pytest.mark.parametrize(
    ("wall", "tz", "expected"),
    [
        # Spring forward: 01:30 does not exist in London on 29 March 2026 → 02:00 BST.
        (datetime(2026, 3, 29, 1, 30), "Europe/London", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # Fall back: 01:30 happens twice in London on 25 October 2026 → the first one (BST).
        (datetime(2026, 10, 25, 1, 30), "Europe/London", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (datetime(2026, 3, 8, 2, 30), "America/New_York", datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 1, 1, 30), "America/New_York", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        (datetime(2026, 7, 1, 7, 0), "America/New_York", datetime(2026, 7, 1, 11, 0, tzinfo=UTC)),
    ],
)
def test_wall_times_resolve_once_across_dst(wall: datetime, tz: str, expected: datetime) -> None:
    assert resolve_local(wall, tz) == expected
