"""The record of the weekly posts: one claim row per club, kind and period, its outcome, and the club's
post problem (channel gone, no access) that holds the scheduled posts until an admin fixes it.

Many clubs share a post minute, so the outcomes of posts that finish together are written in one
transaction (:class:`Outcomes`): one commit for a handful of posts instead of one each, which on SQLite
(one writer at a time) is most of a post's database time. A post's ``finish`` returns once its row is
committed; a process that dies before that leaves the claim open, and it is taken over after its lease
and looked for in the channel before anything is sent again (:mod:`bot.core.club_posts`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.core.delivery import Outcome
from bot.db.engine import SessionFactory
from bot.db.models import Club, SendClaim
from bot.db.send_claims import new_nonce
from bot.db.sqlite_thread import SqliteThread

T = TypeVar("T")

# The kinds of claim that are club posts (the claim's subject is the club: the unique key serves a club's posts).
POST_KINDS = ("routine", "leaderboard")
# The same as ``kind IN (…)``, without the list bound as an expanding parameter: that one makes SQLAlchemy
# render the statement again on every execution, about an eighth of each weekly post's read of its club.
_IS_POST = or_(*(SendClaim.kind == kind for kind in POST_KINDS))
# Settled: neither being sent now nor waiting for its next try (same reason: no expanding IN list).
_IS_SETTLED = and_(SendClaim.status != Outcome.CLAIMED.value, SendClaim.status != Outcome.PENDING.value)


# One statement for a batch of outcomes (executemany): the SET columns come from the keys of the values
# (every outcome sets the same ones), the row from ``run_id``.
_RUNS = SendClaim.__table__  # type: ignore[attr-defined]
_FINISH = update(_RUNS).where(_RUNS.c.id == bindparam("run_id"))
# The statements of a post's claim, built once (building and keying them costs more than running them).
_CLAIM_COLUMNS = [column.name for column in _RUNS.columns if column.name != "id"]
_CLAIM = {
    name: insert(_RUNS).on_conflict_do_nothing().returning(_RUNS.c.id)  # VALUES from the parameters' keys
    for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
# A post counts as failed when it was given up, or dropped as too late after failed sends.
_GAVE_UP = (SendClaim.status == Outcome.FAILED.value) | (
    (SendClaim.status == Outcome.SKIPPED.value) & (SendClaim.attempts > 0))
_LATEST_FAILURE = (
    select(case((_GAVE_UP,
                 func.coalesce(func.nullif(SendClaim.error, ""), "unknown error"))))
    .where(_IS_POST, SendClaim.subject_id == Club.id, _IS_SETTLED)
    .order_by(SendClaim.claimed_at.desc(), SendClaim.id.desc())
    .limit(1)
    .scalar_subquery()
)
_CLUB_AND_LAST_FAILURE = select(Club, _LATEST_FAILURE).where(Club.guild_id == bindparam("guild_id"))


def _new_run(
    club: Club, kind: StrEnum, key: str, due: datetime, now: datetime, status: Outcome, late: bool,
    lease: timedelta,
) -> tuple[SendClaim, dict[str, Any]]:
    """The claim row, and its values for the claim statement (one statement, no savepoint: the unique
    constraint decides, and the loser gets no row back)."""
    assert club.id is not None
    run = SendClaim(kind=kind.value, subject_id=club.id, club_id=club.id, period_key=key, status=status.value,
                    late=late, nonce=new_nonce(), scheduled_for=due, claimed_at=now, attempts=0,
                    lease_until=now + lease if status is Outcome.CLAIMED else None,
                    finished_at=now if status.finished else None)
    return run, {name: getattr(run, name) for name in _CLAIM_COLUMNS}


class Outcomes:
    """Writes post outcomes; those that arrive while a batch is being written go together in the next one."""

    def __init__(self, sessions: SessionFactory, thread: SqliteThread | None = None) -> None:
        self._sessions = sessions
        self._thread = thread
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, values: dict[str, Any]) -> None:
        """Store one outcome; returns once it is committed, raises what the commit raised."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((values, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        # The caller may be cancelled (shutdown); the write itself goes on and is committed.
        await asyncio.shield(done)

    async def drain(self) -> None:
        """Wait until every outcome handed in so far is written (or has failed)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer})

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            rows = [values for values, _ in batch]
            try:
                if self._thread is not None:
                    await self._thread.run(lambda session, rows=rows: _finish_sync(session, rows))  # type: ignore[misc]
                else:
                    async with self._sessions() as session:
                        await session.execute(_FINISH, rows)
                        await session.commit()
            except BaseException as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error if isinstance(error, Exception) else RuntimeError(repr(error)))
                if not isinstance(error, Exception):
                    for _, done in self._waiting:
                        done.set_exception(RuntimeError("the outcome writer was stopped"))
                    self._waiting = []
                    raise
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


def _finish_sync(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(_FINISH, rows)
    session.commit()


class PostRuns:
    def __init__(self, sessions: SessionFactory, now: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._now = now
        engine = sessions.kw.get("bind")
        # On a SQLite file the claims and outcomes run in one thread of their own (bot/db/sqlite_thread.py).
        self.thread = SqliteThread.for_file(engine.url, "post-runs") if engine is not None else None
        self._outcomes = Outcomes(sessions, self.thread)

    async def close(self) -> None:
        """Write the outcomes still queued, then stop the SQLite thread. A post cancelled at shutdown hands in
        its "interrupted" outcome just before: stopping the thread first would leave its claim claimed."""
        await self._outcomes.drain()
        if self.thread is not None:
            await self.thread.close()

    async def in_transaction(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` with a plain session, one transaction it commits itself: in the SQLite thread on a
        SQLite file (one writer, no event-loop round trips), else through the async session's ``run_sync``.
        One implementation of the claim for both backends."""
        if self.thread is not None:
            return await self.thread.run(work)
        async with self._sessions() as session:
            return await session.run_sync(work)

    async def claim(
        self, club: Club, kind: StrEnum, key: str, due: datetime, now: datetime, *, status: Outcome, late: bool,
        lease: timedelta,
    ) -> SendClaim | None:
        """Insert the period's row; None when it exists (the unique constraint makes this exactly once)."""

        def work(session: Session) -> SendClaim | None:
            run = self.claim_in(session, club, kind, key, due, now, status=status, late=late, lease=lease)
            session.commit()
            return run

        return await self.in_transaction(work)

    @staticmethod
    def claim_in(
        session: Session, club: Club, kind: StrEnum, key: str, due: datetime, now: datetime, *,
        status: Outcome, late: bool, lease: timedelta,
    ) -> SendClaim | None:
        """:meth:`claim` inside the caller's transaction; the caller commits."""
        run, values = _new_run(club, kind, key, due, now, status, late, lease)
        run.id = session.execute(_CLAIM[session.get_bind().dialect.name], values).scalar_one_or_none()
        return run if run.id is not None else None

    async def finish(
        self, run: SendClaim, status: Outcome, attempts: int, *, message_id: int | None = None,
        error: str | None = None, problem: StrEnum | None = None, next_try_at: datetime | None = None,
    ) -> None:
        """Record the post's outcome (batched with others finishing at the same time); ``pending`` with its
        ``next_try_at`` for a transient failure to try again later."""
        await self._outcomes.write({
            "run_id": run.id, "status": status.value, "attempts": attempts, "message_id": message_id,
            "error": error, "problem": problem.value if problem else None,
            "finished_at": self._now() if status.finished else None, "lease_until": None,
            "next_try_at": next_try_at,
        })

    async def due_again(self, now: datetime) -> list[tuple[int, str, datetime]]:
        """Every club post to try again, as (guild id, kind, when): pending at its next try, or claimed by a
        process that died (its lease over). Read at start, to take them again or schedule their next try."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(Club.guild_id, SendClaim.kind,
                       func.coalesce(SendClaim.next_try_at, SendClaim.lease_until, SendClaim.claimed_at))
                .join(Club, Club.id == SendClaim.subject_id)
                .where(SendClaim.kind.in_(POST_KINDS),
                       (SendClaim.status == Outcome.PENDING.value)
                       | ((SendClaim.status == Outcome.CLAIMED.value) & (SendClaim.lease_until <= now)))
            )
            return [(guild_id, kind, at) for guild_id, kind, at in rows]

    @staticmethod
    async def waiting_in(session: AsyncSession, club_id: int, kind: str) -> list[SendClaim]:
        """The club's posts of ``kind`` not finished (``pending``, or ``claimed``), oldest first."""
        return list((await session.execute(
            select(SendClaim).where(SendClaim.kind == kind, SendClaim.subject_id == club_id,
                                    SendClaim.status.in_([Outcome.PENDING.value, Outcome.CLAIMED.value]))
            .order_by(SendClaim.claimed_at, SendClaim.id)
        )).scalars())

    async def skip_waiting(self, run: SendClaim, reason: str, now: datetime) -> bool:
        """Record a post that was waiting as ``skipped`` (no longer useful): a pending one, or a claim whose
        lease ran out; conditional on the row as read, so a process that took it meanwhile keeps it."""
        async with self._sessions() as session:
            result = await session.execute(
                update(SendClaim)
                .where(SendClaim.id == run.id, SendClaim.status == run.status, SendClaim.claimed_at == run.claimed_at,
                       (SendClaim.status == Outcome.PENDING.value) | (SendClaim.lease_until <= now))
                .values(status=Outcome.SKIPPED.value, error=reason, next_try_at=None, lease_until=None,
                        finished_at=now)
            )
            await session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def retrying(self, club_id: int) -> SendClaim | None:
        """The club's latest post waiting for its next try, if one is (for `/club show`)."""
        async with self._sessions() as session:
            return (await session.execute(
                select(SendClaim).where(SendClaim.kind.in_(POST_KINDS), SendClaim.subject_id == club_id,
                                        SendClaim.status == Outcome.PENDING.value)
                .order_by(SendClaim.claimed_at.desc(), SendClaim.id.desc()).limit(1)
            )).scalar_one_or_none()

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
            return await self.last_failure_in(session, club_id)

    @staticmethod
    def club_and_last_failure(session: Session, guild_id: int) -> tuple[Club | None, str | None]:
        """The guild's club and the error of its latest finished post if that failed, in one query."""
        row = session.execute(_CLUB_AND_LAST_FAILURE, {"guild_id": guild_id}).first()
        return (None, None) if row is None else (row[0], row[1])

    @staticmethod
    async def last_failure_in(session: AsyncSession, club_id: int) -> str | None:
        latest = (
            await session.execute(
                select(SendClaim.status, SendClaim.error, SendClaim.attempts)
                .where(_IS_POST, SendClaim.subject_id == club_id, _IS_SETTLED)
                .order_by(SendClaim.claimed_at.desc(), SendClaim.id.desc())
                .limit(1)
            )
        ).first()
        gave_up = latest is not None and (latest.status == Outcome.FAILED.value or (
            latest.status == Outcome.SKIPPED.value and latest.attempts > 0))
        if latest is not None and gave_up:
            return latest.error or "unknown error"
        return None

    async def recent(self, club_id: int, limit: int) -> list[SendClaim]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(SendClaim)
                .where(_IS_POST, SendClaim.subject_id == club_id)
                .order_by(SendClaim.claimed_at.desc(), SendClaim.id.desc())
                .limit(limit)
            )
            return list(rows.scalars())
