"""Weekly streaks: consecutive club-weeks with a routine check-in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Streak:
    current: int
    longest: int


def weekly_streak(routine_weeks: Iterable[date], current_week: date) -> Streak:
    """Streaks from the start dates of the weeks with a routine.

    The current week only adds to the streak: until it is over, a streak that ran
    to last week is still alive.
    """
    weeks = sorted(set(routine_weeks))
    longest = run = 0
    previous: date | None = None
    for week in weeks:
        run = run + 1 if previous is not None and week - previous == timedelta(days=7) else 1
        longest = max(longest, run)
        previous = week
    present = set(weeks)
    cursor = current_week if current_week in present else current_week - timedelta(days=7)
    current = 0
    while cursor in present:
        current += 1
        cursor -= timedelta(days=7)
    return Streak(current=current, longest=longest)
