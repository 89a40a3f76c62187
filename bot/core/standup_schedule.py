"""Stand-up schedule maths: the grid of reminder times in a member's zone. Pure: no database, no Discord."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from bot.core.errors import InvalidInput, quoted
from bot.core.timeutil import (
    DAY_NAMES,
    day_index,
    format_hhmm,
    local_date,
    local_midnight_utc,
    parse_hhmm,
    resolve_local,
    zone,
)

EVERY_MIN = 20
EVERY_MAX = 180
DEFAULT_EVERY = 45
DEFAULT_START = time(9, 0)
DEFAULT_END = time(17, 30)
DEFAULT_DAYS: tuple[str, ...] = DAY_NAMES[:5]
SNOOZE = timedelta(minutes=10)
# Longer day lists than this are not a typo we can help with.
DAYS_TEXT_MAX = 100


_DAY_GROUPS: dict[str, tuple[str, ...]] = {
    "weekdays": DAY_NAMES[:5],
    "weekday": DAY_NAMES[:5],
    "workdays": DAY_NAMES[:5],
    "work days": DAY_NAMES[:5],
    "weekends": DAY_NAMES[5:],
    "weekend": DAY_NAMES[5:],
    "every day": DAY_NAMES,
    "everyday": DAY_NAMES,
    "daily": DAY_NAMES,
    "all": DAY_NAMES,
    "all days": DAY_NAMES,
}
_DAYS_HINT = "Use for example `mon-fri`, `mon,wed,fri`, `weekdays`, `sat-sun` or `every day`."


class PauseSpan(StrEnum):
    HOUR = "1h"
    TODAY = "today"
    WEEK = "week"


def parse_days(text: str) -> tuple[str, ...]:
    """Day names in week order from ``mon-fri``, ``mon,wed,fri``, ``weekdays``, ``every day``, ``fri-mon``…"""
    raw = re.sub(r"\s+", " ", (text or "").strip().lower())
    if not raw:
        raise InvalidInput(f"Name at least one day. {_DAYS_HINT}")
    if len(raw) > DAYS_TEXT_MAX:
        raise InvalidInput(f"That list of days is too long for me. {_DAYS_HINT}")
    if raw in _DAY_GROUPS:
        return _DAY_GROUPS[raw]
    # "mon to fri", "mon – fri" and "mon - fri" all mean a range.
    raw = re.sub(r"\s*(?:-|–|—|\bto\b)\s*", "-", raw)
    chosen: set[str] = set()
    for token in re.split(r"[,;/&+ ]+|\band\b", raw):
        if not token:
            continue
        if token in _DAY_GROUPS:
            chosen.update(_DAY_GROUPS[token])
            continue
        ends = token.split("-")
        if len(ends) > 2 or not all(ends):
            raise InvalidInput(f"{quoted(token, 20)} is not a range of days. {_DAYS_HINT}")
        try:
            first, last = day_index(ends[0]), day_index(ends[-1])
        except InvalidInput:
            raise InvalidInput(f"{quoted(token, 20)} is not a day I know. {_DAYS_HINT}") from None
        # A range may wrap over the weekend: "fri-mon" is Friday to Monday.
        span = (last - first) % 7
        chosen.update(DAY_NAMES[(first + i) % 7] for i in range(span + 1))
    if not chosen:
        raise InvalidInput(f"Name at least one day. {_DAYS_HINT}")
    return tuple(day for day in DAY_NAMES if day in chosen)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def validate_window(every: int, start: time, end: time) -> None:
    """Refuse an interval out of range, a window that ends before it starts, or one with no slot at all."""
    if not EVERY_MIN <= every <= EVERY_MAX:
        raise InvalidInput(f"Remind every {EVERY_MIN} to {EVERY_MAX} minutes; {quoted(every)} is outside that.")
    if _minutes(end) <= _minutes(start):
        raise InvalidInput(
            f"The window must end after it starts: {format_hhmm(start)}–{format_hhmm(end)} does not. "
            "Windows over midnight are not supported."
        )
    if _minutes(end) - _minutes(start) < every:
        raise InvalidInput(
            f"The window {format_hhmm(start)}–{format_hhmm(end)} is shorter than one interval ({every} min), "
            "so no reminder would ever come. Widen it or remind more often."
        )


@lru_cache(maxsize=8192)
def day_slots(day: date, every: int, start: time, end: time, tz: str) -> tuple[datetime, ...]:
    """One local day's reminder instants (UTC): start+every, start+2·every, … while ≤ end.

    Wall times are resolved with :func:`resolve_local`, so a slot in a spring-forward gap moves
    to the end of the gap and one in a fall-back overlap takes its first occurrence; slots that
    land on the same instant are kept once. Cached: members share settings, and the tick asks
    for the same days over and over.
    """
    slots: list[datetime] = []
    minute = _minutes(start) + every
    last = _minutes(end)
    while minute <= last:
        instant = resolve_local(datetime.combine(day, time(minute // 60, minute % 60)), tz)
        if not slots or instant > slots[-1]:
            slots.append(instant)
        minute += every
    return tuple(slots)


def next_slot(after: datetime, every: int, start: time, end: time, days: Iterable[str], tz: str) -> datetime:
    """The first grid slot strictly after ``after``: an aware UTC instant, DST-correct.

    The grid of a day is ``start + k·every`` (k ≥ 1) up to ``end``, on the chosen weekdays,
    in the zone ``tz``.
    """
    if after.tzinfo is None:
        raise ValueError("next_slot needs an aware datetime")
    wanted = days if isinstance(days, (tuple, frozenset, set)) else tuple(days)
    today = after.astimezone(zone(tz)).date()
    # A week ahead always holds a chosen day; one more day covers slots a DST gap pushes forward.
    for offset in range(9):
        day = today + timedelta(days=offset)
        if DAY_NAMES[day.weekday()] not in wanted:
            continue
        slots = day_slots(day, every, start, end, tz)
        index = bisect_right(slots, after)
        if index < len(slots):
            return slots[index]
    raise ValueError(f"no stand-up slot within a week for every={every} {start}-{end} {sorted(wanted)} in {tz}")


def in_window(instant: datetime, start: time, end: time, days: Iterable[str], tz: str) -> bool:
    """Whether ``instant`` falls on a chosen day between ``start`` and ``end`` (inclusive), locally."""
    local = instant.astimezone(zone(tz))
    return DAY_NAMES[local.weekday()] in set(days) and start <= local.time() <= end


def end_of_local_day(instant: datetime, tz: str) -> datetime:
    """The UTC instant at which the local day containing ``instant`` ends (the next local midnight)."""
    return local_midnight_utc(local_date(instant, tz) + timedelta(days=1), tz)


@lru_cache(maxsize=256)
def stored_days(text: str) -> tuple[str, ...]:
    return tuple(day for day in text.split(",") if day)


@lru_cache(maxsize=256)
def interval(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


@lru_cache(maxsize=1024)
def stored_time(text: str) -> time:
    return parse_hhmm(text)


def row_next_slot(row: Any, after: datetime) -> datetime:
    return next_slot(
        after,
        row.every_minutes,
        stored_time(row.window_start),
        stored_time(row.window_end),
        stored_days(row.days),
        row.timezone,
    )


