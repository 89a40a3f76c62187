"""Re-test reminders against real SQLite and PostgreSQL, on a controllable clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core.checkins import Who
from bot.core.clock import ManualClock
from bot.core.errors import NotFound
from bot.core.privacy import PrivacyService
from bot.core.retests import RETEST_AFTER, RetestService, changes
from bot.core.selftests import HistoryEntry
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import RetestReminder, SendClaim

GUILD = 555 << 22
START = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
NAMES = {"hip-drop": "Hip drop", "single-leg-squat": "Single-leg squat"}


def who(n: int) -> Who:
    return Who(guild_id=GUILD, user_id=6000 + n, display_name=f"runner{n}")


@dataclass
class Env:
    sessions: object
    clock: ManualClock
    retests: RetestService

    async def claim(self, at: datetime) -> list[tuple[int, str]]:
        self.clock.set(at)
        return sorted((d.user_id - 6000, d.test_slug) for d in await self.retests.claim_due())


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(START)
    yield Env(sessions, clock, RetestService(sessions, clock, NAMES))
    await engine.dispose()


async def test_a_reminder_comes_four_weeks_later_once(env: Env) -> None:
    first = await env.retests.remind_later(who(1), "hip-drop")
    assert (first.due_at, first.already) == (START + RETEST_AFTER, False)
    again = await env.retests.remind_later(who(1), "hip-drop")
    assert (again.due_at, again.already) == (START + RETEST_AFTER, True)
    await env.retests.remind_later(who(2), "single-leg-squat")
    assert await env.claim(START + RETEST_AFTER - timedelta(seconds=1)) == []
    assert await env.claim(START + RETEST_AFTER) == [(1, "hip-drop"), (2, "single-leg-squat")]
    assert await env.claim(START + RETEST_AFTER + timedelta(days=1)) == []
    # After it went out, the button sets a new one four weeks on.
    renewed = await env.retests.remind_later(who(1), "hip-drop")
    assert renewed.due_at == START + RETEST_AFTER + timedelta(days=1) + RETEST_AFTER


async def test_a_reminder_missed_during_downtime_goes_out_once_when_back(env: Env) -> None:
    await env.retests.remind_later(who(1), "hip-drop")
    assert await env.claim(START + RETEST_AFTER + timedelta(days=9)) == [(1, "hip-drop")]
    assert await env.claim(START + RETEST_AFTER + timedelta(days=10)) == []


async def test_unknown_tests_are_refused(env: Env) -> None:
    with pytest.raises(NotFound):
        await env.retests.remind_later(who(1), "x" * 500)
    async with env.sessions() as session:  # type: ignore[attr-defined]
        assert (await session.execute(select(func.count()).select_from(RetestReminder))).scalar_one() == 0


async def test_closed_dms_are_marked_once(env: Env) -> None:
    await env.retests.remind_later(who(1), "hip-drop")
    [due] = await env.retests.claim_due(START + RETEST_AFTER)
    assert await env.retests.mark_dm_blocked(due.reminder_id)
    assert not await env.retests.mark_dm_blocked(due.reminder_id)


async def test_export_and_forget(env: Env) -> None:
    privacy = PrivacyService(env.sessions, env.clock)  # type: ignore[arg-type]
    await env.retests.remind_later(who(1), "hip-drop")
    data = json.loads(await privacy.export(who(1)))
    assert [r["test_slug"] for r in data["retest_reminders"]] == ["hip-drop"]
    await env.claim(START + RETEST_AFTER)
    await privacy.forget(who(1))
    async with env.sessions() as session:  # type: ignore[attr-defined]
        assert (await session.execute(select(func.count()).select_from(RetestReminder))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(SendClaim))).scalar_one() == 0


async def test_two_processes_send_each_reminder_once(db_url: str) -> None:
    engines = [make_engine(db_url), make_engine(db_url)]
    clock = ManualClock(START)
    services = [RetestService(make_session_factory(e), clock, NAMES) for e in engines]
    try:
        for n in range(40):
            await services[0].remind_later(who(n), "hip-drop")
        clock.set(START + RETEST_AFTER)

        async def drain(service: RetestService) -> list[int]:
            got: list[int] = []
            while batch := await service.claim_due(limit=5):
                got += [d.user_id for d in batch]
                await asyncio.sleep(0)
            return got

        first, second = await asyncio.gather(drain(services[0]), drain(services[1]))
        assert sorted(first + second) == [6000 + n for n in range(40)]
    finally:
        for engine in engines:
            await engine.dispose()


def test_changes_pair_the_latest_result_with_the_one_before_per_side() -> None:
    def entry(side: str, label: str, day: int) -> HistoryEntry:
        return HistoryEntry("Hip drop", side, label, label == "hip drops", START + timedelta(days=day))

    newest_first = [entry("left", "level", 30), entry("right", "hip drops", 29), entry("left", "hip drops", 2),
                    entry("right", "hip drops", 1), entry("left", "level", 0)]
    found = [(c.side, c.before, c.after) for c in changes(newest_first)]
    assert found == [("left", "hip drops", "level"), ("right", "hip drops", "hip drops")]
