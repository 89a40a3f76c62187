"""The runner of the send-once jobs: claim what is due, send it, record the outcome, fall back on closed DMs.

A feature registers a :class:`DueJob`: a :class:`~bot.scheduling.claim_source.ClaimSource` (the feature's
due rows, claimed in the ``send_claim`` table, plus the claims due again) and a *deliver* function. On
every tick the runner, for each job, claims a batch, sends each item through :func:`bot.core.sending.attempt`
(the nonce of its claim with every create; a look for an earlier attempt after an ambiguous failure or
when the claim was taken again), and hands every result back to the source to record, whatever happened:
a delivery that raised anything at all is recorded as failed, a shutdown mid-send leaves the claim due
again. A member whose DMs are closed is marked once and, the first time only, told in the club channel
through the job's ``notice``. See ``docs/decisions.md`` ("Send once").
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from bot.core.clock import Clock
from bot.core.delivery import ChannelNotice, DeliveryError, Problem
from bot.core.sending import Attempt, attempt
from bot.scheduling.claim_source import MAX_ATTEMPTS

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class DueSource(Protocol[T_co]):
    """Where a job's items come from: the claim table (:class:`~bot.scheduling.claim_source.ClaimSource`)."""

    async def claim(self, now: datetime, limit: int) -> Sequence[T_co]: ...

    async def has_due(self, now: datetime) -> bool: ...

    async def record(self, results: Sequence[tuple[Any, Attempt]], *, interrupted: bool = False) -> None: ...

    async def dms_closed(self, item: Any) -> bool: ...


class Notifier(Protocol):
    async def notice(self, notice: ChannelNotice) -> None: ...


@dataclass
class DueJob(Generic[T]):
    """A feature's registration with the runner; ``name`` is the claim kind."""

    name: str
    source: DueSource[T]
    # Send one item with its claim's nonce; return the message id, raise DeliveryError (anything else
    # counts as failed too).
    deliver: Callable[[T], Awaitable[int | None]]
    # Look for the item's message sent by an earlier attempt (its nonce, or our marker); None: cannot look.
    find: Callable[[T], Awaitable[int | None]] | None = None
    # What to say in the club channel the first time a member's DMs are found closed (None: nothing).
    notice: Callable[[T], ChannelNotice | None] | None = None
    batch_size: int = 500
    # A tick keeps claiming while rows are due, but leaves the rest to the next tick after this many batches.
    max_batches: int = 20
    describe: Callable[[T], str] = repr
    # Waits between attempts within the tick after a transient failure (none: one attempt).
    retry_delays: Sequence[float] = ()


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

    def job(self, name: str) -> DueJob[Any]:
        return self._jobs[name]

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
            # Tracked like a tick: a stop waits for it, then cancels it (its claims are recorded).
            self._current = asyncio.current_task()
            try:
                return await self._run(self._jobs[name])
            finally:
                self._current = None

    async def _run(self, job: DueJob[Any]) -> int:
        sent = 0
        for _ in range(job.max_batches):
            if self._stopping:
                break
            batch = await job.source.claim(self._clock.now(), job.batch_size)
            if batch:
                # Concurrent sends: the Discord output paces them.
                states = [Attempt() for _ in batch]
                try:
                    await asyncio.gather(*map(functools.partial(self._deliver, job), batch, states))
                except asyncio.CancelledError:
                    # Shut down mid-batch: what was not sent is due again at once, after a look (a restart).
                    await asyncio.shield(job.source.record(list(zip(batch, states, strict=True)),
                                                           interrupted=True))
                    raise
                await job.source.record(list(zip(batch, states, strict=True)))
                sent += sum(state.sent for state in states)
                for item, state in zip(batch, states, strict=True):
                    if state.error is not None and state.error.problem is Problem.DMS_CLOSED:
                        await self._dms_closed(job, item)
            if not await job.source.has_due(self._clock.now()):
                break
        if sent:
            log.info("%s: %d sent", job.name, sent)
        return sent

    async def _deliver(self, job: DueJob[Any], item: Any, state: Attempt) -> None:
        claim = getattr(item, "claim", None)
        state.attempts = claim.attempts if claim is not None else 0
        find = (lambda: job.find(item)) if job.find is not None else None
        # No more sends in all than a claim may have (bot.scheduling.claim_source.MAX_ATTEMPTS).
        delays = job.retry_delays[:max(MAX_ATTEMPTS - 1 - state.attempts, 0)]
        await attempt(lambda: job.deliver(item), find, delays, look_first=bool(claim and claim.retaken),
                      state=state, describe=f"{job.name} {job.describe(item)}")

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

