"""Faults from outside: gateway drops, a bad club row, a refused command push, a database that is late."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.__main__ import _configure_logging, build_bot
from bot.app import GluteBot
from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory, wait_for_database
from bot.db.models import Club as ClubRow
from bot.playground.fake.harness import running
from tests.conftest import ErrorLogGuard
from tests.e2e.conftest import TOKEN, Club, settings_for
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]

FAULTS = ["abrupt-close", "op7-reconnect", "close-4000", "resume-refused"]


def command_pushes(fake: FakeDiscord, since: int = 0) -> int:
    return len(fake.find_calls("PUT", r"/commands$", since=since))


async def reconnected(fake: FakeDiscord, identifies: int, resumes: int) -> None:
    for _ in range(500):
        if fake.identify_count > identifies or fake.resume_count > resumes:
            await fake.wait_connected(timeout=10)
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bot never came back on the gateway")


async def inject(fake: FakeDiscord, fault: str) -> None:
    if fault == "abrupt-close":
        fake.abort_gateway()
    elif fault == "op7-reconnect":
        await fake.send_reconnect()
    elif fault == "close-4000":
        await fake.drop_gateway(resume=True, code=4000)
    else:
        await fake.drop_gateway(resume=False, code=4000)


@pytest.mark.parametrize("fault", FAULTS)
async def test_gateway_faults_resume_or_reidentify_and_keep_answering(club: Club, fault: str) -> None:
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="Europe/London")
    bot = club.bot
    assert bot is not None

    async def no_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    bot.before_identify_hook = no_wait  # type: ignore[method-assign]  # discord.py waits 5 s otherwise
    jobs = sorted(job.id for job in bot.scheduler.get_jobs())
    cogs = len(bot.cogs)
    mark = club.fake.mark()
    identifies, resumes = club.fake.identify_count, club.fake.resume_count
    for round_ in range(2):
        await inject(club.fake, fault)
        await reconnected(club.fake, identifies, resumes)
        identifies, resumes = club.fake.identify_count, club.fake.resume_count
        kind = "routine" if round_ == 0 else "stretch"
        reply = await club.slash(club.runner, "checkin", kind=kind)
        assert "Counted" in reply["content"], f"answered after {fault} #{round_ + 1}"
    if fault == "resume-refused":
        assert club.fake.identify_count >= 3, "a refused resume ends in a fresh IDENTIFY"
    else:
        assert club.fake.resume_count >= 2, "the session was resumed"
    assert command_pushes(club.fake, since=mark) == 0, "commands are not pushed again"
    assert sorted(job.id for job in bot.scheduler.get_jobs()) == jobs, "nothing is scheduled twice"
    assert len(bot.cogs) == cogs
    print(f"fault injected: {fault} x2; resumes={club.fake.resume_count} identifies={club.fake.identify_count}")


async def test_a_club_row_that_cannot_be_scheduled_is_skipped(
    club: Club, caplog: pytest.LogCaptureFixture, error_log_guard: ErrorLogGuard
) -> None:
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="Europe/London")
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            await session.execute(insert(ClubRow).values(
                guild_id=4242424242, channel_id=99, timezone="Mars/Olympus", week_start="monday",
                post_day="monday", post_time="07:00", leaderboard_day="monday", leaderboard_time="08:00",
                routine_slug="five-minute", paused=False, excluded_role_ids="", created_at=club.clock.now(),
            ))
            await session.commit()
    finally:
        await engine.dispose()
    caplog.set_level(logging.WARNING, logger="bot")
    # Catching up missed posts trips over the same row, once, for that club only.
    error_log_guard.expect("catching up the posts of guild 4242424242 failed")
    await club.restart()
    assert club.bot is not None
    assert club.bot.scheduler.get_job(f"club:{club.guild.id}:routine") is not None, "the good club is scheduled"
    assert club.bot.scheduler.get_job("club:4242424242:routine") is None
    assert any("4242424242" in r.getMessage() and "unusable" in r.getMessage() for r in caplog.records)
    reply = await club.slash(club.runner, "checkin", kind="routine")
    assert "Counted" in reply["content"]


async def test_a_refused_command_push_is_logged_and_retried(
    fake: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    guild = fake.add_guild("Hill Harriers")
    runner = fake.add_member(guild.id, "ann")
    settings = settings_for(fake, f"sqlite+aiosqlite:///{tmp_path}/push.db", sync_commands_on_start=True)
    await migrate.upgrade_async(settings.db_url)
    monkeypatch.setattr(GluteBot, "PUSH_RETRY_DELAYS", (0.05,))
    fake.fail("PUT", r"/commands$", status=400, json={"message": "Invalid Form Body", "code": 50035}, times=2)
    caplog.set_level(logging.WARNING, logger="bot")
    async with build_bot(settings) as bot, running(bot, fake, token=TOKEN):
        await fake.wait_for("PUT", r"/commands$", status=200, timeout=10)
        assert [c.status for c in fake.find_calls("PUT", r"/commands$")] == [400, 400, 200]
        ix = await fake.slash(guild.id, runner.id, "checkin", kind="routine")
        assert "Counted" in (await ix.final())["content"]
    failed = [r for r in caplog.records if "pushing the slash commands failed" in r.getMessage()]
    assert len(failed) == 2
    assert all(r.exc_info is None for r in failed), "one line each, no traceback"


async def test_waiting_for_the_database_backs_off_then_goes_on() -> None:
    attempts: list[str] = []
    waits: list[float] = []

    async def probe(url: str) -> None:
        attempts.append(url)
        if len(attempts) < 4:
            raise ConnectionRefusedError(111, "Connect call failed")

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    error = await wait_for_database("postgresql+asyncpg://gc:secret@db/gc", 10, 1.0, probe=probe, sleep=sleep)
    assert error is None
    assert len(attempts) == 4
    assert waits == [1.0, 2.0, 4.0]
    attempts.clear()
    waits.clear()

    async def never(url: str) -> None:
        attempts.append(url)
        raise ConnectionRefusedError(111, "Connect call failed")

    error = await wait_for_database("postgresql+asyncpg://gc:secret@db/gc", 3, 20.0, probe=never, sleep=sleep)
    assert isinstance(error, ConnectionRefusedError)
    assert waits == [20.0, 30.0], "the wait doubles up to 30 s"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_database_at_start_is_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL"}}
    env.update(
        DISCORD_TOKEN=TOKEN,
        DATABASE_URL=f"postgresql+asyncpg://gc:hunter2@127.0.0.1:{closed_port()}/gc",
        DB_CONNECT_ATTEMPTS="2",
        DB_CONNECT_DELAY="0",
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-2000:]
    assert "Traceback" not in output
    assert "hunter2" not in output, "the password is never printed"
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "did not answer after 2 attempt(s)" in errors[0]
    assert "not reachable (attempt 1 of 2" in output


async def test_debug_logging_keeps_sql_parameters_out(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/log.db"
    await migrate.upgrade_async(url)
    root = logging.getLogger()
    quiet = ("sqlalchemy", "aiosqlite", "asyncpg")
    saved = (root.level, list(root.handlers), [logging.getLogger(n).level for n in quiet])
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    try:
        _configure_logging("DEBUG")
        root.addHandler(Collect(level=logging.DEBUG))
        engine = make_engine(url)
        try:
            async with make_session_factory(engine)() as session:
                await session.execute(insert(ClubRow).values(
                    guild_id=77, timezone="UTC", created_at=datetime(2026, 11, 18, tzinfo=UTC)))
                await session.commit()
                with pytest.raises(Exception) as failed:
                    await session.execute(insert(ClubRow).values(
                        guild_id=77, timezone="Secret/Name-of-a-person", created_at=datetime(2026, 11, 18, tzinfo=UTC)))
                await session.rollback()
        finally:
            await engine.dispose()
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        for name, level in zip(quiet, saved[2], strict=True):
            logging.getLogger(name).setLevel(level)
    logged = "\n".join(r.getMessage() for r in records)
    assert "Secret/Name-of-a-person" not in logged
    assert "Secret/Name-of-a-person" not in str(failed.value), "error messages hide parameters too"


async def test_a_ready_that_comes_after_the_close_starts_no_wait_for_guilds(club: Club) -> None:
    """A reconnect that raced the close can still hand discord.py a READY once the bot has closed; it would start
    a wait for the guilds that nothing ends (a task left running). The READY goes through the gateway's own
    dispatch table here: the race itself (a new session identified mid-close) cannot be timed from a test."""
    bot = club.bot
    assert bot is not None
    state = bot._connection
    user = {"id": str(bot.user.id), "username": bot.user.name, "discriminator": "0", "avatar": None}  # type: ignore[union-attr]
    await club.stop()
    assert bot.is_closed()
    state.parsers["READY"]({"v": 10, "user": user, "guilds": [{"id": str(club.guild.id), "unavailable": True}],
                            "session_id": "late", "resume_gateway_url": club.fake.gateway_url,
                            "application": {"id": str(bot.user.id), "flags": 0}})  # type: ignore[union-attr]
    waits = [t for t in asyncio.all_tasks() if not t.done() and t.get_coro().__name__ == "_delay_ready"]
    for task in waits:
        task.cancel()
    assert not waits, "a READY after the close started a wait for guilds"
