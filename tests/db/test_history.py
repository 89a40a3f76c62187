"""What the charts are drawn from, against real SQLite and PostgreSQL databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.content import Content, load_content
from bot.core.checkins import CheckinService
from bot.core.clock import ManualClock
from bot.core.clubs import ClubChanges, ClubService
from bot.core.history import HistoryService
from bot.core.members import Who
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.models import Member
from bot.db.rowcache import RowCache

GUILD = 222 << 22


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    checkins: CheckinService
    history: HistoryService
    clubs: ClubService

    async def hide(self, user_id: int) -> None:
        async with self.sessions() as session:
            await session.execute(update(Member).where(Member.user_id == user_id).values(hidden=True))
            await session.commit()


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


@pytest.fixture
async def env(db_url: str, content: Content) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(datetime(2026, 11, 4, 12, 0, tzinfo=UTC))  # a Wednesday
    rows = RowCache()  # shared as in the bot: club changes through ClubService reach the check-in path
    checkins = CheckinService(sessions, clock, rows)
    yield Env(
        sessions, clock, checkins, HistoryService(sessions, content, clock),
        ClubService(sessions, content, clock, rows),
    )
    await checkins.close()
    await engine.dispose()


def who(n: int, roles: tuple[int, ...] = ()) -> Who:
    return Who(guild_id=GUILD, user_id=2000 + n, display_name=f"runner{n}", role_ids=roles)


async def test_club_weeks_count_visible_members_in_the_club_calendar(env: Env) -> None:
    await env.checkins.record(who(1), "routine")
    await env.checkins.record(who(1), "stretch")
    await env.checkins.record(who(2), "routine")
    await env.checkins.record(who(3, roles=(555,)), "routine")  # a coach: excluded role
    await env.checkins.record(who(4), "routine")
    await env.hide(who(4).user_id)
    await env.clubs.set_excluded_roles(GUILD, [555])
    await env.clubs.configure(GUILD, ClubChanges(timezone="America/Los_Angeles"))
    # Sunday 23:30 in Los Angeles is Monday 07:30 UTC: still the week of 2 Nov there.
    env.clock.set(datetime(2026, 11, 9, 7, 30, tzinfo=UTC))
    await env.checkins.record(who(1), "extra")

    env.clock.set(datetime(2026, 11, 10, 12, 0, tzinfo=UTC))
    weeks = await env.history.club_weeks(GUILD)
    assert len(weeks) == 12
    assert weeks[-1].week_start == date(2026, 11, 2)
    assert weeks[0].week_start == date(2026, 8, 17)
    assert [w.members for w in weeks] == [0] * 11 + [2]
    assert weeks[-1].points == 10 + 2 + 10 + 5
    assert sum(w.points for w in weeks[:-1]) == 0


async def test_club_weeks_of_an_unknown_club_are_empty(env: Env) -> None:
    assert await env.history.club_weeks(GUILD + 1) == []


async def test_member_days_keep_the_strongest_activity_and_the_streaks(env: Env) -> None:
    await env.checkins.record(who(1), "standup")
    await env.checkins.record(who(1), "stretch")
    await env.checkins.record(who(1), "routine")
    env.clock.advance(timedelta(days=1))
    await env.checkins.record(who(1), "standup")
    env.clock.advance(timedelta(days=7))
    await env.checkins.record(who(1), "routine")

    days = await env.history.member_days(who(1))
    assert days.first_day == date(2026, 11, 9) - timedelta(weeks=11)
    assert days.days == {date(2026, 11, 4): "routine", date(2026, 11, 5): "standup", date(2026, 11, 12): "routine"}
    assert days.current_streak == 2
    assert days.best_streak == 2
    assert days.week_points == 10
    # Every one of the twelve weeks has its points, this week last: the card shows them all, not only this week.
    assert len(days.weekly_points) == 12
    assert days.weekly_points[-1] == days.week_points
    assert days.weekly_points[:10] == (0,) * 10
    assert days.weekly_points[-2] > 0
