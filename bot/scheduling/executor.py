"""The scheduler's executor, and stopping the scheduler without leaving a job run behind."""

from __future__ import annotations

import asyncio
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.tasks import finish_tasks


class JobExecutor(AsyncIOExecutor):
    """APScheduler's asyncio executor, telling which job runs are still in flight (so shutdown can await them)."""

    def running(self) -> set[asyncio.Future[Any]]:
        return {f for f in getattr(self, "_pending_futures", ()) if not f.done()}


def make_scheduler() -> AsyncIOScheduler:
    return AsyncIOScheduler(timezone="UTC", executors={"default": JobExecutor()})


async def stop_scheduler(scheduler: AsyncIOScheduler, *, grace: float) -> None:
    """Start no new job runs, give the running ones ``grace`` seconds, then cancel and await them."""
    if not scheduler.running:
        return
    scheduler.pause()
    executor = scheduler._lookup_executor("default")
    running = executor.running() if isinstance(executor, JobExecutor) else set()
    await finish_tasks(running, grace=grace, what="scheduled job(s)")
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)  # AsyncIOScheduler shuts down from a loop callback: let it run before returning
