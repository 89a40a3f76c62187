"""Weekly club posts: when they are due, and sending each exactly once.

Fire times come from :func:`next_fire`, built on the DST-safe wall-clock resolution in
:mod:`bot.core.timeutil`: a time inside a spring-forward gap fires once at the first
valid instant after the gap, a time inside a fall-back overlap fires once (the first
occurrence). The claim row (unique per club, kind and period) is the second guard: no
matter how often a job fires, or in how many processes, one period gets one post.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.core.clock import Clock
from bot.core.leaderboard import Board, LeaderboardService
from bot.core.routines import RoutineService, WeekPlan
from bot.core.timeutil import day_index, local_date, parse_hhmm, resolve_local, week_key, zone
from bot.db.engine import SessionFactory
from bot.db.models import Club, ScheduledRun
from bot.db.repo import get_club

log = logging.getLogger(__name__)

# A post missed by less than this (downtime, restart) still goes out, marked late.
GRACE = timedelta(hours=1)
# Posts later than this after their time say so (a busy minute with thousands of clubs queues
# posts for a few minutes at Discord's rate; that is not "late").
LATE_AFTER = timedelta(minutes=10)
RETRY_DELAYS = (2.0, 8.0, 30.0)


class PostKind(StrEnum):
    ROUTINE = "routine"
    LEADERBOARD = "leaderboard"


class RunStatus(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


def next_fire(day: str, at: str | time, tz: str, after: datetime) -> datetime:
    """The first weekly fire instant strictly after ``after`` (UTC, aware)."""
    wall_time = parse_hhmm(at) if isinstance(at, str) else at
    local_today = after.astimezone(zone(tz)).date()
    offset = (day_index(day) - local_today.weekday()) % 7
    for week in range(3):
        candidate_day = local_today + timedelta(days=offset + 7 * week)
        instant = resolve_local(datetime.combine(candidate_day, wall_time), tz)
        if instant > after:
            return instant
    raise AssertionError("unreachable: a weekly time always recurs within three weeks")


def previous_fire(day: str, at: str, tz: str, now: datetime) -> datetime:
    """The latest weekly fire instant at or before ``now``."""
    candidate = next_fire(day, at, tz, now - timedelta(days=8))
    while True:
        following = next_fire(day, at, tz, candidate)
        if following > now:
            return candidate
        candidate = following


@dataclass(frozen=True)
class ClubPost:
    """What to send; rendering happens in the Discord layer."""

    kind: PostKind
    guild_id: int
    channel_id: int
    role_id: int | None
    late: bool
    plan: WeekPlan | None = None
    board: Board | None = None
    previous_failure: str | None = None


class SendError(Exception):
    """A send that did not go through; ``transient`` ones are retried."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class PostSender(Protocol):
    async def __call__(self, post: ClubPost) -> int:
        """Send the post; return the message id or raise SendError."""
        ...


@dataclass(frozen=True)
class FireResult:
    status: str  # sent, failed, skipped, duplicate, paused, no-channel
    period_key: str | None = None
    message_id: int | None = None
    late: bool = False
    detail: str = ""


Sleep = Callable[[float], Awaitable[None]]


