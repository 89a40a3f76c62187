"""Club challenges against real SQLite and PostgreSQL: rules, progress, and results exactly once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.core.challenges import ChallengeService
from bot.core.checkins import CheckinService, Who
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotFound
from bot.core.points import Kind
from bot.core.privacy import PrivacyService
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.models import ChallengeMember, Club
from bot.db.repo import ensure_club

GUILD = 666 << 22
WED = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # club week Monday 16 – Sunday 22 November, UTC
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


def who(n: int) -> Who:
    return Who(guild_id=GUILD, user_id=4000 + n, display_name=f"runner{n}")


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    checkins: CheckinService
    challenges: ChallengeService

    async def results_at(self, at: datetime) -> list[tuple[list[str], int, int]]:
        self.clock.set(at)
        return [(d.results.reached, d.results.hidden_reached, d.results.club_total)
                for d in await self.challenges.claim_due()]


async def with_channel(sessions: SessionFactory, now: datetime) -> None:
    async with sessions() as session:
        club = await ensure_club(session, GUILD, now)
        await session.execute(update(Club).where(Club.id == club.id).values(channel_id=1234))
        await session.commit()


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(WED)
    await with_channel(sessions, WED)
    checkins = CheckinService(sessions, clock)
    yield Env(sessions, clock, checkins, ChallengeService(sessions, clock))
    await checkins.close()
    await engine.dispose()


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"weeks": 0}, "1 to 12 weeks"),
        ({"weeks": 99}, "1 to 12 weeks"),
        ({"target": 0}, "at least 1"),
        ({"name": "x" * 500}, "60 characters"),
        ({"name": "   "}, "name"),
        ({"goal": "routines", "target": 5, "weeks": 4}, "at most 4"),
        ({"goal": "miles"}, "routines"),
        ({"start": "someday"}, "next-week"),
    ],
)
async def test_bad_options_are_refused_and_nothing_starts(env: Env, options: dict, says: str) -> None:
    values = {"name": "Glute November", "weeks": 4, "goal": "points", "target": 50, "start": "this-week", **options}
    with pytest.raises(InvalidInput) as error:
        await env.challenges.start(who(0), **values)
    assert says in error.value.message
    with pytest.raises(NotFound):
        await env.challenges.status(who(0))


async def test_one_challenge_at_a_time_and_the_refusal_names_it(env: Env) -> None:
    info = await env.challenges.start(who(0), "Glute November", 2, "routines", 2, "this-week")
    assert (info.starts_at, info.ends_at) == (MONDAY, MONDAY + timedelta(weeks=2))
    with pytest.raises(InvalidInput) as error:
        await env.challenges.start(who(0), "Another", 3, "points", 10, "next-week")
    assert "Glute November" in error.value.message
    await env.challenges.cancel(GUILD)
    later = await env.challenges.start(who(0), "Another", 3, "points", 10, "next-week")
    assert later.starts_at == MONDAY + timedelta(weeks=1)


async def test_progress_counts_joined_members_inside_the_weeks_and_results_go_once(env: Env) -> None:
    await env.checkins.record(who(1), Kind.ROUTINE)  # before the challenge starts next week: not counted
    await env.challenges.start(who(0), "Two good weeks", 2, "routines", 2, "next-week")
    for n in (1, 2, 3):
        _info, added = await env.challenges.join(who(n))
        assert added
    assert not (await env.challenges.join(who(1)))[1]
    await PrivacyService(env.sessions, env.clock).set_hidden(who(3), True)
    for week in (1, 2):
        env.clock.set(WED + timedelta(weeks=week))
        await env.checkins.record(who(1), Kind.ROUTINE)
        await env.checkins.record(who(3), Kind.ROUTINE)
        await env.checkins.record(who(4), Kind.ROUTINE)  # never joined
    await env.checkins.record(who(2), Kind.ROUTINE)
    status = await env.challenges.status(who(1))
    assert (status.mine, status.club_total, status.members, status.on_track) == (2, 5, 3, 2)
    end = MONDAY + timedelta(weeks=3)
    assert await env.results_at(end - timedelta(seconds=1)) == []
    assert await env.results_at(end) == [(["runner1"], 1, 5)]
    assert await env.results_at(end + timedelta(minutes=1)) == []
    with pytest.raises(NotFound):
        await env.challenges.status(who(1))


async def test_results_after_downtime_go_out_once(env: Env) -> None:
    await env.challenges.start(who(0), "Points", 1, "points", 5, "this-week")
    await env.challenges.join(who(1))
    await env.checkins.record(who(1), Kind.EXTRA)
    assert await env.results_at(MONDAY + timedelta(weeks=5)) == [(["runner1"], 0, 5)]
    assert await env.results_at(MONDAY + timedelta(weeks=6)) == []


async def test_end_early_posts_now_and_cancel_posts_nothing(env: Env) -> None:
    await env.challenges.start(who(0), "Short", 4, "points", 100, "this-week")
    await env.challenges.join(who(1))
    await env.challenges.end_now(GUILD)
    assert await env.results_at(WED + timedelta(seconds=1)) == [([], 0, 0)]
    await env.challenges.start(who(0), "Dropped", 4, "points", 100, "this-week")
    await env.challenges.cancel(GUILD)
    assert await env.results_at(MONDAY + timedelta(weeks=5)) == []
    with pytest.raises(NotFound):
        await env.challenges.cancel(GUILD)


async def test_leave(env: Env) -> None:
    await env.challenges.start(who(0), "Short", 4, "points", 100, "this-week")
    await env.challenges.join(who(1))
    await env.challenges.leave(who(1))
    with pytest.raises(NotFound):
        await env.challenges.leave(who(1))
    assert (await env.challenges.status(who(1))).members == 0


async def test_two_processes_post_results_once(db_url: str) -> None:
    engines = [make_engine(db_url), make_engine(db_url)]
    clock = ManualClock(WED)
    sessions = [make_session_factory(e) for e in engines]
    services = [ChallengeService(s, clock) for s in sessions]
    try:
        await with_channel(sessions[0], WED)
        await services[0].start(who(0), "Once", 1, "points", 1, "this-week")
        clock.set(MONDAY + timedelta(weeks=1))
        first, second = await asyncio.gather(services[0].claim_due(), services[1].claim_due())
        assert len(first) + len(second) == 1
    finally:
        for engine in engines:
            await engine.dispose()


async def test_export_and_forget(env: Env) -> None:
    privacy = PrivacyService(env.sessions, env.clock)
    await env.challenges.start(who(0), "Glute November", 2, "points", 20, "this-week")
    await env.challenges.join(who(1))
    data = json.loads(await privacy.export(who(1)))
    assert [c["challenge"] for c in data["challenges"]] == ["Glute November"]
    await privacy.forget(who(1))
    async with env.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(ChallengeMember))).scalar_one() == 0
