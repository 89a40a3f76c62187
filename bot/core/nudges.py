"""A nudge before the week closes: one DM per club-week, only to members without this week's routine.

Each member's nudge row carries its next due instant (indexed, NULL when off). The tick claims
due rows, moves each to the following week in the same transaction, and claims one
``send_claim`` row per (member, club-week): the unique key keeps it to one nudge a week across
restarts, processes and changed settings.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.errors import InvalidInput
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import Kind
from bot.core.timeutil import (
    DAY_NAMES,
    day_index,
    format_hhmm,
    local_date,
    local_midnight_utc,
    parse_day,
    parse_hhmm,
    parse_timezone,
    resolve_local,
    week_key,
    week_start_date,
    zone,
)
from bot.db.engine import SessionFactory
from bot.db.models import Checkin, Club, Member, Nudge, SendClaim
from bot.db.repo import get_club, get_member
from bot.db.send_claims import Claim, ClaimKey, block_dms_once, claim_once

log = logging.getLogger(__name__)

KIND = "nudge"
DEFAULT_TIME = time(18, 0)
CLAIM_BATCH = 500


def last_day_of_week(week_start: str) -> str:
    """The club week's last day: the day before it starts again."""
    return DAY_NAMES[(day_index(week_start) - 1) % 7]


def next_nudge_at(after: datetime, day: str, at: time, tz: str) -> datetime:
    """The first instant strictly after ``after`` that is ``day`` at ``at`` in ``tz`` (DST-safe)."""
    if after.tzinfo is None:
        raise ValueError("next_nudge_at needs an aware datetime")
    wanted = day_index(day)
    today = after.astimezone(zone(tz)).date()
    for offset in range(9):
        candidate = today + timedelta(days=offset)
        if candidate.weekday() != wanted:
            continue
        instant = resolve_local(datetime.combine(candidate, at), tz)
        if instant > after:
            return instant
    raise ValueError(f"no {day} {at} after {after} in {tz}")  # pragma: no cover - a week always has one


# A member whose chosen time falls after their club week has closed (their zone is behind the club's) is
# nudged this long before the close instead: a nudge is only useful while the week is open.
BEFORE_CLOSE = timedelta(hours=1)


def nudge_due_at(after: datetime, day: str, at: time, tz: str, club_tz: str, week_start: str) -> datetime:
    """The next nudge after ``after``: ``day`` at ``at`` in the member's zone, but never after the club week
    it is for (the club week of that day) has closed in the club's zone."""
    for _ in range(3):
        instant = next_nudge_at(after, day, at, tz)
        start = week_start_date(local_date(instant, tz), week_start)
        close = local_midnight_utc(start + timedelta(days=7), club_tz)
        if instant < close:
            return instant
        if close - BEFORE_CLOSE > after:
            return close - BEFORE_CLOSE
        after = instant  # that week's nudge time has passed already: the next week's
    raise ValueError(f"no nudge time after {after}")  # pragma: no cover - the next week always has one


@dataclass(frozen=True)
class NudgeSettings:
    day: str
    day_is_default: bool
    at: time
    timezone: str
    enabled: bool
    dm_blocked: bool
    next_due_at: datetime | None


@dataclass(frozen=True)
class NudgeStatus:
    settings: NudgeSettings | None
    routine_done: bool
    nudged_this_week: bool


@dataclass(slots=True)
class DueNudge:
    """One claimed nudge: what the sender needs, no database row."""

    claim: Claim
    nudge_id: int
    member_id: int
    guild_id: int
    user_id: int
    channel_id: int | None
    due_at: datetime
    week_ends_at: datetime
    # The member's stored Discord locale, then the club's language: the DM's language (bot.i18n).
    locale: str | None = None
    club_language: str | None = None


def _settings(row: Nudge, club: Club) -> NudgeSettings:
    return NudgeSettings(
        day=row.day or last_day_of_week(club.week_start),
        day_is_default=row.day is None,
        at=parse_hhmm(row.at_time),
        timezone=row.timezone,
        enabled=row.enabled,
        dm_blocked=row.dm_blocked,
        next_due_at=row.next_due_at if row.enabled and not row.dm_blocked else None,
    )


