"""Points per week for the /me card: from the member's check-ins, oldest week first."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.history import weekly_points

MONDAY = date(2026, 9, 14)


def test_each_check_in_counts_in_its_own_week() -> None:
    checkins = [
        (MONDAY, 5),  # first day of the first week
        (MONDAY + timedelta(days=6), 2),  # its Sunday
        (MONDAY + timedelta(days=7), 10),  # the next Monday starts week two
        (MONDAY + timedelta(weeks=11, days=3), 1),  # the last week
        (MONDAY + timedelta(weeks=11, days=4), 4),
    ]
    points = weekly_points(MONDAY, 12, checkins)
    assert len(points) == 12
    assert points[0] == 7
    assert points[1] == 10
    assert points[2:11] == (0,) * 9
    assert points[11] == 5


def test_check_ins_outside_the_weeks_are_left_out() -> None:
    checkins = [(MONDAY - timedelta(days=1), 50), (MONDAY + timedelta(weeks=12), 50), (MONDAY + timedelta(days=2), 3)]
    assert weekly_points(MONDAY, 12, checkins) == (3,) + (0,) * 11


def test_no_check_ins_give_twelve_empty_weeks() -> None:
    assert weekly_points(MONDAY, 12, []) == (0,) * 12
