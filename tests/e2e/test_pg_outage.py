"""PostgreSQL restarted in the middle of a burst of presses: what was answered "counted" is stored.

Runs against a private cluster started for this test (the shared server is never restarted).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select

from bot.__main__ import build_bot
from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Checkin, Member
from bot.playground.fake.harness import running
from tests.conftest import ErrorLogGuard
from tests.e2e.conftest import TOKEN, settings_for
from tests.fakediscord import FakeDiscord
from tests.pgcluster import PrivateCluster, unavailable_reason

# Three check-ins a fresh member can each have counted: this week's routine, today's and yesterday's stretch.
KINDS = (("routine", "today"), ("stretch", "today"), ("stretch", "yesterday"))


async def stored_checkins(url: str) -> set[tuple[int, str]]:
    """(user, "kind:today" or "kind:yesterday") for each stored check-in; today is the day of the newest row."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(Member.user_id, Checkin.kind, Checkin.local_date).join(
                Member, Member.id == Checkin.member_id
            )
            rows = list(await session.execute(query))
    finally:
        await engine.dispose()
    today = max((day for _, _, day in rows), default=None)
    return {(int(user), f"{kind}:{'today' if day == today else 'yesterday'}") for user, kind, day in rows}


@pytest.mark.postgres
async def test_a_postgres_restart_mid_burst_loses_nothing_answered_counted(
    fake: FakeDiscord, error_log_guard: ErrorLogGuard
) -> None:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    cluster = await asyncio.to_thread(PrivateCluster)
    try:
        admin = await asyncpg.connect(cluster.admin_url, timeout=10)
        try:
            await admin.execute('CREATE DATABASE "gc"')
        finally:
            await admin.close()
        url = cluster.url("gc")
        await migrate.upgrade_async(url)
        guild = fake.add_guild("Lakeside Lifters")
        members = fake.add_members(guild.id, 20)
        later = fake.add_members(guild.id, 20, prefix="late")
        # Presses that reach the database while it is down get the generic apology, which is logged.
        error_log_guard.expect("unhandled error")

        async def press(user_id: int, kind_when: tuple[str, str]) -> tuple[int, str, str]:
            kind, when = kind_when
            ix = await fake.slash(guild.id, user_id, "checkin", kind=kind, when=when)
            reply = await ix.final(timeout=60)
            return user_id, f"{kind}:{when}", str(reply.get("content") or "")

        async with build_bot(settings_for(fake, url)) as bot, running(bot, fake, token=TOKEN):
            await bot.sync_commands()
            before = await asyncio.gather(*(press(m.id, KINDS[0]) for m in members))

            async def staggered() -> list[tuple[int, str, str]]:
                tasks = []
                for m in members:
                    tasks.append(asyncio.create_task(press(m.id, KINDS[1])))
                    await asyncio.sleep(0.05)
                return list(await asyncio.gather(*tasks))

            during, _ = await asyncio.gather(staggered(), asyncio.to_thread(cluster.restart))
            after = await asyncio.gather(*(press(m.id, KINDS[2]) for m in members))
            # A restart while nobody presses leaves only dead connections in the pool.
            await asyncio.to_thread(cluster.restart)
            quiet = await asyncio.gather(*(press(m.id, KINDS[0]) for m in later))
        stored = await stored_checkins(url)
    finally:
        await asyncio.to_thread(cluster.close)

    answered: list[Any] = [*before, *during, *after, *quiet]
    assert len(answered) == 4 * len(members), "every press got an answer"
    assert all(content for _, _, content in answered)
    counted = {(user, kind) for user, kind, content in answered if "Counted:" in content}
    assert counted <= stored, f"answered counted but not stored: {sorted(counted - stored)[:5]}"
    assert [c for _, _, c in before if "Counted:" not in c] == []
    # Pre-ping: once the server is back, no request pays for the restart.
    assert [c for _, _, c in after if "Counted:" not in c] == []
    assert [c for _, _, c in quiet if "Counted:" not in c] == []
    lost = [c for _, _, c in during if "Counted:" not in c]
    print(f"presses: {len(answered)}; during the restart: {len(during)} sent, {len(lost)} apologised for, "
          f"{len(during) - len(lost)} counted; after a quiet restart: {len(quiet)} sent, "
          f"{sum('Counted:' not in c for _, _, c in quiet)} lost; counted but not stored: {len(counted - stored)}")