_nudge = Nudge.__table__  # type: ignore[attr-defined]
_ADVANCE = (
    update(_nudge)
    .where(_nudge.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(next_due_at=bindparam("b_next"), enabled=bindparam("b_enabled"), updated_at=bindparam("b_now"))
)


def due_query(now: datetime, limit: int) -> Any:
    return (
        select(Nudge.id, Nudge.member_id, Nudge.day, Nudge.at_time, Nudge.timezone, Nudge.next_due_at)
        .where(Nudge.next_due_at <= now, Nudge.enabled.is_(True), Nudge.dm_blocked.is_(False))
        .order_by(Nudge.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


class NudgeService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    # -- commands ----------------------------------------------------------------------------

    async def turn_on(
        self, who: Who, day: str | None = None, at: str | None = None, timezone: str | None = None
    ) -> NudgeSettings:
        """Opt in (or change the day, time, zone). Omitted options keep their previous value."""
        # Parse first: bad input changes nothing.
        new_day = parse_day(day) if day is not None else None
        new_time = parse_hhmm(at) if at is not None else None
        new_tz = parse_timezone(timezone) if timezone is not None else None
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            assert member.id is not None
            assert club.id is not None
            row = await self._row(session, member.id)
            if row is None:
                try:
                    async with session.begin_nested():
                        row = Nudge(
                            member_id=member.id, club_id=club.id, timezone=club.timezone,
                            at_time=format_hhmm(DEFAULT_TIME), created_at=now, updated_at=now,
                        )
                        session.add(row)
                except IntegrityError:
                    row = await self._row(session, member.id)
                    assert row is not None
            if new_day is not None:
                row.day = new_day
            if new_time is not None:
                row.at_time = format_hhmm(new_time)
            if new_tz is not None:
                row.timezone = new_tz
            row.enabled = True
            row.dm_blocked = False
            row.next_due_at = nudge_due_at(
                now, row.day or last_day_of_week(club.week_start), parse_hhmm(row.at_time), row.timezone,
                club.timezone, club.week_start,
            )
            row.updated_at = now
            session.add(row)
            await session.commit()
            return _settings(row, club)

    async def turn_off(self, who: Who) -> bool:
        now = self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
            row = await self._row(session, member.id) if member and member.id else None
            if row is None or not row.enabled:
                await session.commit()
                return False
            row.enabled = False
            row.next_due_at = None
            row.updated_at = now
            session.add(row)
            await session.commit()
            return True

    async def status(self, who: Who) -> NudgeStatus:
        now = self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
            if club is None or member is None or member.id is None:
                return NudgeStatus(None, routine_done=False, nudged_this_week=False)
            row = await self._row(session, member.id, lock=False)
            key = week_key(local_date(now, club.timezone), club.week_start)
            done = await session.execute(
                select(Checkin.id).where(
                    Checkin.member_id == member.id, Checkin.kind == Kind.ROUTINE.value, Checkin.period_key == key
                )
            )
            nudged = await session.execute(
                select(SendClaim.id).where(
                    SendClaim.kind == KIND, SendClaim.subject_id == member.id, SendClaim.period_key == key
                )
            )
            return NudgeStatus(
                settings=_settings(row, club) if row is not None else None,
                routine_done=done.first() is not None,
                nudged_this_week=nudged.first() is not None,
            )

    # -- the tick ----------------------------------------------------------------------------

    async def claim_due(self, now: datetime | None = None, limit: int = CLAIM_BATCH) -> list[DueNudge]:
        """Claim due nudges, move each row to next week, commit; return the ones to send.

        Not sent (the row still moves on): a nudge whose club-week is already over (the bot was
        down), a member who has this week's routine in, one already nudged this week, one who left.
        """
        now = now or self._clock.now()
        due: list[DueNudge] = []
        async with self._sessions() as session:
            rows = (await session.execute(due_query(now, limit))).all()
            if not rows:
                await session.commit()
                return []
            people = await _people(session, [row.member_id for row in rows])
            # (next due, still on) -> row ids: members share their next instant, so a batch is a few UPDATEs.
            moves: dict[tuple[datetime | None, bool], list[int]] = defaultdict(list)
            candidates: list[tuple[Any, Any, str, datetime]] = []
            for row in rows:
                person = people.get(row.member_id)
                if person is None:
                    continue
                user_id, left_at, guild_id, channel_id, club_tz, week_start, locale, club_language = person
                day = row.day or last_day_of_week(week_start)
                try:
                    nxt = nudge_due_at(now, day, parse_hhmm(row.at_time), row.timezone, club_tz, week_start)
                except (ValueError, KeyError, InvalidInput) as error:
                    log.warning("nudge %s has unusable settings, switching it off: %s", row.id, error)
                    moves[(None, False)].append(row.id)
                    continue
                if left_at is not None:
                    moves[(None, False)].append(row.id)
                    continue
                moves[(nxt, True)].append(row.id)
                due_week = week_key(local_date(row.next_due_at, club_tz), week_start)
                if due_week != week_key(local_date(now, club_tz), week_start):
                    continue  # that week closed while nobody was running: no late nudge
                candidates.append((row, person, due_week, _week_end(now, club_tz, week_start)))
            if candidates:
                done = await _routines_in(session, {(row.member_id, key) for row, _p, key, _e in candidates})
                wanted = [(row, person, key, end) for row, person, key, end in candidates
                          if (row.member_id, key) not in done]
                won = await claim_once(
                    session, KIND, [ClaimKey(row.member_id, key, row.member_id) for row, _p, key, _e in wanted], now
                )
                for row, person, key, end in wanted:
                    claim = won.get((row.member_id, key))
                    if claim is None:
                        continue  # nudged already this week
                    user_id, _left, guild_id, channel_id, _tz, _ws, locale, club_language = person
                    due.append(DueNudge(claim, row.id, row.member_id, guild_id, user_id, channel_id,
                                        row.next_due_at, end, locale, club_language))
            for (nxt, enabled), ids in moves.items():
                await session.execute(_ADVANCE, {"b_ids": ids, "b_next": nxt, "b_enabled": enabled, "b_now": now})
            await session.commit()
        return due

    async def has_due(self, now: datetime | None = None) -> bool:
        now = now or self._clock.now()
        async with self._sessions() as session:
            found = await session.execute(due_query(now, 1))
            return found.first() is not None

    async def rebuild(self, claims: Sequence[tuple[SendClaim, Claim]]) -> list[DueNudge]:
        """The nudges of claims taken again (a crash or a shutdown cut their send short), while their
        club-week is open, the member is still in, and the routine is not in yet."""
        now = self._clock.now()
        due: list[DueNudge] = []
        async with self._sessions() as session:
            people = await _people(session, [row.subject_id for row, _claim in claims])
            done = await _routines_in(session, {(row.subject_id, row.period_key) for row, _claim in claims})
            for row, claim in claims:
                person = people.get(row.subject_id)
                nudge = await self._row(session, row.subject_id, lock=False)
                if person is None or nudge is None or (row.subject_id, row.period_key) in done:
                    continue
                user_id, left_at, guild_id, channel_id, club_tz, week_start, locale, club_language = person
                end = _week_end(now, club_tz, week_start)
                if left_at is not None or week_key(local_date(now, club_tz), week_start) != row.period_key:
                    continue  # gone, or that week closed meanwhile: no late nudge
                assert nudge.id is not None
                due.append(DueNudge(claim, nudge.id, row.subject_id, guild_id, user_id, channel_id,
                                    row.claimed_at, end, locale, club_language))
            await session.commit()
        return due

    async def mark_dm_blocked(self, nudge_id: int) -> bool:
        """Stop nudging a member whose DMs are closed. True only the first time (for a one-off notice)."""
        return await block_dms_once(self._sessions, Nudge, nudge_id, self._clock.now())

    async def _row(self, session: AsyncSession, member_id: int, *, lock: bool = True) -> Nudge | None:
        query = select(Nudge).where(Nudge.member_id == member_id)
        if lock:
            query = query.with_for_update(of=Nudge)
        return (await session.execute(query)).scalar_one_or_none()


def _week_end(now: datetime, tz: str, week_start: str) -> datetime:
    start = week_start_date(local_date(now, tz), week_start)
    return local_midnight_utc(start + timedelta(days=7), tz)


async def _people(session: AsyncSession, member_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    query = (
        select(Member.id, Member.user_id, Member.left_at, Club.guild_id, Club.channel_id, Club.timezone,
               Club.week_start, Member.locale, Club.language)
        .join(Club, Club.id == Member.club_id)
        .where(Member.id.in_(member_ids))
    )
    return {member_id: tuple(rest) for member_id, *rest in await session.execute(query)}


async def _routines_in(session: AsyncSession, wanted: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (member, club-week) pairs already have the routine checked in."""
    member_ids = sorted({m for m, _ in wanted})
    keys = sorted({k for _, k in wanted})
    found = await session.execute(
        select(Checkin.member_id, Checkin.period_key).where(
            Checkin.member_id.in_(member_ids), Checkin.kind == Kind.ROUTINE.value, Checkin.period_key.in_(keys)
        )
    )
    return {(m, k) for m, k in found} & wanted
