"""Recording check-ins under the anti-gaming rules, and what a member sees afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.errors import InvalidInput, NotFound
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import LABELS, POINTS, STANDUP_DAILY_CAP, UNDO_WINDOW_MINUTES, Kind
from bot.core.streaks import Streak, weekly_streak
from bot.core.timeutil import board_periods, local_date, month_start_date, next_month_start, week_key, week_start_date
from bot.db.checkin_writer import (
    AHEAD,
    CHECKIN_INSERT,
    MEMBER_UPSERT,
    PG_PRESS_PARAMS,
    PG_PRESS_POSITIONAL,
    ROUTINE_WEEKS,
    WEEK_POINTS,
    Press,
    SqliteCheckinWriter,
    statement,
)
from bot.db.engine import SessionFactory
from bot.db.models import Checkin, Club
from bot.db.press_pool import PressPool
from bot.db.repo import clean_name, ensure_club, get_club, get_member
from bot.db.rowcache import ClubRow, MemberRow, RowCache
from bot.db.totals import PeriodRange
from bot.db.totals import add as add_to_totals
from bot.db.totals import recount as recount_totals


@dataclass(frozen=True)
class CheckinResult:
    counted: bool
    kind: Kind
    points: int
    local_date: date
    message: str
    streak: Streak
    place: int | None
    week_points: int


def period_key(kind: Kind, day: date, week_start: str, slot: int = 1) -> str:
    if kind is Kind.ROUTINE:
        return week_key(day, week_start)
    if kind is Kind.STANDUP:
        return f"d{day.isoformat()}#{slot}"
    return f"d{day.isoformat()}"


async def routine_done(session: AsyncSession, club: Club, member_id: int, today: date) -> bool:
    """Whether the member has the routine in for the club-week containing ``today``."""
    found = await session.execute(
        select(Checkin.id).where(
            Checkin.member_id == member_id,
            Checkin.kind == Kind.ROUTINE.value,
            Checkin.period_key == week_key(today, club.week_start),
        )
    )
    return found.first() is not None


async def routine_weeks(session: AsyncSession, member_id: int) -> list[date]:
    rows = await session.execute(
        select(Checkin.period_key).where(Checkin.member_id == member_id, Checkin.kind == Kind.ROUTINE.value)
    )
    return [date.fromisoformat(key[1:]) for (key,) in rows]


async def member_streak(session: AsyncSession, club: Club, member_id: int, today: date) -> Streak:
    return weekly_streak(await routine_weeks(session, member_id), week_start_date(today, club.week_start))


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which has ON CONFLICT on both SQLite and PostgreSQL."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _note(kind: Kind, counted: bool) -> str:
    label = LABELS[kind]
    if counted:
        return f"Counted: {label} (+{POINTS[kind]})."
    if kind is Kind.STANDUP:
        return f"Stand-ups count up to {STANDUP_DAILY_CAP} times a day; today's are all in. Keep moving!"
    scope = "this week" if kind is Kind.ROUTINE else "for that day"
    return f"Already counted: your {label} {scope} is in. Nothing changed."


def total_ranges(day: date, week_start: str) -> dict[str, PeriodRange]:
    """The running-total periods ``day`` counts towards, with their date ranges (for a recount)."""
    all_time, month, week = board_periods(day, week_start)
    start = week_start_date(day, week_start)
    return {
        all_time: (None, None),
        month: (month_start_date(day), next_month_start(day)),
        week: (start, start + timedelta(days=7)),
    }


class CheckinService:
    """Records check-ins; the database's unique constraint makes a double press count once.

    One short transaction per press: the check-in (``INSERT … ON CONFLICT DO NOTHING``), the
    member's running totals, the week standing from those totals. Club and member rows come from
    ``rows`` after the first press. On a SQLite file, where one writer runs at a time, presses go
    through a write queue that commits the presses waiting together in one transaction
    (bot/db/checkin_writer.py) instead of polling the database's busy timeout.
    """

    def __init__(self, sessions: SessionFactory, clock: Clock, rows: RowCache | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self._rows = rows or RowCache()
        engine = sessions.kw.get("bind")
        self._queue: SqliteCheckinWriter | None = None
        if engine is not None and engine.url.get_backend_name() == "sqlite" and engine.url.database not in (
            None, "", ":memory:"
        ):
            self._queue = SqliteCheckinWriter(engine.url.database)
        self._postgres = engine is not None and engine.url.get_backend_name() == "postgresql"
        self._press_pool = PressPool(engine, warm=(PG_PRESS_POSITIONAL,)) if self._postgres else None

    async def close(self) -> None:
        """Stop the write queue's thread or close the press connections (whichever there is)."""
        if self._queue is not None:
            await self._queue.close()
        if self._press_pool is not None:
            await self._press_pool.close()

    async def _resolve(self, session: AsyncSession, who: Who, now: datetime) -> tuple[ClubRow, int]:
        """The club's calendar and the member's id, from memory when nothing about them changed."""
        club = self._rows.club(who.guild_id)
        cached = self._rows.member(who.guild_id, who.user_id)
        roles = ",".join(str(r) for r in sorted(who.role_ids))
        if (
            club is not None
            and cached is not None
            and cached.display_name == clean_name(who.display_name)
            and cached.role_ids == roles
        ):
            return club, cached.id
        if club is None:
            full_club = await ensure_club(session, who.guild_id, now)
            club = ClubRow.of(full_club)
            self._rows.put_club(who.guild_id, club)
        # One statement creates the member or refreshes their snapshot (a returning member is back on boards).
        name = clean_name(who.display_name)
        member = {"club_id": club.id, "user_id": who.user_id, "display_name": name, "role_ids": roles, "at": now,
                  "in_server": who.in_server}
        member_id = int((await session.execute(statement(MEMBER_UPSERT), member)).scalar_one())
        self._rows.put_member(who.guild_id, who.user_id, MemberRow(member_id, name, roles))
        return club, member_id

    async def who_in_dm(self, guild_id: int, user_id: int, display_name: str) -> Who:
        """The member behind a button pressed in a DM, with the name and roles last seen in the server."""
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            member = await get_member(session, club.id, user_id) if club and club.id else None
        if member is None:
            return Who(guild_id=guild_id, user_id=user_id, display_name=display_name)
        roles = tuple(int(r) for r in member.role_ids.split(",") if r)
        return Who(guild_id=guild_id, user_id=user_id, display_name=member.display_name, role_ids=roles)

    async def record(self, who: Who, kind: Kind | str, *, when: str = "today") -> CheckinResult:
        kind = Kind(kind)
        if when not in ("today", "yesterday"):
            raise InvalidInput("You can log `today` or `yesterday`, nothing earlier and nothing in the future.")
        now = self._clock.now()
        for attempt in (1, 2):
            try:
                return await self._record(who, kind, when, now)
            except IntegrityError:
                # A cached member row that another path deleted (forgotten, purged): look it up again.
                self._rows.drop_member(who.guild_id, who.user_id)
                self._rows.drop_club(who.guild_id)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _club_row(self, guild_id: int, now: datetime) -> ClubRow:
        """The club's settings for the press path: from the row cache, else read (or made) once and cached."""
        club = self._rows.club(guild_id)
        if club is None:
            async with self._sessions() as session:
                full = await ensure_club(session, guild_id, now)
                await session.commit()
            club = ClubRow.of(full)
            self._rows.put_club(guild_id, club)
        return club

    async def _one_statement(self, who: Who, kind: Kind, when: str, now: datetime) -> CheckinResult:
        """PostgreSQL: the whole press in one statement (``PG_PRESS``): atomic on its own, so it runs
        without BEGIN/COMMIT round trips."""
        assert self._press_pool is not None
        club = await self._club_row(who.guild_id, now)
        today = local_date(now, club.timezone)
        day = today - timedelta(days=1) if when == "yesterday" else today
        p0, p1, p2 = board_periods(day, club.week_start)
        params = {
            "club_id": club.id, "user_id": who.user_id, "display_name": clean_name(who.display_name),
            "role_ids": ",".join(str(r) for r in sorted(who.role_ids)), "at": now, "kind": kind.value,
            "local_date": day, "period_key": period_key(kind, day, club.week_start), "points": POINTS[kind],
            "routines": 1 if kind is Kind.ROUTINE else 0, "week": week_key(today, club.week_start),
            "p0": p0, "p1": p1, "p2": p2, "in_server": who.in_server,
        }
        # The driver directly: the statement is fixed, and the press path is where the CPU counts.
        row = await self._press_pool.fetchrow(PG_PRESS_POSITIONAL, *(params[name] for name in PG_PRESS_PARAMS))
        assert row is not None
        counted = bool(row["counted"])
        return CheckinResult(
            counted=counted,
            kind=kind,
            points=POINTS[kind] if counted else 0,
            local_date=day,
            message=_note(kind, counted),
            streak=weekly_streak(
                [date.fromisoformat(key[1:]) for key in row["weeks"]], week_start_date(today, club.week_start)
            ),
            place=int(row["ahead"]) + 1 if row["week_points"] else None,
            week_points=int(row["week_points"]),
        )

    async def _queued(
        self, queue: SqliteCheckinWriter, who: Who, kind: Kind, when: str, now: datetime
    ) -> CheckinResult:
        club = await self._club_row(who.guild_id, now)
        name = clean_name(who.display_name)
        roles = ",".join(str(r) for r in sorted(who.role_ids))
        cached = self._rows.member(who.guild_id, who.user_id)
        known = cached.id if cached is not None and (cached.display_name, cached.role_ids) == (name, roles) else None
        today = local_date(now, club.timezone)
        day = today - timedelta(days=1) if when == "yesterday" else today
        slots = range(1, STANDUP_DAILY_CAP + 1) if kind is Kind.STANDUP else range(1, 2)
        out = await queue.write(
            Press(
                club_id=club.id, user_id=who.user_id, member_id=known, display_name=name, role_ids=roles,
                in_server=who.in_server,
                kind=kind.value, local_date=day,
                slot_keys=tuple(period_key(kind, day, club.week_start, slot) for slot in slots),
                points=POINTS[kind], routine=kind is Kind.ROUTINE, total_periods=board_periods(day, club.week_start),
                this_week=week_key(today, club.week_start), at=now,
            )
        )
        if known is None:
            self._rows.put_member(who.guild_id, who.user_id, MemberRow(out.member_id, name, roles))
        return CheckinResult(
            counted=out.counted,
            kind=kind,
            points=POINTS[kind] if out.counted else 0,
            local_date=day,
            message=_note(kind, out.counted),
            streak=weekly_streak(
                [date.fromisoformat(key[1:]) for key in out.routine_weeks], week_start_date(today, club.week_start)
            ),
            place=out.place,
            week_points=out.week_points,
        )

    async def _record(self, who: Who, kind: Kind, when: str, now: datetime) -> CheckinResult:
        if self._queue is not None:
            return await self._queued(self._queue, who, kind, when, now)
        if self._postgres and kind is not Kind.STANDUP:
            return await self._one_statement(who, kind, when, now)
        async with self._sessions() as session:
            club, member_id = await self._resolve(session, who, now)
            today = local_date(now, club.timezone)
            day = today - timedelta(days=1) if when == "yesterday" else today
            counted, totals = await self._insert(session, club, member_id, kind, day, now)
            this_week = week_key(today, club.week_start)
            week_points = totals.get(this_week)
            if week_points is None:
                mine = {"member_id": member_id, "period": this_week}
                week_points = (await session.execute(statement(WEEK_POINTS), mine)).scalar() or 0
            place = None
            if week_points:
                standing = {"club_id": club.id, "period": this_week, "points": week_points}
                place = int((await session.execute(statement(AHEAD), standing)).scalar_one()) + 1
            keys = await session.execute(statement(ROUTINE_WEEKS), {"member_id": member_id})
            weeks = [date.fromisoformat(key[1:]) for (key,) in keys]
            await session.commit()
        return CheckinResult(
            counted=counted,
            kind=kind,
            points=POINTS[kind] if counted else 0,
            local_date=day,
            message=_note(kind, counted),
            streak=weekly_streak(weeks, week_start_date(today, club.week_start)),
            place=place,
            week_points=int(week_points),
        )

    async def _insert(
        self, session: AsyncSession, club: ClubRow, member_id: int, kind: Kind, day: date, now: datetime
    ) -> tuple[bool, dict[str, int]]:
        slots = range(1, 2)
        if kind is Kind.STANDUP:
            used = (
                await session.execute(
                    select(func.count()).where(
                        Checkin.member_id == member_id,
                        Checkin.kind == kind.value,
                        Checkin.local_date == day,
                    )
                )
            ).scalar_one()
            slots = range(int(used) + 1, STANDUP_DAILY_CAP + 1)
        row = {"member_id": member_id, "club_id": club.id, "kind": kind.value, "local_date": day,
               "points": POINTS[kind], "at": now}
        for slot in slots:
            key = period_key(kind, day, club.week_start, slot)
            if (await session.execute(statement(CHECKIN_INSERT), {**row, "period_key": key})).scalar() is None:
                continue
            totals = await add_to_totals(
                session, club_id=club.id, member_id=member_id, periods=board_periods(day, club.week_start),
                points=POINTS[kind], routine=kind is Kind.ROUTINE, at=now,
            )
            return True, totals
        return False, {}

    async def undo_last(self, who: Who) -> str:
        """Remove the member's most recent check-in if it is under the undo window old."""
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            last = (
                await session.execute(
                    select(Checkin)
                    .where(Checkin.member_id == member.id)
                    .order_by(Checkin.created_at.desc(), Checkin.id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            if last is None or now - last.created_at > timedelta(minutes=UNDO_WINDOW_MINUTES):
                await session.commit()
                raise NotFound(
                    f"Nothing to undo: only a check-in from the last {UNDO_WINDOW_MINUTES} minutes can be undone."
                )
            await session.execute(delete(Checkin).where(Checkin.id == last.id))
            await recount_totals(
                session, club_id=last.club_id, member_id=last.member_id,
                periods=total_ranges(last.local_date, club.week_start),
            )
            await session.commit()
        return f"Undone: {LABELS[Kind(last.kind)]} on {last.local_date.isoformat()} (−{last.points})."
