"""A due-work source over a feature's own rows and the ``due_claim`` table (see :mod:`bot.core.due_claims`).

Nudges, re-test reminders and challenge results keep their due time on their own rows and claim each
piece of work once through a unique ``due_claim`` row; this adapter lets the shared runner
(:mod:`bot.scheduling.due`) drive them like any other job, and writes each outcome back on the claim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

from bot.core.clock import Clock
from bot.core.delivery import Delivery, Outcome, Problem
from bot.core.due_claims import Finished, finish_claims
from bot.core.due_claims import Outcome as ClaimOutcome
from bot.db.engine import SessionFactory

T = TypeVar("T")


def _claim_outcome(delivery: Delivery) -> ClaimOutcome:
    if delivery.outcome is Outcome.SENT:
        return ClaimOutcome.SENT
    if delivery.outcome is Outcome.SKIPPED:
        return ClaimOutcome.SKIPPED
    if delivery.problem is Problem.DMS_CLOSED:
        return ClaimOutcome.FALLBACK
    # A claim is final: a transient failure was already tried again in the tick (bot.scheduling.retrying);
    # what still fails is recorded, and the next period brings new work.
    return ClaimOutcome.FAILED


class ClaimSource(Generic[T]):
    def __init__(
        self,
        claim: Callable[[datetime, int], Awaitable[Sequence[T]]],
        has_due: Callable[[datetime], Awaitable[bool]],
        dms_closed: Callable[[T], Awaitable[bool]],
        claim_id: Callable[[T], int],
        sessions: SessionFactory,
        clock: Clock,
    ) -> None:
        self._claim = claim
        self._has_due = has_due
        self._dms_closed = dms_closed
        self._claim_id = claim_id
        self._sessions = sessions
        self._clock = clock

    async def claim(self, now: datetime, limit: int) -> Sequence[T]:
        return await self._claim(now, limit)

    async def has_due(self, now: datetime) -> bool:
        return await self._has_due(now)

    async def record(self, results: Sequence[tuple[T, Delivery]]) -> None:
        finished = [
            Finished(self._claim_id(item), _claim_outcome(delivery), delivery.reason or None)
            for item, delivery in results
        ]
        await finish_claims(self._sessions, finished, self._clock.now())

    async def dms_closed(self, item: T) -> bool:
        return await self._dms_closed(item)
