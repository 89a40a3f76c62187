"""What the charts show: a club's last weeks, a member's last weeks day by day, a member's test results.

Everything is counted in the club's own calendar (its time zone and first day of the week), and club
figures leave out members who hid, left or hold an excluded role, exactly as the boards do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from bot.content.schema import Content
from bot.core.checkins import member_streak
from bot.core.clock import Clock
from bot.core.leaderboard import visible_members
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import Kind
from bot.core.timeutil import local_date, week_start_date
from bot.db.engine import SessionFactory
from bot.db.models import Checkin, Member
from bot.db.repo import get_club, recent_test_results

WEEKS = 12
# A day's square shows the biggest thing done that day.
DAY_ORDER = (Kind.ROUTINE, Kind.EXTRA, Kind.STRETCH, Kind.STANDUP)


@dataclass(frozen=True)
class WeekTotal:
    week_start: date
    members: int  # visible members who did the routine that week
    points: int  # visible members' points that week


@dataclass(frozen=True)
class MemberDays:
    first_day: date  # first day of the oldest of the 12 weeks
    days: dict[date, str] = field(default_factory=dict)  # day -> strongest kind (DAY_ORDER)
    current_streak: int = 0
    best_streak: int = 0
    week_points: int = 0
    today: date | None = None  # the club's local date: the calendar marks it and leaves later days blank
    weekly_points: tuple[int, ...] = ()  # points of each of the weeks from ``first_day``, oldest first


def weekly_points(first_day: date, weeks: int, checkins: Iterable[tuple[date, int]]) -> tuple[int, ...]:
    """Points per week for ``weeks`` weeks from ``first_day`` (a week start), oldest first.

    ``checkins`` are (local day, points); days before ``first_day`` or after the last week are left out.
    """
    totals = [0] * weeks
    for day, points in checkins:
        index = (day - first_day).days // 7
        if 0 <= index < weeks:
            totals[index] += int(points)
    return tuple(totals)


@dataclass(frozen=True)
class TestEntry:
    test_slug: str
    side: str
    outcome: str
    at: datetime


class HistoryService:
    def __init__(self, sessions: SessionFactory, content: Content, clock: Clock) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock

    async def club_weeks(self, guild_id: int, at: datetime | None = None, weeks: int = WEEKS) -> list[WeekTotal]:
        """The ``weeks`` club-weeks that ended before ``at`` (oldest first): the board post's weeks."""
        at = at or self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            if club is None:
                return []
            end = week_start_date(local_date(at, club.timezone), club.week_start)
            start = end - timedelta(days=7 * weeks)
            rows = (
                await session.execute(
                    select(
                        Checkin.local_date,
                        func.sum(case((Checkin.kind == Kind.ROUTINE.value, 1), else_=0)),
                        func.sum(Checkin.points),
                    )
                    .join(Member, Member.id == Checkin.member_id)
                    .where(Checkin.club_id == club.id, Checkin.local_date >= start, Checkin.local_date < end,
                           *visible_members(club))
                    .group_by(Checkin.local_date)
                )
            ).all()
        members = [0] * weeks
        points = [0] * weeks
        for day, routines, pts in rows:
            index = (day - start).days // 7
            # The routine counts once per member and club-week, so summing days counts members.
            members[index] += int(routines or 0)
            points[index] += int(pts or 0)
        return [WeekTotal(start + timedelta(days=7 * i), members[i], points[i]) for i in range(weeks)]

    async def member_days(self, who: Who, weeks: int = WEEKS) -> MemberDays:
        """The member's last ``weeks`` club-weeks up to today, each day's strongest activity, and streaks."""
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            await session.commit()
            assert member.id is not None
            today = local_date(now, club.timezone)
            this_week = week_start_date(today, club.week_start)
            first = this_week - timedelta(days=7 * (weeks - 1))
            rows = (
                await session.execute(
                    select(Checkin.local_date, Checkin.kind, Checkin.points).where(
                        Checkin.member_id == member.id, Checkin.local_date >= first
                    )
                )
            ).all()
            streak = await member_streak(session, club, member.id, today)
        rank = {kind.value: n for n, kind in enumerate(DAY_ORDER)}
        days: dict[date, str] = {}
        for day, kind, _pts in rows:
            if kind in rank and (day not in days or rank[kind] < rank[days[day]]):
                days[day] = kind
        weeks_points = weekly_points(first, weeks, ((day, pts) for day, _kind, pts in rows))
        return MemberDays(first, days, streak.current, streak.longest, weeks_points[-1], today, weeks_points)

    async def test_entries(self, who: Who, limit: int = 200) -> list[TestEntry]:
        """The member's self-test results, oldest first (only tests that still exist)."""
        async with self._sessions() as session:
            _club, member = await ensure_club_and_member(session, who, self._clock.now())
            await session.commit()
            rows = await recent_test_results(session, member.id, limit)
            entries = [TestEntry(r.test_slug, r.side, r.outcome, r.created_at) for r in rows
                       if r.test_slug in self._content.selftests]
        return entries[::-1]
