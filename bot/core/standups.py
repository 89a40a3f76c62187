"""Stand-up reminders: a grid of reminder times in each member's zone, and one tick that claims what is due.

No scheduler job per member: every row carries its next due instant (indexed), and a single
periodic tick claims the due rows, moves each one to its next grid slot in the same
transaction, commits, and only then hands the reminders over for sending. On PostgreSQL the
claim uses ``FOR UPDATE SKIP LOCKED``, so several bot processes never claim the same row; on
SQLite the engine's ``BEGIN IMMEDIATE`` makes the claiming transaction exclusive.
"""

from __future__ import annotations

import json
import logging
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, bindparam, case, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.checkins import CheckinResult, CheckinService, Who, seen
from bot.core.clock import Clock
from bot.core.errors import InvalidInput, NotFound, quoted
from bot.core.points import STANDUP_DAILY_CAP, Kind
from bot.core.timeutil import (
    DAY_NAMES,
    day_index,
    format_hhmm,
    local_date,
    local_midnight_utc,
    parse_hhmm,
    parse_timezone,
    resolve_local,
    week_start_date,
    zone,
)
from bot.db.engine import SessionFactory
from bot.db.models import Checkin, Club, Member, Standup
from bot.db.repo import get_club, get_member
from bot.db.types import UTCDateTime

log = logging.getLogger(__name__)

EVERY_MIN = 20
EVERY_MAX = 180
DEFAULT_EVERY = 45
DEFAULT_START = time(9, 0)
DEFAULT_END = time(17, 30)
DEFAULT_DAYS: tuple[str, ...] = DAY_NAMES[:5]
SNOOZE = timedelta(minutes=10)
CLAIM_BATCH = 500
# Longer day lists than this are not a typo we can help with.
DAYS_TEXT_MAX = 100

_JUST_BEFORE = timedelta(microseconds=1)

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


# --------------------------------------------------------------------------------------------
# The schedule: pure functions of (instant, settings, zone).
# --------------------------------------------------------------------------------------------


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


def describe_days(days: Iterable[str]) -> str:
    """``Mon–Fri``, ``Sat–Sun``, ``every day`` or ``Mon, Wed, Fri``."""
    wanted = [i for i, name in enumerate(DAY_NAMES) if name in set(days)]
    if len(wanted) == 7:
        return "every day"
    runs: list[list[int]] = []
    for index in wanted:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        first, last = DAY_NAMES[run[0]][:3].title(), DAY_NAMES[run[-1]][:3].title()
        if len(run) >= 2:
            parts.append(f"{first}–{last}")
        else:
            parts.append(first)
    return ", ".join(parts)


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


# --------------------------------------------------------------------------------------------
# What the service hands out.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StandupSettings:
    every: int
    start: time
    end: time
    days: tuple[str, ...]
    timezone: str
    enabled: bool
    dm_blocked: bool
    paused_until: datetime | None
    skip_date: date | None
    snoozed: bool
    next_due_at: datetime | None

    @property
    def days_text(self) -> str:
        return describe_days(self.days)


@dataclass(frozen=True)
class StandupStatus:
    settings: StandupSettings | None
    next_due_at: datetime | None
    paused: bool
    skipped_today: bool
    today: int
    week: int
    daily_cap: int = STANDUP_DAILY_CAP


@dataclass(frozen=True)
class SnoozeResult:
    """``snoozed`` is False when the snooze would land after the window or after the next grid slot."""

    snoozed: bool
    next_due_at: datetime | None


@dataclass(slots=True)
class DueReminder:
    """One reminder claimed by the tick: everything the sender needs, no database row."""

    standup_id: int
    member_id: int
    guild_id: int
    user_id: int
    channel_id: int | None
    due_at: datetime
    every: int
    timezone: str
    snoozed: bool
    next_due_at: datetime


def _settings(row: Standup) -> StandupSettings:
    return StandupSettings(
        every=row.every_minutes,
        start=parse_hhmm(row.window_start),
        end=parse_hhmm(row.window_end),
        days=_stored_days(row.days),
        timezone=row.timezone,
        enabled=row.enabled,
        dm_blocked=row.dm_blocked,
        paused_until=row.paused_until,
        skip_date=row.skip_date,
        snoozed=row.snoozed,
        next_due_at=row.next_due_at,
    )