class ClubPostService:
    """Claims, builds and sends the weekly posts."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        routines: RoutineService,
        boards: LeaderboardService,
        *,
        sleep: Sleep = asyncio.sleep,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._routines = routines
        self._boards = boards
        self._sleep = sleep
        self._retry_delays = retry_delays

    def now(self) -> datetime:
        return self._clock.now()

    @staticmethod
    def due_at(club: Club, kind: PostKind, now: datetime) -> datetime:
        day, at = (club.post_day, club.post_time) if kind is PostKind.ROUTINE else (
            club.leaderboard_day, club.leaderboard_time)
        return previous_fire(day, at, club.timezone, now)

    @staticmethod
    def next_at(club: Club, kind: PostKind, now: datetime) -> datetime:
        day, at = (club.post_day, club.post_time) if kind is PostKind.ROUTINE else (
            club.leaderboard_day, club.leaderboard_time)
        return next_fire(day, at, club.timezone, now)

    @staticmethod
    def period_for(club: Club, kind: PostKind, due: datetime) -> str:
        day = local_date(due, club.timezone)
        if kind is PostKind.LEADERBOARD:
            # The board covers the club-week that ended before this post.
            day -= timedelta(days=7)
        return week_key(day, club.week_start)

    async def fire(
        self, guild_id: int, kind: PostKind | str, send: PostSender, *, due: datetime | None = None,
        manual: bool = False,
    ) -> FireResult:
        """Run one scheduled (or manual) post for ``guild_id``: claim, build, send, record."""
        kind = PostKind(kind)
        now = self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
        if club is None:
            return FireResult("skipped", detail="no club")
        if club.paused and not manual:
            return FireResult("paused")
        if club.channel_id is None:
            return FireResult("no-channel")
        due = now if manual else (due or self.due_at(club, kind, now))
        key = self.period_for(club, kind, due)
        lateness = now - due
        if lateness > GRACE:
            await self._claim(club, kind, key, due, now, status=RunStatus.SKIPPED, late=True)
            return FireResult("skipped", key, detail="missed by more than the grace window")
        late = lateness > LATE_AFTER
        assert club.id is not None
        previous = await self._last_failure(club.id)
        run = await self._claim(club, kind, key, due, now, status=RunStatus.CLAIMED, late=late)
        if run is None and manual:
            run = await self._reclaim(club, kind, key, due, now)
        if run is None:
            return FireResult("duplicate", key)
        post = await self._build(club, kind, due, late, previous)
        return await self._send_with_retries(run, post, send)

    async def _claim(
        self, club: Club, kind: PostKind, key: str, due: datetime, now: datetime, *, status: RunStatus, late: bool
    ) -> ScheduledRun | None:
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

    async def _reclaim(self, club: Club, kind: PostKind, key: str, due: datetime, now: datetime) -> ScheduledRun | None:
        """Take over a period whose post was skipped or failed (a manual post-now); never a sent one."""
        async with self._sessions() as session:
            result = await session.execute(
                update(ScheduledRun)
                .where(
                    ScheduledRun.club_id == club.id,
                    ScheduledRun.kind == kind.value,
                    ScheduledRun.period_key == key,
                    ScheduledRun.status.in_([RunStatus.SKIPPED.value, RunStatus.FAILED.value]),
                )
                .values(status=RunStatus.CLAIMED.value, scheduled_for=due, claimed_at=now, late=False, error=None)
            )
            await session.commit()
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            return (
                await session.execute(
                    select(ScheduledRun).where(
                        ScheduledRun.club_id == club.id,
                        ScheduledRun.kind == kind.value,
                        ScheduledRun.period_key == key,
                    )
                )
            ).scalar_one()

    async def _build(
        self, club: Club, kind: PostKind, due: datetime, late: bool, previous: str | None = None
    ) -> ClubPost:
        assert club.channel_id is not None
        if kind is PostKind.ROUTINE:
            plan = self._routines.plan_for_club(club, due)
            return ClubPost(kind, club.guild_id, club.channel_id, club.role_id, late, plan=plan,
                            previous_failure=previous)
        board = await self._boards.finished_week(club.guild_id, at=due)
        return ClubPost(kind, club.guild_id, club.channel_id, club.role_id, late, board=board,
                        previous_failure=previous)

    async def _send_with_retries(self, run: ScheduledRun, post: ClubPost, send: PostSender) -> FireResult:
        attempts = 0
        error = ""
        for delay in (*self._retry_delays, None):
            attempts += 1
            try:
                message_id = await send(post)
            except SendError as exc:
                error = str(exc)[:500]
                log.warning("post %s/%s for guild %s failed (attempt %d): %s",
                            run.kind, run.period_key, post.guild_id, attempts, error)
                if not exc.transient or delay is None:
                    break
                await self._sleep(delay)
                continue
            await self._finish(run, RunStatus.SENT, attempts, message_id=message_id)
            return FireResult("sent", run.period_key, message_id, post.late)
        await self._finish(run, RunStatus.FAILED, attempts, error=error)
        return FireResult("failed", run.period_key, late=post.late, detail=error)

    async def _finish(
        self, run: ScheduledRun, status: RunStatus, attempts: int, *, message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        async with self._sessions() as session:
            stored = await session.get(ScheduledRun, run.id)
            assert stored is not None
            stored.status = status.value
            stored.attempts = attempts
            stored.message_id = message_id
            stored.error = error
            stored.finished_at = self._clock.now()
            session.add(stored)
            await session.commit()

    async def preview(self, club: Club) -> ClubPost:
        """The next routine post as it would go out, without claiming or sending anything."""
        due = self.next_at(club, PostKind.ROUTINE, self._clock.now())
        if club.channel_id is None:
            club = club.model_copy(update={"channel_id": 0})
        return await self._build(club, PostKind.ROUTINE, due, late=False)

    async def last_failure(self, guild_id: int) -> str | None:
        """The error of the latest post if it failed, for `/club show` and the next post."""
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
        if club is None or club.id is None:
            return None
        return await self._last_failure(club.id)

    async def _last_failure(self, club_id: int) -> str | None:
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

    async def recent_runs(self, guild_id: int, limit: int = 5) -> list[ScheduledRun]:
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            if club is None:
                return []
            rows = await session.execute(
                select(ScheduledRun)
                .where(ScheduledRun.club_id == club.id)
                .order_by(ScheduledRun.claimed_at.desc(), ScheduledRun.id.desc())
                .limit(limit)
            )
            return list(rows.scalars())

    async def catch_up(self, guild_id: int, send: PostSender) -> list[FireResult]:
        """After downtime: send what was missed within the grace window, record older misses as skipped."""
        results = []
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
        if club is None or club.paused or club.channel_id is None:
            return results
        now = self._clock.now()
        for kind in PostKind:
            due = self.due_at(club, kind, now)
            if due < club.created_at:
                continue
            results.append(await self.fire(guild_id, kind, send, due=due))
        return results
