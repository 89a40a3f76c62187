"""A due-work source: a feature's own due rows, claimed in the ``send_claim`` table, plus the claims of
that kind that are due again (see :mod:`bot.db.send_claims`).

Nudges, re-test reminders, challenge results and winner-role changes keep *what is due* on their own rows
and claim each piece of work once; this adapter lets the shared runner (:mod:`bot.scheduling.due`) drive
them like any other job: it also takes back claims whose process died (lease over) or that a shutdown
left due again, rebuilds them through the feature, and writes each outcome back on the claim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from bot.core.clock import Clock
from bot.core.delivery import Outcome, Problem
from bot.core.sending import Attempt
from bot.db import send_claims
from bot.db.engine import SessionFactory
from bot.db.models import SendClaim
from bot.db.send_claims import Claim, Finished

INTERRUPTED = "interrupted by shutdown"
# A claim whose sends were tried this many times is given up (failing, or crashing the process).
MAX_ATTEMPTS = 10
# A failure that outlasts the in-run retries is tried again later: after 1 min, 2, 4 … at most an hour apart.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try of a claim that failed ``attempts`` times (at least once)."""
    return min(BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 16), BACKOFF_MAX)


class Claimed(Protocol):
    claim: Claim


T = TypeVar("T", bound=Claimed)

# The feature's items for claims taken again; a claim it leaves out is recorded as skipped (no longer due).
Rebuild = Callable[[Sequence[tuple[SendClaim, Claim]]], Awaitable[Sequence[T]]]


def outcome_of(state: Attempt, *, again: bool = False) -> tuple[Outcome, Problem | None]:
    """The outcome of a finished attempt; ``again``: a failure is worth another try later (the claim becomes
    ``pending`` at its next try, see :func:`backoff`), as long as attempts are left."""
    if state.error is None:
        return Outcome.SENT, None
    problem = state.error.problem
    if problem is Problem.DMS_CLOSED:
        return Outcome.FALLBACK, problem
    # A transient failure was tried again in the run already (bot.core.sending); what still fails is
    # tried again after a wait that grows with each attempt, up to MAX_ATTEMPTS sends in all.
    if (again or state.error.transient) and state.attempts < MAX_ATTEMPTS:
        return Outcome.PENDING, problem
    return Outcome.FAILED, problem


class ClaimSource(Generic[T]):
    def __init__(
        self,
        kind: str,
        claim: Callable[[datetime, int], Awaitable[Sequence[T]]],
        has_due: Callable[[datetime], Awaitable[bool]],
        rebuild: Rebuild[T],
        dms_closed: Callable[[T], Awaitable[bool]],
        sessions: SessionFactory,
        clock: Clock,
        lease: timedelta = send_claims.DEFAULT_LEASE,
        *,
        keep_sent: bool = True,
        again: Callable[[T, Attempt], bool] | None = None,
    ) -> None:
        """``keep_sent=False``: a claim settled as sent is deleted (the feature's row has moved on already).
        ``again(item, state)``: a lasting failure of this item is tried again later too, like a transient one."""
        self.kind = kind
        self._claim = claim
        self._has_due = has_due
        self._rebuild = rebuild
        self._dms_closed = dms_closed
        self._sessions = sessions
        self._clock = clock
        self._lease = lease
        self._keep_sent = keep_sent
        self._again = again

    async def claim(self, now: datetime, limit: int) -> Sequence[T]:
        items = list(await self._claim(now, limit))
        if len(items) < limit:
            items.extend(await self._retake(now, limit - len(items)))
        return items

    async def _retake(self, now: datetime, limit: int) -> list[T]:
        async with self._sessions() as session:
            taken = await send_claims.retake(session, self.kind, now, limit, self._lease)
            await session.commit()
        if not taken:
            return []
        worn = [claim for _row, claim in taken if claim.attempts >= MAX_ATTEMPTS]
        live = [(row, claim) for row, claim in taken if claim.attempts < MAX_ATTEMPTS]
        items = list(await self._rebuild(live)) if live else []
        kept = {item.claim.id for item in items}
        finished = [Finished(c.id, Outcome.FAILED, c.attempts, "given up: too many attempts", Problem.INTERNAL)
                    for c in worn]
        finished += [Finished(c.id, Outcome.SKIPPED, c.attempts, "no longer due") for _r, c in live
                     if c.id not in kept]
        await send_claims.finish(self._sessions, finished, now)
        return items

    async def has_due(self, now: datetime) -> bool:
        if await self._has_due(now):
            return True
        async with self._sessions() as session:
            return await send_claims.has_retake(session, self.kind, now)

    async def record(self, results: Sequence[tuple[T, Attempt]], *, interrupted: bool = False) -> None:
        now = self._clock.now()
        finished = []
        for item, state in results:
            unfinished = state.message_id is None if state.error is None else state.error.transient
            if interrupted and unfinished:
                # Cut off mid-send: due again at once (after the restart), looked for before a new send.
                finished.append(Finished(item.claim.id, Outcome.PENDING, max(state.attempts, 1), INTERRUPTED,
                                         Problem.INTERNAL, next_try_at=now))
                continue
            again = self._again is not None and state.error is not None and self._again(item, state)
            outcome, problem = outcome_of(state, again=again)
            error = str(state.error)[:500] if state.error is not None else None
            next_try = now + backoff(state.attempts) if outcome is Outcome.PENDING else None
            finished.append(Finished(item.claim.id, outcome, state.attempts, error, problem, state.message_id,
                                     next_try_at=next_try))
        await send_claims.finish(self._sessions, finished, now, keep_sent=self._keep_sent)

    async def dms_closed(self, item: T) -> bool:
        return await self._dms_closed(item)
