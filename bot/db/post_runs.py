"""The record of the weekly posts: one claim row per club, kind and period, its outcome, and the club's
post problem (channel gone, no access) that holds the scheduled posts until an admin fixes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.db.engine import SessionFactory
from bot.db.models import Club, ScheduledRun


class RunStatus(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class PostRuns:
    def __init__(self, sessions: SessionFactory, now: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._now = now

    async def claim(
        self, club: Club, kind: StrEnum, key: str, due: datetime, now: datetime, *, status: RunStatus, late: bool
    ) -> ScheduledRun | None:
        """Insert the period's row; None when it exists (the unique constraint makes this exactly once)."""
        assert club.id is not None
        async with self._sessions() as session:
            run = ScheduledRun(
                club_id=club.id, kind=kind.value, period_key=key, status=status.value, late=late,
                scheduled_for=due, claimed_at=now,
            )
            try:
                session.add(run)
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return None
            return run

    async def finish(
        self, run: ScheduledRun, status: RunStatus, attempts: int, *, message_id: int | None = None,
        error: str | None = None, problem: StrEnum | None = None,
    ) -> None:
        async with self._sessions() as session:
            await session.execute(
                update(ScheduledRun).where(ScheduledRun.id == run.id).values(
                    status=status.value, attempts=attempts, message_id=message_id, error=error,
                    problem=problem.value if problem else None, finished_at=self._now(),
                )
            )
            await session.commit()

    async def set_problem(self, club: Club, reason: str | None) -> bool:
        """Set (or clear) the club's post problem; True only when it went from none to set."""
        async with self._sessions() as session:
            query = update(Club).where(Club.id == club.id)  # type: ignore[arg-type]
            if reason is not None:
                query = query.where(Club.post_problem.is_(None))  # type: ignore[union-attr]
            result = await session.execute(
                query.values(post_problem=reason, post_problem_at=self._now() if reason else None)
            )
            await session.commit()
            return bool(result.rowcount) and reason is not None  # type: ignore[attr-defined]

    async def last_failure(self, club_id: int) -> str | None:
        """The error of the club's latest finished post if it failed."""
        async with self._sessions() as session:
            latest = (
                await session.execute(
                    select(ScheduledRun)
                    .where(ScheduledRun.club_id == club_id, ScheduledRun.status != RunStatus.CLAIMED.value)
                    .order_by(ScheduledRun.claimed_at.desc(), ScheduledRun.id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
        if latest is not None and latest.status == RunStatus.FAILED.value:
            return latest.error or "unknown error"
        return None

    async def recent(self, club_id: int, limit: int) -> list[ScheduledRun]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(ScheduledRun)
                .where(ScheduledRun.club_id == club_id)
                .order_by(ScheduledRun.claimed_at.desc(), ScheduledRun.id.desc())
                .limit(limit)
            )
            return list(rows.scalars())
