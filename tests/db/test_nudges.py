"""The nudge before the week closes, against real SQLite and PostgreSQL, on a controllable clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bot.core.checkins import CheckinService, Who
from bot.core.clock import ManualClock
from bot.core.delivery import Outcome
from bot.core.errors import InvalidInput
from bot.core.nudges import NudgeService, last_day_of_week, next_nudge_at
from bot.core.points import Kind
from bot.core.privacy import PrivacyService
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.models import Nudge, SendClaim
from bot.db.send_claims import Finished, finish

GUILD = 333 << 22
WED = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # Wednesday; the club week runs Monday–Sunday, UTC
SUNDAY_1800 = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


def who(n: int) -> Who:
    return Who(guild_id=GUILD, user_id=7000 + n, display_name=f"runner{n}")


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    checkins: CheckinService
    nudges: NudgeService

    async def claim(self, when: datetime | None = None) -> list[int]:
        if when is not None:
            self.clock.set(when)
        return sorted(d.user_id - 7000 for d in await self.nudges.claim_due())

    async def claims(self) -> int:
        async with self.sessions() as session:
            return (await session.execute(select(func.count()).select_from(SendClaim))).scalar_one()


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(WED)
    checkins = CheckinService(sessions, clock)
    yield Env(sessions, clock, checkins, NudgeService(sessions, clock))
    await checkins.close()
    await engine.dispose()


def test_the_default_day_is_the_last_of_the_club_week() -> None:
    assert last_day_of_week("monday") == "sunday"
    assert last_day_of_week("sunday") == "saturday"
    # 18:00 in London on the Sunday after a Wednesday; strictly after, so Sunday 18:00 itself moves a week on.
    assert next_nudge_at(WED, "sunday", time(18, 0), "Europe/London") == SUNDAY_1800
    assert next_nudge_at(SUNDAY_1800, "sunday", time(18, 0), "UTC") == SUNDAY_1800 + timedelta(days=7)
    # Across the end of daylight saving time in New York (1 November 2026) the wall time holds.
    before = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    assert next_nudge_at(before, "sunday", time(18, 0), "America/New_York") == datetime(
        2026, 11, 1, 23, 0, tzinfo=UTC
    )


async def test_only_members_without_this_weeks_routine_are_nudged_once(env: Env) -> None:
    for n in (1, 2, 3):
        settings = await env.nudges.turn_on(who(n))
        assert settings.next_due_at == SUNDAY_1800
        assert settings.day == "sunday"
        assert settings.day_is_default
    await env.checkins.record(who(2), Kind.ROUTINE)
    assert await env.claim(SUNDAY_1800 - timedelta(minutes=1)) == []
    assert await env.claim(SUNDAY_1800) == [1, 3]
    assert await env.claim(SUNDAY_1800 + timedelta(minutes=5)) == []
    # Next week the row is due again, and this time member 2 has not checked in either.
    assert await env.claim(SUNDAY_1800 + timedelta(days=7)) == [1, 2, 3]
    assert await env.claims() == 5


async def test_changing_the_time_after_a_nudge_never_brings_a_second_that_week(env: Env) -> None:
    await env.nudges.turn_on(who(1), day="sunday", at="09:00")
    assert await env.claim(datetime(2026, 11, 22, 9, 0, tzinfo=UTC)) == [1]
    env.clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    settings = await env.nudges.turn_on(who(1), at="20:00")
    assert settings.next_due_at == datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    assert await env.claim(datetime(2026, 11, 22, 20, 0, tzinfo=UTC)) == []
    status = await env.nudges.status(who(1))
    assert status.nudged_this_week
    assert not status.routine_done


async def test_a_week_that_closed_during_downtime_sends_nothing_late(env: Env) -> None:
    await env.nudges.turn_on(who(1))
    # The bot was down from Sunday afternoon to Monday morning: that week's nudge is not sent on Monday.
    assert await env.claim(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) == []
    async with env.sessions() as session:
        row = (await session.execute(select(Nudge))).scalar_one()
    assert row.next_due_at == SUNDAY_1800 + timedelta(days=7)
    assert await env.claims() == 0


async def test_a_nudge_late_but_inside_its_week_still_goes(env: Env) -> None:
    await env.nudges.turn_on(who(1), day="saturday", at="10:00")
    assert await env.claim(datetime(2026, 11, 22, 23, 0, tzinfo=UTC)) == [1]


@pytest.mark.parametrize(
    "options",
    [{"at": "25:00"}, {"at": "7pm"}, {"day": "funday"}, {"timezone": "Mars/Base"}, {"at": "x" * 500}],
)
async def test_bad_options_are_refused_and_nothing_is_stored(env: Env, options: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as error:
        await env.nudges.turn_on(who(1), **options)
    assert len(error.value.message) < 300
    status = await env.nudges.status(who(1))
    assert status.settings is None


async def test_turn_off_stops_it_and_keeps_the_settings(env: Env) -> None:
    await env.nudges.turn_on(who(1), day="friday", at="07:30", timezone="Europe/Berlin")
    assert await env.nudges.turn_off(who(1))
    assert not await env.nudges.turn_off(who(1))
    assert await env.claim(datetime(2026, 11, 20, 6, 0, tzinfo=UTC)) == []  # 07:00 in Berlin
    settings = await env.nudges.turn_on(who(1))
    assert (settings.day, settings.at, settings.timezone) == ("friday", time(7, 30), "Europe/Berlin")
    assert settings.next_due_at == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


async def test_closed_dms_are_marked_once_and_stop_the_nudges(env: Env) -> None:
    await env.nudges.turn_on(who(1))
    [due] = await env.nudges.claim_due(SUNDAY_1800)
    assert await env.nudges.mark_dm_blocked(due.nudge_id)
    assert not await env.nudges.mark_dm_blocked(due.nudge_id)
    assert await env.claim(SUNDAY_1800 + timedelta(days=7)) == []
    status = await env.nudges.status(who(1))
    assert status.settings is not None
    assert status.settings.dm_blocked
    assert status.settings.next_due_at is None


async def test_outcomes_are_recorded_on_the_claim(env: Env) -> None:
    await env.nudges.turn_on(who(1))
    [due] = await env.nudges.claim_due(SUNDAY_1800)
    await finish(env.sessions, [Finished(due.claim.id, Outcome.FALLBACK, 1, "dms closed")], SUNDAY_1800)
    async with env.sessions() as session:
        claim = (await session.execute(select(SendClaim))).scalar_one()
    assert (claim.status, claim.error, claim.period_key) == ("fallback", "dms closed", "w2026-11-16")
    assert claim.finished_at == SUNDAY_1800


async def test_export_shows_the_nudge_and_forget_removes_it(env: Env) -> None:
    privacy = PrivacyService(env.sessions, env.clock)
    await env.nudges.turn_on(who(1), day="saturday", at="09:15")
    await env.claim(datetime(2026, 11, 21, 9, 15, tzinfo=UTC))
    data = json.loads(await privacy.export(who(1)))
    assert data["weekly_nudge"]["day"] == "saturday"
    assert data["weekly_nudge"]["at_time"] == "09:15"
    assert [c["period_key"] for c in data["scheduled_messages"]] == ["w2026-11-16"]
    await privacy.forget(who(1))
    async with env.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Nudge))).scalar_one() == 0
    assert await env.claims() == 0


async def test_concurrent_claims_from_two_processes_nudge_each_member_once(db_url: str) -> None:
    engines = [make_engine(db_url), make_engine(db_url)]
    clock = ManualClock(WED)
    services = [NudgeService(make_session_factory(e), clock) for e in engines]
    try:
        for n in range(60):
            await services[0].turn_on(who(n))
        clock.set(SUNDAY_1800)

        async def drain(service: NudgeService) -> list[int]:
            got: list[int] = []
            while batch := await service.claim_due(limit=7):
                got += [d.user_id for d in batch]
                await asyncio.sleep(0)
            return got

        first, second = await asyncio.gather(drain(services[0]), drain(services[1]))
        assert sorted(first + second) == sorted(7000 + n for n in range(60))
        assert not set(first) & set(second)
    finally:
        for engine in engines:
            await engine.dispose()
