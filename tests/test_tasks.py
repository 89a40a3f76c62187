"""Shutdown helpers: running job runs and connection holders are awaited, never left behind."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import engine as engine_module
from bot.db.engine import open_engine
from bot.scheduling.executor import make_scheduler, stop_scheduler
from tests.conftest import ErrorLogGuard
from tests.leftovers import pending_tasks


async def _started_job(finish: asyncio.Event) -> tuple[object, asyncio.Event, list[str]]:
    scheduler = make_scheduler()
    started = asyncio.Event()
    outcome: list[str] = []

    async def job() -> None:
        started.set()
        try:
            await finish.wait()
            outcome.append("finished")
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    scheduler.add_job(job, "date", run_date=datetime.now(UTC))
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    return scheduler, started, outcome


async def test_a_job_run_in_progress_may_finish_within_the_grace() -> None:
    finish = asyncio.Event()
    scheduler, _, outcome = await _started_job(finish)
    asyncio.get_running_loop().call_later(0.05, finish.set)
    await stop_scheduler(scheduler, grace=10)
    assert outcome == ["finished"]
    assert not scheduler.running
    assert pending_tasks() == set()


async def test_a_job_run_past_the_grace_is_cancelled_and_awaited(error_log_guard: ErrorLogGuard) -> None:
    error_log_guard.expect("raised an exception")  # APScheduler logs the interrupted run
    scheduler, _, outcome = await _started_job(asyncio.Event())
    await stop_scheduler(scheduler, grace=0.05)
    assert outcome == ["cancelled"]
    assert not scheduler.running
    assert pending_tasks() == set()


async def test_the_engine_waits_for_a_task_holding_a_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "RELEASE_GRACE", 0.05)
    holding = asyncio.Event()

    async def hold(engine: engine_module.AsyncEngine) -> None:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
            holding.set()
            await asyncio.Event().wait()  # never gives the connection back by itself

    async with open_engine(f"sqlite+aiosqlite:///{tmp_path}/held.db") as engine:
        holder = asyncio.create_task(hold(engine))
        await asyncio.wait_for(holding.wait(), 10)
        assert engine.sync_engine.pool.checkedout() == 1
    assert holder.cancelled(), "the holder was cancelled and awaited before the pool was disposed"
    assert engine.sync_engine.pool.checkedout() == 0
    assert pending_tasks() == set()
