"""Recording check-ins under the anti-gaming rules, and what a member sees afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.errors import InvalidInput, NotFound
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import LABELS, POINTS, STANDUP_DAILY_CAP, UNDO_WINDOW_MINUTES, Kind
from bot.core.streaks import Streak, weekly_streak
from bot.core.timeutil import local_date, week_key, week_start_date
from bot.db.engine import SessionFactory
from bot.db.models import Checkin, Club, Member


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


async def week_standing(session: AsyncSession, club: Club, member_id: int, today: date) -> tuple[int | None, int]:
    """(place this week among all members, own points this week); place is None with no points."""
    start = week_start_date(today, club.week_start)
    end = start + timedelta(days=7)
    totals = (
        select(Checkin.member_id, func.sum(Checkin.points).label("pts"))
        .where(Checkin.club_id == club.id, Checkin.local_date >= start, Checkin.local_date < end)
        .group_by(Checkin.member_id)
        .subquery()
    )
    mine = (await session.execute(select(totals.c.pts).where(totals.c.member_id == member_id))).scalar()
    if not mine:
        return None, 0
    ahead = (await session.execute(select(func.count()).where(totals.c.pts > mine))).scalar_one()
    return int(ahead) + 1, int(mine)


class CheckinService:
    """Records check-ins; the database's unique constraint makes a double press count once."""

    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def record(self, who: Who, kind: Kind | str, *, when: str = "today") -> CheckinResult:
        kind = Kind(kind)
        if when not in ("today", "yesterday"):
            raise InvalidInput("You can log `today` or `yesterday`, nothing earlier and nothing in the future.")
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            assert member.id is not None
            assert club.id is not None
            today = local_date(now, club.timezone)
            day = today - timedelta(days=1) if when == "yesterday" else today
            counted, note = await self._insert(session, club, member, kind, day, now)
            await session.commit()
            streak = await member_streak(session, club, member.id, today)
            place, week_points = await week_standing(session, club, member.id, today)
        return CheckinResult(
            counted=counted,
            kind=kind,
            points=POINTS[kind] if counted else 0,
            local_date=day,
            message=note,
            streak=streak,
            place=place,
            week_points=week_points,
        )

    async def _insert(
        self, session: AsyncSession, club: Club, member: Member, kind: Kind, day: date, now: datetime
    ) -> tuple[bool, str]:
        assert member.id is not None
        assert club.id is not None
        label = LABELS[kind]
        slots = range(1, STANDUP_DAILY_CAP + 1) if kind is Kind.STANDUP else range(1, 2)
        if kind is Kind.STANDUP:
            used = (
                await session.execute(
                    select(func.count()).where(
                        Checkin.member_id == member.id,
                        Checkin.kind == kind.value,
                        Checkin.local_date == day,
                    )
                )
            ).scalar_one()
            slots = range(int(used) + 1, STANDUP_DAILY_CAP + 1)
        for slot in slots:
            row = Checkin(
                member_id=member.id,
                club_id=club.id,
                kind=kind.value,
                local_date=day,
                period_key=period_key(kind, day, club.week_start, slot),
                points=POINTS[kind],
                created_at=now,
            )
            try:
                async with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                continue
            return True, f"Counted: {label} (+{POINTS[kind]})."
        if kind is Kind.STANDUP:
            return False, f"Stand-ups count up to {STANDUP_DAILY_CAP} times a day; today's are all in. Keep moving!"
        scope = "this week" if kind is Kind.ROUTINE else "for that day"
        return False, f"Already counted: your {label} {scope} is in. Nothing changed."

    async def undo_last(self, who: Who) -> str:
        """Remove the member's most recent check-in if it is under the undo window old."""
        now = self._clock.now()
        async with self._sessions() as session:
            _club, member = await ensure_club_and_member(session, who, now)
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
            await session.commit()
        return f"Undone: {LABELS[Kind(last.kind)]} on {last.local_date.isoformat()} (−{last.points})."
