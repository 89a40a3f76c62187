"""Ending work on the way out: wait briefly for tasks, then cancel them and make sure they are gone.

A task cancelled but never awaited keeps running after whoever cancelled it has moved on. If it held a
database connection, the engine is disposed under it and the connection's close is still pending when the
event loop shuts down (which can then wait on it for ever). So shutdown awaits what it cancels.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Any

log = logging.getLogger(__name__)

# After a cancel, how long a task gets to unwind (close its connection, roll back) before it is reported.
CANCEL_WAIT = 3.0


async def finish_tasks(tasks: Collection[asyncio.Future[Any]], *, grace: float, what: str) -> None:
    """Let ``tasks`` run for up to ``grace`` seconds, cancel the rest, and wait for them to end.

    A task that is still running after that is logged by name (it would otherwise hold up the loop's
    shutdown silently); it is never waited on longer.
    """
    current = asyncio.current_task()
    pending = {t for t in tasks if t is not current and not t.done()}
    if pending and grace > 0:
        _, pending = await asyncio.wait(pending, timeout=grace)
    if not pending:
        return
    for task in pending:
        task.cancel()
    _, stuck = await asyncio.wait(pending, timeout=CANCEL_WAIT)
    if stuck:
        names = ", ".join(sorted(_name(t) for t in stuck))
        log.warning("shutdown: %d %s still running after cancel: %s", len(stuck), what, names)


def _name(task: asyncio.Future[Any]) -> str:
    if isinstance(task, asyncio.Task):
        return f"{task.get_name()} ({task.get_coro().__qualname__})"
    return repr(task)
