"""Closing the bot ends everything it started: no task left pending, no connection closed after the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.__main__ import build_bot
from bot.db import migrate
from bot.playground.fake.harness import pointed_at
from tests.e2e.conftest import TOKEN, settings_for
from tests.fakediscord import FakeDiscord
from tests.leftovers import pending_tasks


async def test_close_while_the_catch_up_waits_on_the_database_leaves_nothing_pending(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """The start-up catch-up is cancelled by close() in the middle of a query: close() must await it.

    Cancelled but not awaited, its connection's close was still pending when the engine was disposed and
    the loop shut down, which could hang the loop's shutdown.
    """
    fake.add_guild("Hill Harriers")
    path = tmp_path / "busy.db"
    settings = settings_for(fake, f"sqlite+aiosqlite:///{path}")
    await migrate.upgrade_async(settings.db_url)
    lock = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        async with build_bot(settings) as bot:
            engine = bot.services.sessions.kw["bind"]
            with pointed_at(fake):
                await bot.login(TOKEN)  # runs setup_hook: jobs loaded, catch-up waiting for READY
                lock.execute("BEGIN IMMEDIATE")  # every transaction of the bot now waits for this one
                connect = asyncio.create_task(bot.connect())
                await asyncio.wait_for(bot.wait_until_ready(), 10)
                for _ in range(500):  # until the catch-up is inside its first transaction
                    if engine.sync_engine.pool.checkedout():
                        break
                    await asyncio.sleep(0.01)
                assert engine.sync_engine.pool.checkedout() == 1, "the catch-up should be waiting on the lock"
                (catch_up,) = bot._background
                asyncio.get_running_loop().call_later(0.3, lock.rollback)
                await bot.close()
                assert catch_up.done(), "close() returns only once the task it cancelled has ended"
                await asyncio.wait_for(connect, 10)
        assert engine.sync_engine.pool.checkedout() == 0
        assert pending_tasks() == set(), "nothing the bot started is still pending"
    finally:
        lock.close()


async def test_the_exit_after_a_sigterm_close_waits_for_all_of_the_close(fake: FakeDiscord, tmp_path: Path) -> None:
    """SIGTERM closes the bot in a task of its own; ``bot.start`` returns as soon as the gateway is closed, and
    the ``async with bot`` exit then runs while that close still has its last steps to go (the post records,
    the pictures, the check-in writer). The exit must wait for them, or the loop ends under them."""
    fake.add_guild("Hill Harriers")
    settings = settings_for(fake, f"sqlite+aiosqlite:///{tmp_path / 'exit.db'}")
    await migrate.upgrade_async(settings.db_url)
    async with build_bot(settings) as bot:
        with pointed_at(fake):
            await bot.login(TOKEN)
            connect = asyncio.create_task(bot.connect())
            await asyncio.wait_for(bot.wait_until_ready(), 10)
            sigterm = asyncio.ensure_future(bot.close())
            await asyncio.wait_for(connect, 10)  # what ends bot.start in `serve`
            await bot.__aexit__(None, None, None)  # what `async with bot` does next
            assert sigterm.done(), "the exit returned before the close had ended"
            assert bot.services.posts._runs.thread is not None
            assert bot.services.posts._runs.thread._closed
