"""Faults on the way out, injected in the fake Discord: weekly posts and stand-up DMs end exactly once.

Each test runs on SQLite and PostgreSQL (the claims and outcomes are database rows).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import SendClaim
from tests.conftest import ErrorLogGuard
from tests.e2e.conftest import TOKEN, Club, settings_for
from tests.e2e.test_startup import ROOT, clean_env
from tests.fakediscord import FakeDiscord, Perm

POSTS = r"^/channels/\d+/messages$"
# Monday 23 November 2026, 07:00 London = 07:00 UTC: the routine post's time.
DUE = datetime(2026, 11, 23, 7, 0, 5, tzinfo=UTC)


@pytest.fixture
async def club(fake: FakeDiscord, db_url: str) -> AsyncIterator[Club]:
    """The usual club, with retry waits and the shutdown grace cut short."""
    guild = fake.add_guild("Riverside Runners")
    setup = Club(
        fake=fake,
        settings=settings_for(fake, db_url, post_retry_delays=(0.05, 0.05, 0.05), shutdown_grace_seconds=0.5),
        clock=ManualClock(datetime(2026, 11, 18, 12, 0, tzinfo=UTC)),
        guild=guild,
        admin=fake.add_member(guild.id, "coach", permissions=Perm.MANAGE_GUILD | Perm.USE_APPLICATION_COMMANDS),
        runner=fake.add_member(guild.id, "ann"),
        other=fake.add_member(guild.id, "ben"),
    )
    await setup.start()
    await setup.slash(setup.admin, "club setup", channel=guild.text_channel_id, day="monday", time="07:00",
                      timezone="Europe/London")
    yield setup
    await setup.stop()
    await asyncio.sleep(0)


def posts_in(club: Club) -> list[dict]:
    return club.fake.channel_messages(club.guild.text_channel_id)


async def runs(club: Club) -> list[SendClaim]:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            return list((await session.execute(select(SendClaim).order_by(SendClaim.id))).scalars())
    finally:
        await engine.dispose()


async def scheduled_post(club: Club) -> object:
    """The routine job firing on its schedule."""
    assert club.bot is not None
    club.clock.set(DUE)
    return await club.bot.shared["club_jobs"].run(club.guild.id, "routine")


async def test_connection_dropped_after_the_post_was_created_posts_once(club: Club) -> None:
    club.fake.drop("POST", POSTS, after=True)
    reply = await club.slash(club.admin, "club post-now")
    assert "Posted" in reply["content"]
    assert len(posts_in(club)) == 1
    assert [(r.status, r.message_id) for r in await runs(club)] == [("sent", int(posts_in(club)[0]["id"]))]


async def test_connection_dropped_before_the_post_was_created_is_retried(club: Club) -> None:
    club.fake.drop("POST", POSTS, after=False)
    result = await scheduled_post(club)
    assert getattr(result, "status", None) == "sent"
    assert len(posts_in(club)) == 1
    assert [r.status for r in await runs(club)] == ["sent"]


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_rate_limits_and_server_errors_end_in_one_post(club: Club, status: int) -> None:
    body = {"message": "You are being rate limited.", "retry_after": 0.05} if status == 429 else {
        "message": "Service Unavailable", "code": 0}
    club.fake.fail("POST", POSTS, status=status, json=body, times=2)
    result = await scheduled_post(club)
    assert getattr(result, "status", None) == "sent"
    assert len(posts_in(club)) == 1


async def test_a_deleted_channel_is_told_once_and_not_retried_every_week(club: Club) -> None:
    channel_posts = rf"^/channels/{club.guild.text_channel_id}/messages$"
    club.fake.fail("POST", channel_posts, status=404, json={"message": "Unknown Channel", "code": 10003}, times=None)
    result = await scheduled_post(club)
    assert getattr(result, "status", None) == "failed"
    dms = club.fake.dm_messages(club.admin.id)
    assert len(dms) == 1
    assert "on hold" in dms[0]["content"]
    shown = await club.slash(club.admin, "club show")
    assert "on hold" in shown["embeds"][0]["description"]
    tries = len([c for c in club.fake.calls if c.method == "POST" and c.status == 404])
    assert club.bot is not None
    club.clock.set(DUE + timedelta(days=7))
    result = await club.bot.shared["club_jobs"].run(club.guild.id, "routine")
    assert getattr(result, "status", None) == "blocked"
    assert len([c for c in club.fake.calls if c.method == "POST" and c.status == 404]) == tries
    assert len(club.fake.dm_messages(club.admin.id)) == 1
    # Fixed (here: the failure is gone) and set up again: posts resume.
    club.fake.clear_failures()
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="Europe/London")
    reply = await club.slash(club.admin, "club post-now")
    assert "Posted" in reply["content"]


async def test_shutdown_mid_post_records_the_post_and_stops_new_work(
    club: Club, error_log_guard: ErrorLogGuard
) -> None:
    held = club.fake.hold("POST", POSTS, seconds=30)
    assert club.bot is not None
    club.clock.set(DUE)
    post = asyncio.create_task(club.bot.shared["club_jobs"].run(club.guild.id, "routine"))
    for _ in range(500):
        if held.hits:
            break
        await asyncio.sleep(0.01)
    assert held.hits == 1, "the post request reached Discord and is being held"
    await club.bot.close()  # what SIGTERM does
    await asyncio.wait({post}, timeout=5)
    assert post.done()
    [run] = await runs(club)
    assert run.status == "failed"
    assert "interrupted" in (run.error or "")
    # A stopped bot takes no new work.
    assert await club.bot.shared["club_jobs"].run(club.guild.id, "leaderboard") is None
    assert await club.bot.due.tick() == {}


@pytest.mark.parametrize("status", [429, 500])
async def test_stand_up_dms_survive_rate_limits_and_server_errors(club: Club, status: int) -> None:
    club.clock.set(datetime(2026, 11, 18, 8, 0, tzinfo=UTC))
    await club.slash(club.runner, "standup on", every=45, start="09:00", end="17:30", days="mon-fri")
    body = {"message": "You are being rate limited.", "retry_after": 0.05} if status == 429 else {
        "message": "Service Unavailable", "code": 0}
    dm_channel = club.fake.dm_channel_id(club.runner.id)
    club.fake.fail("POST", rf"^/channels/{dm_channel}/messages$", status=status, json=body, times=1)
    club.clock.set(datetime(2026, 11, 18, 9, 45, 5, tzinfo=UTC))
    assert club.bot is not None
    assert await club.bot.due.run("standup") == 1
    assert len(club.fake.dm_messages(club.runner.id)) == 1


async def test_a_dropped_dm_is_recorded_and_the_series_moves_on(club: Club) -> None:
    club.clock.set(datetime(2026, 11, 18, 8, 0, tzinfo=UTC))
    await club.slash(club.runner, "standup on", every=45, start="09:00", end="17:30", days="mon-fri")
    await club.slash(club.other, "standup on", every=45, start="09:00", end="17:30", days="mon-fri")
    dm_channel = club.fake.dm_channel_id(club.runner.id)
    club.fake.drop("POST", rf"^/channels/{dm_channel}/messages$", after=False)
    club.clock.set(datetime(2026, 11, 18, 9, 45, 5, tzinfo=UTC))
    assert club.bot is not None
    assert await club.bot.due.run("standup") == 1  # the other member's reminder still went
    assert len(club.fake.dm_messages(club.other.id)) == 1
    club.clock.set(datetime(2026, 11, 18, 10, 30, 5, tzinfo=UTC))
    assert await club.bot.due.run("standup") == 2


async def test_a_dm_refused_with_503_is_logged_and_the_series_moves_on(club: Club) -> None:
    """discord.py tries a 503 again itself; the other members' reminders still go, the series moves on."""
    club.clock.set(datetime(2026, 11, 18, 8, 0, tzinfo=UTC))
    await club.slash(club.runner, "standup on", every=45, start="09:00", end="17:30", days="mon-fri")
    await club.slash(club.other, "standup on", every=45, start="09:00", end="17:30", days="mon-fri")
    dm_channel = club.fake.dm_channel_id(club.runner.id)
    club.fake.fail("POST", rf"^/channels/{dm_channel}/messages$", status=503,
                   json={"message": "Service Unavailable", "code": 0}, times=1)
    club.clock.set(datetime(2026, 11, 18, 9, 45, 5, tzinfo=UTC))
    assert club.bot is not None
    assert await club.bot.due.run("standup") == 1
    assert await club.bot.due.run("standup") == 0
    club.clock.set(datetime(2026, 11, 18, 10, 30, 5, tzinfo=UTC))
    assert await club.bot.due.run("standup") == 2
    assert len(club.fake.dm_messages(club.runner.id)) == 1