@lru_cache(maxsize=256)
def _stored_days(text: str) -> tuple[str, ...]:
    return tuple(day for day in text.split(",") if day)


@lru_cache(maxsize=256)
def _interval(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


@lru_cache(maxsize=1024)
def _stored_time(text: str) -> time:
    return parse_hhmm(text)


def _row_next_slot(row: Any, after: datetime) -> datetime:
    return next_slot(
        after,
        row.every_minutes,
        _stored_time(row.window_start),
        _stored_time(row.window_end),
        _stored_days(row.days),
        row.timezone,
    )


def _claimable(now: datetime) -> list[Any]:
    return [
        Standup.next_due_at <= now,
        Standup.enabled.is_(True),
        Standup.dm_blocked.is_(False),
        or_(Standup.paused_until.is_(None), Standup.paused_until <= now),
    ]


def due_query(now: datetime, limit: int) -> Any:
    """The tick's claim: due rows, oldest first, locked; rows another process holds are skipped.

    Standup columns only: joining members here lets PostgreSQL choose a hash join over the
    whole member table, which costs more than the rest of the claim.
    """
    return (
        select(
            Standup.id,
            Standup.member_id,
            Standup.every_minutes,
            Standup.window_start,
            Standup.window_end,
            Standup.days,
            Standup.timezone,
            Standup.snoozed,
            case((Standup.snoozed.is_(True), Standup.next_slot_at), else_=None).label("resume_at"),
            Standup.next_due_at,
        )
        .where(*_claimable(now))
        .order_by(Standup.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


_standup = Standup.__table__  # type: ignore[attr-defined]
_STOP = (
    update(_standup)
    .where(_standup.c.id == bindparam("b_id"))
    .values(enabled=False, next_due_at=None, next_slot_at=None, snoozed=False, updated_at=bindparam("b_now"))
)
# Claimed rows each move to their own next slot. One statement carrying all of them beats a
# thousand single-row UPDATEs, whose driver and ORM overhead dwarfs the database work.
_ADVANCE_POSTGRES = text(
    "UPDATE standup SET next_due_at = v.next, next_slot_at = v.next, snoozed = false, "
    "last_reminded_at = CASE WHEN v.sent THEN :now ELSE standup.last_reminded_at END, updated_at = :now "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:nexts AS timestamptz[]), CAST(:sent AS boolean[])) "
    "AS v(id, next, sent) "
    # The second, redundant condition lets the planner fetch just these rows by primary key
    # instead of hashing the whole table.
    "WHERE standup.id = v.id AND standup.id = ANY(CAST(:ids AS integer[]))"
).bindparams(bindparam("now", type_=UTCDateTime()))
_ADVANCE_SQLITE = text(
    "UPDATE standup SET next_due_at = json_extract(v.value, '$[1]'), next_slot_at = json_extract(v.value, '$[1]'), "
    "snoozed = 0, last_reminded_at = CASE WHEN json_extract(v.value, '$[2]') THEN :now ELSE last_reminded_at END, "
    "updated_at = :now FROM json_each(:rows) AS v WHERE standup.id = json_extract(v.value, '$[0]')"
).bindparams(bindparam("now", type_=UTCDateTime()))
async def _people(session: AsyncSession, member_ids: list[int]) -> dict[int, Any]:
    """Discord ids, channel and whether they left, for the claimed rows' members."""
    query = select(Member.id, Member.user_id, Member.left_at, Club.guild_id, Club.channel_id).join(
        Club, Club.id == Member.club_id
    )
    # One array (PostgreSQL) or JSON (SQLite) parameter rather than a thousand.
    if (await session.connection()).dialect.name == "postgresql":
        query = query.where(Member.id == any_(bindparam("ids", member_ids, type_=ARRAY(Integer))))
    else:
        listed = func.json_each(json.dumps(member_ids)).table_valued("value")
        query = query.where(Member.id.in_(select(listed.c.value)))
    return {member_id: rest for member_id, *rest in await session.execute(query)}


async def _advance(session: AsyncSession, moves: list[tuple[int, datetime, bool]], now: datetime) -> None:
    """Set each claimed row's next due time (and ``last_reminded_at`` for those being sent)."""
    dialect = (await session.connection()).dialect
    if dialect.name == "postgresql":
        ids, nexts, sent = (list(column) for column in zip(*moves, strict=True))
        await session.execute(_ADVANCE_POSTGRES, {"ids": ids, "nexts": nexts, "sent": sent, "now": now})
    else:
        # SQLite. Stored exactly as the column type would store them, so text comparisons stay right.
        stored = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
        assert stored is not None
        texts: dict[datetime, str] = {}  # many rows share their next slot
        rows = json.dumps(
            [[row_id, texts.get(nxt) or texts.setdefault(nxt, stored(nxt)), send] for row_id, nxt, send in moves]
        )
        await session.execute(_ADVANCE_SQLITE, {"rows": rows, "now": now})


class StandupService:
    """Stand-up reminder settings per member, and the claim that the periodic tick runs."""

    def __init__(self, sessions: SessionFactory, clock: Clock, checkins: CheckinService) -> None:
        self._sessions = sessions
        self._clock = clock
        self._checkins = checkins

    # -- member commands ---------------------------------------------------------------------

    async def turn_on(
        self,
        who: Who,
        every: int | None = None,
        start: str | None = None,
        end: str | None = None,
        days: str | None = None,
        timezone: str | None = None,
    ) -> StandupSettings:
        """Switch reminders on (again). Options left out keep the member's previous value, else the default.

        Turning on again also clears a pause, a skipped day and a closed-DMs mark.
        """
        # Parse what was given before touching the database, so bad input costs nothing.
        new_start = parse_hhmm(start) if start is not None else None
        new_end = parse_hhmm(end) if end is not None else None
        new_days = parse_days(days) if days is not None else None
        new_tz = parse_timezone(timezone) if timezone is not None else None
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await seen(session, who, now)
            assert club.id is not None
            assert member.id is not None
            row = await self._row_of_member(session, member.id)
            settings = (
                _settings(row)
                if row is not None
                else StandupSettings(
                    every=DEFAULT_EVERY, start=DEFAULT_START, end=DEFAULT_END, days=DEFAULT_DAYS,
                    timezone=club.timezone, enabled=False, dm_blocked=False, paused_until=None,
                    skip_date=None, snoozed=False, next_due_at=None,
                )
            )
            settings = replace(
                settings,
                every=every if every is not None else settings.every,
                start=new_start if new_start is not None else settings.start,
                end=new_end if new_end is not None else settings.end,
                days=new_days if new_days is not None else settings.days,
                timezone=new_tz if new_tz is not None else settings.timezone,
            )
            validate_window(settings.every, settings.start, settings.end)
            nxt = next_slot(now, settings.every, settings.start, settings.end, settings.days, settings.timezone)
            values: dict[str, Any] = {
                "every_minutes": settings.every,
                "window_start": format_hhmm(settings.start),
                "window_end": format_hhmm(settings.end),
                "days": ",".join(settings.days),
                "timezone": settings.timezone,
                "enabled": True,
                "dm_blocked": False,
                "paused_until": None,
                "skip_date": None,
                "snoozed": False,
                "next_slot_at": nxt,
                "next_due_at": nxt,
                "updated_at": now,
            }
            if row is None:
                try:
                    async with session.begin_nested():
                        row = Standup(member_id=member.id, club_id=club.id, created_at=now, **values)
                        session.add(row)
                except IntegrityError:
                    # A second /standup on raced this one; update the row it created.
                    row = await self._row_of_member(session, member.id)
                    assert row is not None
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)
            await session.commit()
            return _settings(row)

    async def turn_off(self, who: Who) -> bool:
        """Stop reminders, keeping the settings for next time. False if they were not on."""
        now = self._clock.now()
        async with self._sessions() as session:
            row = await self._row_of(session, who.guild_id, who.user_id)
            if row is None or not row.enabled:
                return False
            row.enabled = False
            row.snoozed = False
            row.next_due_at = None
            row.next_slot_at = None
            row.updated_at = now
            session.add(row)
            await session.commit()
            return True

    async def status(self, who: Who) -> StandupStatus:
        """Settings, the next reminder, and stand-ups counted today and this club-week."""
        now = self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
            if club is None or member is None:
                return StandupStatus(None, None, paused=False, skipped_today=False, today=0, week=0)
            row = await self._row_of_member(session, member.id, lock=False) if member.id else None
            # Check-ins are dated in the club's zone, so count them on the club's calendar.
            today = local_date(now, club.timezone)
            week_start = week_start_date(today, club.week_start)
            counts = (
                await session.execute(
                    select(
                        func.count().filter(Checkin.local_date == today),
                        func.count(),
                    ).where(
                        Checkin.member_id == member.id,
                        Checkin.kind == Kind.STANDUP.value,
                        Checkin.local_date >= week_start,
                        Checkin.local_date < week_start + timedelta(days=7),
                    )
                )
            ).one()
        settings = _settings(row) if row is not None else None
        live = settings is not None and settings.enabled and not settings.dm_blocked
        paused = bool(live and settings and settings.paused_until and settings.paused_until > now)
        skipped = bool(live and settings and settings.skip_date == local_date(now, settings.timezone))
        return StandupStatus(
            settings=settings,
            next_due_at=settings.next_due_at if live and settings else None,
            paused=paused,
            skipped_today=skipped,
            today=int(counts[0] or 0),
            week=int(counts[1] or 0),
        )

    async def pause(self, who: Who, span: PauseSpan | str) -> StandupSettings:
        """Hold reminders for an hour, for the rest of the local day, or for a week."""
        try:
            span = PauseSpan(span)
        except ValueError:
            raise InvalidInput("Pause for `1h`, `today` or `week`.") from None
        now = self._clock.now()
        async with self._sessions() as session:
            row = await self._live_row(session, who.guild_id, who.user_id)
            if span is PauseSpan.HOUR:
                until = now + timedelta(hours=1)
            elif span is PauseSpan.TODAY:
                until = end_of_local_day(now, row.timezone)
            else:
                until = now + timedelta(days=7)
            # The series picks up at its first grid slot at or after the pause ends.
            nxt = _row_next_slot(row, until - _JUST_BEFORE)
            row.paused_until = until
            row.snoozed = False
            row.next_slot_at = nxt
            row.next_due_at = nxt
            row.updated_at = now
            session.add(row)
            await session.commit()
            return _settings(row)

    async def snooze(self, user_id: int, guild_id: int) -> SnoozeResult:
        """One extra reminder in 10 minutes; the series stays on its grid.

        Refused (``snoozed=False``) when it would land outside the window, on or after the next
        grid slot, or while reminders are paused or skipped for today.
        """
        now = self._clock.now()
        async with self._sessions() as session:
            row = await self._live_row(session, guild_id, user_id)
            at = now + SNOOZE
            held = (row.paused_until is not None and row.paused_until > now) or (
                row.skip_date == local_date(now, row.timezone)
            )
            start, end = _stored_time(row.window_start), _stored_time(row.window_end)
            fits = in_window(at, start, end, _stored_days(row.days), row.timezone)
            if held or not fits or row.next_slot_at is None or at >= row.next_slot_at:
                await session.commit()
                return SnoozeResult(False, row.next_due_at)
            row.snoozed = True
            row.next_due_at = at
            row.updated_at = now
            session.add(row)
            await session.commit()
            return SnoozeResult(True, at)

    async def skip_today(self, user_id: int, guild_id: int) -> datetime:
        """No more reminders today (the member's local day); returns when the next one comes."""
        now = self._clock.now()
        async with self._sessions() as session:
            row = await self._live_row(session, guild_id, user_id)
            nxt = _row_next_slot(row, end_of_local_day(now, row.timezone) - _JUST_BEFORE)
            if row.paused_until is not None and row.paused_until > nxt:
                nxt = _row_next_slot(row, row.paused_until - _JUST_BEFORE)
            row.skip_date = local_date(now, row.timezone)
            row.snoozed = False
            row.next_slot_at = nxt
            row.next_due_at = nxt
            row.updated_at = now
            session.add(row)
            await session.commit()
            return nxt

    async def stood_up(self, who: Who) -> CheckinResult:
        """Record a ``standup`` check-in (capped per day by the check-in rules).

        Pressed in a DM, where Discord sends neither server roles nor nickname: the stored
        snapshot is kept instead of being wiped by an empty one.
        """
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
        if member is None:
            # Forgotten (or never here): an old reminder must not bring the data back.
            raise NotFound(
                "There is nothing to act on: your data in that club was deleted. "
                "Turn reminders on again with `/standup on` if you want them."
            )
        if member.left_at is not None:
            raise NotFound("You are no longer in that server, so this reminder has nothing to act on.")
        if not who.role_ids:
            roles = tuple(int(r) for r in member.role_ids.split(",") if r)
            who = replace(who, display_name=member.display_name, role_ids=roles)
        return await self._checkins.record(who, Kind.STANDUP)

    # -- the tick ----------------------------------------------------------------------------

    async def claim_due(self, now: datetime | None = None, limit: int = CLAIM_BATCH) -> list[DueReminder]:
        """Claim up to ``limit`` due rows, move each to its next slot, commit; return the ones to send.

        A reminder more than one interval late (the bot was down, or the backlog was long) is
        not sent: its row just moves on to the next slot after ``now``. So after downtime each
        member gets at most one reminder, and never a burst.
        """
        now = now or self._clock.now()
        claim = due_query(now, limit)
        due: list[DueReminder] = []
        moves: list[tuple[int, datetime, bool]] = []
        stop: list[dict[str, Any]] = []
        async with self._sessions() as session:
            rows = (await session.execute(claim)).all()
            if not rows:
                await session.commit()
                return []
            people = await _people(session, [row.member_id for row in rows])
            # Plain tuple unpacking: attribute access on a thousand result rows is measurably slow.
            for sid, member_id, every, start_text, end_text, days_text, tz, snoozed, resume_at, due_at in rows:
                person = people.get(member_id)
                if person is None:
                    continue  # the member is being deleted; the row goes with them
                user_id, left_at, guild_id, channel_id = person
                if left_at is not None:
                    # Gone from the server: no DMs to people who left; /standup on brings them back.
                    stop.append({"b_id": sid, "b_now": now})
                    continue
                try:
                    if resume_at is not None and resume_at > now:
                        nxt = resume_at  # a snoozed one-off: the series carries on where it was
                    else:
                        start, end = _stored_time(start_text), _stored_time(end_text)
                        nxt = next_slot(now, every, start, end, _stored_days(days_text), tz)
                except (ValueError, KeyError, InvalidInput) as error:
                    log.warning("stand-up %s has unusable settings, switching it off: %s", sid, error)
                    stop.append({"b_id": sid, "b_now": now})
                    continue
                send = now - due_at <= _interval(every)
                moves.append((sid, nxt, send))
                if send:
                    due.append(
                        DueReminder(sid, member_id, guild_id, user_id, channel_id, due_at, every, tz, snoozed, nxt)
                    )
            if moves:
                await _advance(session, moves, now)
            if stop:
                await session.execute(_STOP, stop)
            await session.commit()
        return due

    async def has_due(self, now: datetime | None = None) -> bool:
        """Whether a due row is left that this process could claim right now."""
        now = now or self._clock.now()
        async with self._sessions() as session:
            found = await session.execute(
                select(Standup.id).where(*_claimable(now)).limit(1).with_for_update(skip_locked=True)
            )
            return found.first() is not None

    async def mark_dm_blocked(self, standup_id: int) -> bool:
        """Stop DM attempts for a member whose DMs are closed. True only the first time, for a one-off notice."""
        async with self._sessions() as session:
            result = await session.execute(
                update(Standup)
                .where(Standup.id == standup_id, Standup.dm_blocked.is_(False))
                .values(dm_blocked=True, next_due_at=None, snoozed=False, updated_at=self._clock.now())
            )
            await session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- lookups -----------------------------------------------------------------------------

    async def _row_of_member(self, session: AsyncSession, member_id: int, *, lock: bool = True) -> Standup | None:
        query = select(Standup).where(Standup.member_id == member_id)
        if lock:
            query = query.with_for_update(of=Standup)
        return (await session.execute(query)).scalar_one_or_none()

    async def _row_of(self, session: AsyncSession, guild_id: int, user_id: int) -> Standup | None:
        result = await session.execute(
            select(Standup)
            .join(Member, Member.id == Standup.member_id)
            .join(Club, Club.id == Member.club_id)
            .where(Club.guild_id == guild_id, Member.user_id == user_id)
            .with_for_update(of=Standup)
        )
        return result.scalar_one_or_none()

    async def _live_row(self, session: AsyncSession, guild_id: int, user_id: int) -> Standup:
        row = await self._row_of(session, guild_id, user_id)
        if row is None or not row.enabled:
            raise NotFound("Your stand-up reminders are off. Turn them on with `/standup on`.")
        if row.dm_blocked:
            raise NotFound(
                "Your reminders are on hold because I could not DM you. "
                "Allow DMs from this server, then run `/standup on` again."
            )
        return row
