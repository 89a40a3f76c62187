"""Tasks a test leaves behind: named, cancelled, and reported instead of hanging the event loop's shutdown."""

from __future__ import annotations

import asyncio
import io
import traceback

# A leftover task gets this long to finish after each cancel, and this many cancels (a task may swallow one,
# e.g. a close() that awaits again in its ``finally``) before it is reported as one that would not finish.
CANCEL_WAIT = 2.0
CANCEL_ROUNDS = 3


def describe(task: asyncio.Task[object]) -> str:
    """The task's name, its coroutine, and where it is suspended."""
    out = io.StringIO()
    task.print_stack(limit=8, file=out)
    created = getattr(task, "_source_traceback", None)  # kept when the loop runs in debug mode
    if created:
        out.write("  created at:\n" + "".join(f"    {frame}" for frame in traceback.format_list(created[-6:])))
    stack = out.getvalue().strip().replace("\n", "\n    ")
    return f"{task.get_name()} ({task.get_coro()!r}):\n    {stack}"


def pending_tasks() -> set[asyncio.Task[object]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current and not t.done()}


async def reap_leftover_tasks() -> tuple[list[str], list[str]]:
    """Cancel the tasks still pending in this loop; return (left over, would not finish even when cancelled).

    Lets queued callbacks run first, so a task that is finishing on its own (its result already set) is not
    counted.
    """
    for _ in range(3):
        await asyncio.sleep(0)
    leftover = pending_tasks()
    if not leftover:
        return [], []
    found = [describe(t) for t in sorted(leftover, key=lambda t: t.get_name())]
    stuck = leftover
    for _ in range(CANCEL_ROUNDS):
        for task in stuck:
            task.cancel()
        _, pending = await asyncio.wait(stuck, timeout=CANCEL_WAIT)
        stuck = pending | (pending_tasks() - leftover)  # a cancelled task may start another one
        leftover |= stuck
        if not stuck:
            break
    return found, [describe(t) for t in stuck]