async def test_sigterm_mid_post_ends_the_process_and_records_the_post(fake: FakeDiscord, db_url: str) -> None:
    """The real process: SIGTERM while Discord holds the post request; the week is recorded, not left claimed."""
    guild = fake.add_guild("Canal Joggers")
    admin = fake.add_member(guild.id, "coach", permissions=Perm.MANAGE_GUILD | Perm.USE_APPLICATION_COMMANDS)
    env = clean_env(
        DISCORD_TOKEN=TOKEN, DATABASE_URL=db_url, DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url, GUILD_READY_TIMEOUT="0.1", SHUTDOWN_GRACE_SECONDS="1",
        PYTHONPATH=str(ROOT),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake.wait_connected(timeout=60)
        setup = await fake.slash(guild.id, admin.id, "club setup", channel=guild.text_channel_id, day="monday",
                                 time="07:00", timezone="Europe/London")
        assert "Saved" in (await setup.final(timeout=10))["content"]
        held = fake.hold("POST", rf"^/channels/{guild.text_channel_id}/messages$", seconds=60)
        await fake.slash(guild.id, admin.id, "club post-now")
        for _ in range(1000):
            if held.hits:
                break
            await asyncio.sleep(0.01)
        assert held.hits == 1
    finally:
        stopping = time.perf_counter()
        process.terminate()
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        print(f"SIGTERM to exit with a post in flight: {time.perf_counter() - stopping:.2f} s")
    assert process.returncode == 0, output.decode()[-2000:]
    engine = make_engine(db_url)
    try:
        async with make_session_factory(engine)() as session:
            [run] = (await session.execute(select(SendClaim))).scalars().all()
    finally:
        await engine.dispose()
    assert run.status == "failed"
    assert "interrupted" in (run.error or "")
