"""Personal stats for `/me`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot.core.checkins import member_streak
from bot.core.clock import Clock
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import Kind
from bot.core.timeutil import local_date, month_start_date, next_month_start, week_start_date
from bot.db.engine import SessionFactory
from bot.db.models import Checkin
from bot.db.repo import latest_test_result


@dataclass(frozen=True)
class LastTest:
    test_slug: str
    side: str
    outcome: str
    weak: bool
    at: datetime


@dataclass(frozen=True)
class MyStats:
    week_points: int
    all_points: int
    current_streak: int
    longest_streak: int
    routines_this_month: int
    hidden: bool
    last_test: LastTest | None


class StatsService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def me(self, who: Who) -> MyStats:
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            await session.commit()
            assert member.id is not None
            today = local_date(now, club.timezone)
            week = week_start_date(today, club.week_start)

            async def points_between(start: date | None, end: date | None) -> int:
                query = select(func.coalesce(func.sum(Checkin.points), 0)).where(Checkin.member_id == member.id)
                if start and end:
                    query = query.where(Checkin.local_date >= start, Checkin.local_date < end)
                return int((await session.execute(query)).scalar_one())

            routines = (
                await session.execute(
                    select(func.count()).where(
                        Checkin.member_id == member.id,
                        Checkin.kind == Kind.ROUTINE.value,
                        Checkin.local_date >= month_start_date(today),
                        Checkin.local_date < next_month_start(today),
                    )
                )
            ).scalar_one()
            streak = await member_streak(session, club, member.id, today)
            assert member.id is not None
            last = await latest_test_result(session, member.id)
            return MyStats(
                week_points=await points_between(week, week + timedelta(days=7)),
                all_points=await points_between(None, None),
                current_streak=streak.current,
                longest_streak=streak.longest,
                routines_this_month=int(routines),
                hidden=member.hidden,
                last_test=LastTest(last.test_slug, last.side, last.outcome, last.weak, last.created_at)
                if last
                else None,
            )
