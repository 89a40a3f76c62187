"""The weekly winner role's bookkeeping against real SQLite and PostgreSQL: winners, ties, hidden, holders."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core.checkins import CheckinService, Who
from bot.core.clock import ManualClock
from bot.core.clubs import ClubService
from bot.core.errors import InvalidInput, NotFound
from bot.core.leaderboard import LeaderboardService
from bot.core.points import Kind
from bot.core.privacy import PrivacyService
from bot.core.winner_role import WinnerRoleService
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.models import WinnerHolder

GUILD = 444 << 22
ROLE = 9_000_001
COACH = 9_000_002
WED = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def who(n: int, roles: tuple[int, ...] = ()) -> Who:
    return Who(guild_id=GUILD, user_id=8000 + n, display_name=f"runner{n}", role_ids=roles)


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    checkins: CheckinService
    boards: LeaderboardService
    roles: WinnerRoleService

    async def week(self, points: dict[int, list[Kind]], roles: dict[int, tuple[int, ...]] | None = None) -> None:
        for n, kinds in points.items():
            for kind in kinds:
                await self.checkins.record(who(n, (roles or {}).get(n, ())), kind)

    async def rotate(self, at: datetime) -> tuple[tuple[int, ...], tuple[int, ...]]:
        self.clock.set(at)
        board = await self.boards.finished_week(GUILD, at=at)
        changes = await self.roles.rotate(GUILD, board)
        assert changes is not None
        return tuple(u - 8000 for u in changes.add), tuple(u - 8000 for u in changes.remove)


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(WED)
    checkins = CheckinService(sessions, clock)
    yield Env(sessions, clock, checkins, LeaderboardService(sessions, clock),
              WinnerRoleService(sessions, clock))
    await checkins.close()
    await engine.dispose()


async def test_top_members_with_ties_get_it_and_last_weeks_holders_lose_it(env: Env) -> None:
    await env.roles.configure(GUILD, ROLE, 1)
    # Members 1 and 2 tie on top; 3 has fewer points.
    await env.week({1: [Kind.ROUTINE, Kind.EXTRA], 2: [Kind.ROUTINE, Kind.EXTRA], 3: [Kind.ROUTINE]})
    assert await env.rotate(NEXT_MONDAY) == ((1, 2), ())
    env.clock.set(NEXT_MONDAY + timedelta(hours=2))
    await env.week({3: [Kind.ROUTINE, Kind.EXTRA], 2: [Kind.ROUTINE]})
    assert await env.rotate(NEXT_MONDAY + timedelta(days=7)) == ((3,), (1, 2))


async def test_winners_counts_places_and_nobody_without_points(env: Env) -> None:
    await env.roles.configure(GUILD, ROLE, 3)
    await env.week({1: [Kind.ROUTINE, Kind.EXTRA], 2: [Kind.ROUTINE], 3: [Kind.ROUTINE], 4: [Kind.STRETCH]})
    assert await env.rotate(NEXT_MONDAY) == ((1, 2, 3), ())
    # A week in which nobody did anything: the role leaves everyone.
    assert await env.rotate(NEXT_MONDAY + timedelta(days=7)) == ((), (1, 2, 3))


async def test_hidden_members_and_excluded_roles_never_get_it(env: Env) -> None:
    await env.roles.configure(GUILD, ROLE, 1)
    await ClubService(env.sessions, None, env.clock).set_excluded_roles(GUILD, [COACH])  # type: ignore[arg-type]
    await env.week({1: [Kind.ROUTINE, Kind.EXTRA, Kind.STRETCH], 2: [Kind.ROUTINE, Kind.EXTRA], 3: [Kind.ROUTINE]},
                   roles={2: (COACH,)})
    await PrivacyService(env.sessions, env.clock).set_hidden(who(1), True)
    assert await env.rotate(NEXT_MONDAY) == ((3,), ())


@pytest.mark.parametrize("winners", [0, 11, -1, 99])
async def test_winners_out_of_range_is_refused_and_nothing_stored(env: Env, winners: int) -> None:
    with pytest.raises(InvalidInput):
        await env.roles.configure(GUILD, ROLE, winners)
    assert await env.roles.get(GUILD) is None


async def test_clear_returns_the_holders_and_forgets_the_role(env: Env) -> None:
    await env.roles.configure(GUILD, ROLE, 2)
    await env.week({1: [Kind.ROUTINE], 2: [Kind.ROUTINE]})
    await env.rotate(NEXT_MONDAY)
    changes = await env.roles.clear(GUILD)
    assert (changes.role_id, sorted(u - 8000 for u in changes.remove)) == (ROLE, [1, 2])
    assert await env.roles.get(GUILD) is None
    with pytest.raises(NotFound):
        await env.roles.clear(GUILD)
    board = await env.boards.finished_week(GUILD, at=NEXT_MONDAY)
    assert await env.roles.rotate(GUILD, board) is None


async def test_export_lists_the_members_wins_and_forget_removes_them(env: Env) -> None:
    privacy = PrivacyService(env.sessions, env.clock)
    await env.roles.configure(GUILD, ROLE, 1)
    await env.week({1: [Kind.ROUTINE]})
    await env.rotate(NEXT_MONDAY)
    data = json.loads(await privacy.export(who(1)))
    assert [w["period_key"] for w in data["weekly_winner_role"]] == ["w2026-11-16"]
    await privacy.forget(who(1))
    async with env.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(WinnerHolder))).scalar_one() == 0
