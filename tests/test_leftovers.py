"""The leftover-task check: names what a test left running, and ends tasks that swallow a cancel."""

from __future__ import annotations

import asyncio

from tests import leftovers


async def test_nothing_left_reports_nothing() -> None:
    assert await leftovers.reap_leftover_tasks() == ([], [])


async def test_a_task_that_swallows_one_cancel_is_named_and_ended() -> None:
    never = asyncio.get_running_loop().create_future()

    async def close_like_aiosqlite() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            await never  # a second wait in ``finally``: one cancel is not enough to end it

    task = asyncio.create_task(close_like_aiosqlite(), name="closing-connection")
    await asyncio.sleep(0)
    found, stuck = await leftovers.reap_leftover_tasks()
    assert len(found) == 1
    assert found[0].startswith("closing-connection")
    assert "close_like_aiosqlite" in found[0]
    assert stuck == []
    assert task.cancelled()


async def test_a_task_that_will_not_end_is_reported_as_stuck(monkeypatch) -> None:
    monkeypatch.setattr(leftovers, "CANCEL_WAIT", 0.05)
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn-worker")
    await asyncio.sleep(0)
    found, stuck = await leftovers.reap_leftover_tasks()
    assert [s.split(" ", 1)[0] for s in stuck] == ["stubborn-worker"]
    assert len(found) == 1
    release.set()
    task.cancel()
    await task
