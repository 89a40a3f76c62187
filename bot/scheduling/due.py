"""One mechanism for due work: claim what is due, deliver it, record the outcome, fall back on closed DMs.

A feature registers a :class:`DueJob`: a *source* of due rows and a *deliver* function. On every tick the
runner, for each job, claims a batch from the source (the source claims exactly once and moves its rows on
in the same transaction), delivers the batch concurrently, and hands every result back to the source to
record, whatever happened: a delivery that raised anything at all is recorded as failed. A member whose
DMs are closed is marked once by the source and, the first time only, told in the club channel through
the job's ``notice``. See ``docs/decisions.md`` ("Due work").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from bot.core.clock import Clock
from bot.core.delivery import ChannelNotice, Delivery, DeliveryError, Outcome, Problem, unexpected

log = logging.getLogger(__name__)

T = TypeVar("T")


class DueSource(Protocol[T]):
    """Where a feature's due rows live. Each method is one short transaction."""

    async def claim(self, now: datetime, limit: int) -> Sequence[T]:
        """Claim up to ``limit`` due items (no other process gets them) and commit before returning."""
        ...

    async def has_due(self, now: datetime) -> bool:
        """Whether something is still due that this process could claim right now."""
        ...

    async def record(self, results: Sequence[tuple[T, Delivery]]) -> None:
        """Store the outcome of each delivered item (sent, failed with reason, due again later, skipped)."""
        ...

    async def dms_closed(self, item: T) -> bool:
        """Stop DMing the item's member; True only the first time (so the fallback notice goes out once)."""
        ...


class Notifier(Protocol):
    async def notice(self, notice: ChannelNotice) -> None: ...


@dataclass
class DueJob(Generic[T]):
    """A feature's registration with the runner."""

    name: str
    source: DueSource[T]
    # Send one item; return the message id, raise DeliveryError (anything else counts as failed too).
    deliver: Callable[[T], Awaitable[int | None]]
    # What to say in the club channel the first time a member's DMs are found closed (None: nothing).
    notice: Callable[[T], ChannelNotice | None] | None = None
    batch_size: int = 500
    # A tick keeps claiming while rows are due, but leaves the rest to the next tick after this many batches.
    max_batches: int = 20
    describe: Callable[[T], str] = repr


class DueRunner:
    """Runs every registered job on each tick; one tick at a time per process."""

    def __init__(self, clock: Clock, notifier: Notifier | None = None) -> None:
        self._clock = clock
        self._notifier = notifier
        self._jobs: dict[str, DueJob[Any]] = {}
        self._ticking = asyncio.Lock()
        self._stopping = False
        self._current: asyncio.Task[Any] | None = None

    def register(self, job: DueJob[Any]) -> None:
        if job.name in self._jobs:
            raise ValueError(f"a due-work job named {job.name!r} is registered already")
        self._jobs[job.name] = job

    @property
    def jobs(self) -> list[str]:
        return list(self._jobs)

    async def tick(self) -> dict[str, int]:
        """Run every job once; returns how many items each one sent."""
        if self._ticking.locked() or self._stopping:
            return {}
        async with self._ticking:
            self._current = asyncio.current_task()
            try:
                return {name: await self._run(job) for name, job in self._jobs.items() if not self._stopping}
            finally:
                self._current = None

    async def run(self, name: str) -> int:
        """Run one job now (tests, and a feature that wants its work out at once); returns how many were sent."""
        if self._stopping:
            return 0
        async with self._ticking:
            return await self._run(self._jobs[name])

    async def _run(self, job: DueJob[Any]) -> int:
        sent = 0
        for _ in range(job.max_batches):
            if self._stopping:
                break
            batch = await job.source.claim(self._clock.now(), job.batch_size)
            if batch:
                # Concurrent sends: the Discord output paces them.
                try:
                    results = await asyncio.gather(*(self._deliver(job, item) for item in batch))
                except asyncio.CancelledError:
                    # Shut down mid-batch: nothing claimed stays unrecorded; the items are due again.
                    interrupted = Delivery(Outcome.RETRY, "interrupted by shutdown", Problem.TRANSIENT)
                    await asyncio.shield(job.source.record([(item, interrupted) for item in batch]))
                    raise
                await job.source.record(list(zip(batch, results, strict=True)))
                sent += sum(r.outcome is Outcome.SENT for r in results)
                for item, result in zip(batch, results, strict=True):
                    if result.problem is Problem.DMS_CLOSED:
                        await self._dms_closed(job, item)
            if not await job.source.has_due(self._clock.now()):
                break
        if sent:
            log.info("%s: %d sent", job.name, sent)
        return sent

    async def _deliver(self, job: DueJob[Any], item: Any) -> Delivery:
        try:
            return Delivery.sent(await job.deliver(item))
        except DeliveryError as error:
            log.warning("%s %s failed: %s (%s)", job.name, job.describe(item), error, error.problem.value)
            return Delivery.from_error(error)
        except Exception as error:  # a bug must not lose the rest of the batch or leave the item unrecorded
            log.exception("%s %s crashed", job.name, job.describe(item))
            return Delivery.from_error(unexpected(error))

    async def _dms_closed(self, job: DueJob[Any], item: Any) -> None:
        """The closed-DM fallback, for every feature: mark once, then tell the member in the club channel."""
        if not await job.source.dms_closed(item) or job.notice is None or self._notifier is None:
            return
        notice = job.notice(item)
        if notice is None:
            return
        try:
            await self._notifier.notice(notice)
        except DeliveryError as error:
            log.warning("%s: could not post the closed-DM notice in channel %s: %s",
                        job.name, notice.channel_id, error)

    async def stop(self, timeout: float) -> None:
        """Take no new work; give a running tick ``timeout`` seconds, then cancel it (its items are recorded)."""
        self._stopping = True
        task = self._current
        if task is None or task.done():
            return
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

