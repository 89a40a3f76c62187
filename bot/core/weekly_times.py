"""Weekly post times: a day name and a wall-clock time in an IANA zone, resolved DST-safely to UTC instants.

A time inside a spring-forward gap fires once at the first valid instant after the gap, a time inside a
fall-back overlap fires once (the first occurrence): see :func:`bot.core.timeutil.resolve_local`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.core.timeutil import day_index, parse_hhmm, resolve_local, zone


def next_fire(day: str, at: str | time, tz: str, after: datetime) -> datetime:
    """The first weekly fire instant strictly after ``after`` (UTC, aware)."""
    wall_time = parse_hhmm(at) if isinstance(at, str) else at
    local_today = after.astimezone(zone(tz)).date()
    offset = (day_index(day) - local_today.weekday()) % 7
    for week in range(3):
        candidate_day = local_today + timedelta(days=offset + 7 * week)
        instant = resolve_local(datetime.combine(candidate_day, wall_time), tz)
        if instant > after:
            return instant
    raise AssertionError("unreachable: a weekly time always recurs within three weeks")


def previous_fire(day: str, at: str, tz: str, now: datetime) -> datetime:
    """The latest weekly fire instant at or before ``now``."""
    candidate = next_fire(day, at, tz, now - timedelta(days=8))
    while True:
        following = next_fire(day, at, tz, candidate)
        if following > now:
            return candidate
        candidate = following
