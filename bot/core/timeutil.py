"""Club-local calendars: days, weeks, months and wall-clock times in an IANA zone."""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import InvalidInput, quoted
from bot.i18n import N_

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_ABBREVIATIONS = {name[:3]: name for name in DAY_NAMES}

_HHMM = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")


def day_index(name: str) -> int:
    """Monday is 0, as in :meth:`date.weekday`."""
    key = name.strip().lower()
    if key in DAY_NAMES:
        return DAY_NAMES.index(key)
    if key[:3] in DAY_ABBREVIATIONS and DAY_ABBREVIATIONS[key[:3]].startswith(key):
        return DAY_NAMES.index(DAY_ABBREVIATIONS[key[:3]])
    raise InvalidInput(N_("{day} is not a day of the week. Use a name such as `monday`."), day=quoted(name))


def parse_day(name: str) -> str:
    return DAY_NAMES[day_index(name)]


def parse_hhmm(text: str) -> time:
    """Parse a 24-hour ``HH:MM``; reject ``25:00``, ``7pm`` and friends with a clear message."""
    match = _HHMM.match(text or "")
    if not match:
        raise InvalidInput(N_("{time} is not a time. Use 24-hour `HH:MM`, for example `07:30`."),
                           time=quoted(text or ""))
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InvalidInput(N_("{time} is not a time of day: hours go 00–23, minutes 00–59."), time=quoted(text))
    return time(hour, minute)


def format_hhmm(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=4096)
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for a stored (already validated) name."""
    return ZoneInfo(name)


def suggest_timezones(text: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete and "did you mean": substring first, then close spellings."""
    needle = text.strip().lower().replace(" ", "_")
    names = _zone_names()
    if not needle:
        common = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago",
                  "America/Los_Angeles", "Australia/Sydney", "Asia/Tokyo"]
        return common[:limit]
    starts = [n for n in names if n.lower().startswith(needle)]
    parts = [n for n in names if n not in starts and needle in n.lower()]
    found = starts + parts
    if len(found) < limit:
        by_city = {n.rsplit("/", 1)[-1].lower(): n for n in names}
        close = difflib.get_close_matches(needle, list(by_city), n=limit, cutoff=0.6)
        found += [by_city[c] for c in close if by_city[c] not in found]
        close_full = difflib.get_close_matches(text.strip(), names, n=limit, cutoff=0.6)
        found += [c for c in close_full if c not in found]
    return found[:limit]


def parse_timezone(text: str) -> str:
    """Validate an IANA zone name and return its canonical spelling."""
    cleaned = (text or "").strip()
    if len(cleaned) <= 64:
        lowered = {n.lower(): n for n in _zone_names()}
        canonical = lowered.get(cleaned.lower().replace(" ", "_"))
        if canonical:
            try:
                ZoneInfo(canonical)
            except ZoneInfoNotFoundError:  # pragma: no cover - listed zones always load
                pass
            else:
                return canonical
    hints = suggest_timezones(cleaned[:64], limit=3)
    if hints:
        raise InvalidInput(
            N_("{zone} is not a time zone I know. Use an IANA name like `Europe/London`. Did you mean {hints}?"),
            zone=quoted(cleaned), hints=", ".join(f"`{h}`" for h in hints),
        )
    raise InvalidInput(N_("{zone} is not a time zone I know. Use an IANA name like `Europe/London`."),
                       zone=quoted(cleaned))


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(zone(tz)).date()


# The calendar functions below run on every press with the same few (day, week start) pairs: cached.
@lru_cache(maxsize=1024)
def week_start_date(day: date, week_start: str = "monday") -> date:
    """The first day of the club-week that contains ``day``."""
    offset = (day.weekday() - day_index(week_start)) % 7
    return day - timedelta(days=offset)


@lru_cache(maxsize=1024)
def week_key(day: date, week_start: str = "monday") -> str:
    """A stable key for the club-week containing ``day``: ``w2026-11-16``."""
    return "w" + week_start_date(day, week_start).isoformat()


def month_key(day: date) -> str:
    """The key of the calendar month containing ``day``: ``m2026-11``."""
    return f"m{day.year:04d}-{day.month:02d}"


@lru_cache(maxsize=1024)
def board_periods(day: date, week_start: str = "monday") -> tuple[str, str, str]:
    """The running-total periods a check-in on ``day`` counts towards: all time, its month, its club-week."""
    return "all", month_key(day), week_key(day, week_start)


def month_start_date(day: date) -> date:
    return day.replace(day=1)


def next_month_start(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def local_midnight_utc(day: date, tz: str) -> datetime:
    """The UTC instant at which ``day`` begins in ``tz`` (gap-safe)."""
    return resolve_local(datetime.combine(day, time(0, 0)), tz)


def resolve_local(wall: datetime, tz: str) -> datetime:
    """Turn a naive wall-clock time in ``tz`` into one UTC instant.

    A time inside a spring-forward gap moves to the first valid instant after the
    gap; a time inside a fall-back overlap takes its first occurrence. So a
    schedule neither skips nor doubles across DST changes.
    """
    zone_info = zone(tz)
    first = wall.replace(tzinfo=zone_info, fold=0)
    utc_first = first.astimezone(UTC)
    round_trip = utc_first.astimezone(zone_info).replace(tzinfo=None)
    if round_trip != wall:
        # Non-existent wall time. fold=1 resolves with the offset from after the gap,
        # which gives an instant before the transition; step forward (at most the
        # gap's length, an hour or two) to the first instant showing ``wall`` or later.
        probe = wall.replace(tzinfo=zone_info, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
        for _ in range(60 * 3):
            if probe.astimezone(zone_info).replace(tzinfo=None) >= wall:
                break
            probe += timedelta(minutes=1)
        return probe
    return utc_first
