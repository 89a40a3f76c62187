"""The ``due_work`` table as a due-work source: one-off items a feature schedules for later.

    queue = DueWorkQueue(sessions, clock, timing)
    await queue.schedule("nudge", f"nudge:{member_id}:{week}", due_at, user_id=..., channel_id=..., payload={...})
    runner.register(DueJob("nudge", queue.source("nudge"), deliver=send_nudge, notice=closed_dm_notice))

Scheduling the same ``(kind, key)`` twice keeps the first. A claim sets ``status='claimed'`` and a lease;
the outcome closes it (sent, failed, skipped) or puts it back with a backoff (a transient failure, until
the retries run out). A claim whose lease ran out (the process died mid-send) is claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.core.clock import Clock
from bot.core.delivery import Delivery, Outcome, Problem
from bot.db.engine import SessionFactory
from bot.db.models import DueWork

PENDING, CLAIMED = "pending", "claimed"


@dataclass(frozen=True)
class DueWorkTiming:
    lease: timedelta = timedelta(minutes=5)
    # Waits before the 2nd, 3rd, … attempt after a transient failure; then the item fails for good.
    retry_delays: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


@dataclass(frozen=True)
class DueItem:
    """One claimed item, as the feature's deliver function gets it."""

    id: int
    kind: str
    key: str
    due_at: datetime
    attempts: int
    guild_id: int | None = None
    user_id: int | None = None
    channel_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


class DueWorkQueue:
    def __init__(self, sessions: SessionFactory, clock: Clock, timing: DueWorkTiming | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self.timing = timing or DueWorkTiming()

    async def schedule(
        self, kind: str, key: str, due_at: datetime, *, guild_id: int | None = None, user_id: int | None = None,
        channel_id: int | None = None, payload: dict[str, Any] | None = None,
    ) -> bool:
        """Add an item; False when ``(kind, key)`` exists already (scheduling is idempotent)."""
        if due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        async with self._sessions() as session:
            session.add(DueWork(
                kind=kind, key=key, due_at=due_at, guild_id=guild_id, user_id=user_id, channel_id=channel_id,
                payload=payload or {}, created_at=self._clock.now(),
            ))
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return False
            return True

    async def cancel(self, kind: str, key: str) -> bool:
        """Drop a pending item (one being sent right now finishes). True if there was one."""
        async with self._sessions() as session:
            result = await session.execute(
                update(DueWork)
                .where(DueWork.kind == kind, DueWork.key == key, DueWork.status == PENDING)
                .values(status=Outcome.SKIPPED.value, reason="cancelled", finished_at=self._clock.now())
            )
            await session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, kind: str, key: str) -> DueWork | None:
        async with self._sessions() as session:
            found = await session.execute(select(DueWork).where(DueWork.kind == kind, DueWork.key == key))
            return found.scalar_one_or_none()

    def source(self, kind: str) -> DueWorkSource:
        return DueWorkSource(self, kind)


def _claimable(kind: str, now: datetime) -> Any:
    return and_(
        DueWork.kind == kind,
        or_(
            and_(DueWork.status == PENDING, DueWork.due_at <= now),
            and_(DueWork.status == CLAIMED, DueWork.lease_until <= now),
        ),
    )


class DueWorkSource:
    """The :class:`~bot.scheduling.due.DueSource` of one kind of item in the ``due_work`` table."""

    def __init__(self, queue: DueWorkQueue, kind: str) -> None:
        self._queue = queue
        self.kind = kind

    async def claim(self, now: datetime, limit: int) -> Sequence[DueItem]:
        queue = self._queue
        async with queue._sessions() as session:
            rows = list((await session.execute(
                select(DueWork).where(_claimable(self.kind, now)).order_by(DueWork.due_at).limit(limit)
                .with_for_update(skip_locked=True)
            )).scalars())
            for row in rows:
                row.status = CLAIMED
                row.attempts += 1
                row.lease_until = now + queue.timing.lease
                session.add(row)
            await session.commit()
            return [
                DueItem(r.id, r.kind, r.key, r.due_at, r.attempts, r.guild_id, r.user_id, r.channel_id,
                        dict(r.payload))  # type: ignore[arg-type]
                for r in rows
            ]

    async def has_due(self, now: datetime) -> bool:
        async with self._queue._sessions() as session:
            found = await session.execute(
                select(DueWork.id).where(_claimable(self.kind, now)).limit(1).with_for_update(skip_locked=True)
            )
            return found.first() is not None

    async def record(self, results: Sequence[tuple[DueItem, Delivery]]) -> None:
        queue = self._queue
        now = queue._clock.now()
        delays = queue.timing.retry_delays
        async with queue._sessions() as session:
            for item, result in results:
                values: dict[str, Any] = {
                    "reason": result.reason or None, "lease_until": None,
                    "problem": result.problem.value if result.problem else None,
                }
                if result.outcome is Outcome.RETRY and item.attempts <= len(delays):
                    values.update(status=PENDING, due_at=now + delays[item.attempts - 1])
                else:
                    status = Outcome.FAILED if result.outcome is Outcome.RETRY else result.outcome
                    values.update(status=status.value, message_id=result.message_id, finished_at=now)
                # Only the claim this process holds: a takeover after an expired lease wins.
                await session.execute(
                    update(DueWork).where(DueWork.id == item.id, DueWork.status == CLAIMED,
                                          DueWork.attempts == item.attempts).values(**values)
                )
            await session.commit()

    async def dms_closed(self, item: DueItem) -> bool:
        """True the first time this kind of item found the member's DMs closed (the notice goes out once)."""
        if item.user_id is None:
            return False
        async with self._queue._sessions() as session:
            earlier = await session.execute(
                select(DueWork.id).where(
                    DueWork.kind == self.kind, DueWork.user_id == item.user_id, DueWork.id != item.id,
                    DueWork.problem == Problem.DMS_CLOSED.value,
                ).limit(1)
            )
            return earlier.first() is None
