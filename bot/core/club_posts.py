"""Weekly club posts: when they are due, and sending each exactly once.

Fire times come from :mod:`bot.core.weekly_times` (DST-safe). The claim row (unique per club, kind and
period, kept by :mod:`bot.db.post_runs`) is the guard: no matter how often a job fires, or in how many
processes, one period gets one post. Every claim ends as sent, failed or skipped, whatever happens while
building or sending; a claim whose process died is taken over after its lease; after an ambiguous failure
the post is looked for before it is sent again. See ``docs/decisions.md`` ("Due work").
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.core.clock import Clock
from bot.core.delivery import DeliveryError, Problem, unexpected
from bot.core.leaderboard import Board, LeaderboardService
from bot.core.routines import RoutineService, WeekPlan
from bot.core.timeutil import local_date, week_key
from bot.core.weekly_times import next_fire, previous_fire
from bot.db.engine import SessionFactory
from bot.db.models import Club, ScheduledRun
from bot.db.post_runs import PostRuns, RunStatus
from bot.db.repo import get_club

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostTiming:
    """The weekly posts' timing rules (from Settings)."""

    # A post missed by less than this (downtime, restart) still goes out, marked late.
    grace: timedelta = timedelta(hours=1)
    # Posts later than this after their time say so (a busy minute with thousands of clubs queues
    # posts for a few minutes at Discord's rate; that is not "late").
    late_after: timedelta = timedelta(minutes=10)
    retry_delays: tuple[float, ...] = (2.0, 8.0, 30.0)
    # A claim older than this that never finished (the process died) is taken over.
    lease: timedelta = timedelta(minutes=5)


INTERRUPTED = "interrupted: the bot was stopping"


class PostKind(StrEnum):
    ROUTINE = "routine"
    LEADERBOARD = "leaderboard"


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
    # The previous post failed: the post says so, without the reason (that is for admins, in /club show).
    previous_failure: str | None = None
    # Sent with the message: Discord drops a repeat with the same nonce, and the post can be found again.
    nonce: str | None = None


class PostSender(Protocol):
    async def __call__(self, post: ClubPost) -> int:
        """Send the post; return the message id or raise DeliveryError."""
        ...


class FindsPosts(Protocol):
    async def find(self, post: ClubPost, since: datetime) -> int | None:
        """The id of the post if it is in the channel already (sent since ``since``)."""
        ...


class TellsAdmins(Protocol):
    async def tell_admin(self, user_id: int, guild_id: int, reason: str) -> None: ...


@dataclass(frozen=True)
class FireResult:
    status: str  # sent, failed, skipped, duplicate, in-flight, paused, no-channel, blocked
    period_key: str | None = None
    message_id: int | None = None
    late: bool = False
    detail: str = ""
    # For in-flight: when the other claim's lease runs out and the period may be taken over.
    retry_at: datetime | None = None
    kind: str | None = None


Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class _Plan:
    due: datetime
    key: str
    status: RunStatus
    late: bool


@dataclass
class _Claim:
    run: ScheduledRun
    # Set when an earlier attempt at this period may have reached Discord: look before sending.
    look_since: datetime | None = None


class ClubPostService:
    """Claims, builds and sends the weekly posts; every claim ends as sent, failed or skipped."""

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock,
        routines: RoutineService,
        boards: LeaderboardService,
        *,
        sleep: Sleep = asyncio.sleep,
        timing: PostTiming | None = None,
        retry_delays: tuple[float, ...] | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._routines = routines
        self._boards = boards
        self._sleep = sleep
        self._runs = PostRuns(sessions, clock.now)
        timing = timing or PostTiming()
        self.timing = replace(timing, retry_delays=retry_delays) if retry_delays is not None else timing

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
        # Read the club, the last outcome and claim the period in one transaction (one write on SQLite).
        thread = self._runs.thread
        if thread is not None:
            claimed = await thread.run(functools.partial(self._claim_sync, guild_id, kind, now, due, manual))
        else:
            async with self._sessions() as session:
                club, previous = await PostRuns.club_and_last_failure(session, guild_id)
                plan = self._plan(club, kind, now, due, manual)
                if isinstance(plan, _Plan):
                    assert club is not None
                    run = await PostRuns.claim_in(session, club, kind, plan.key, plan.due, now, status=plan.status,
                                                  late=plan.late)
                    await session.commit()
                claimed = (club, previous, plan, run) if isinstance(plan, _Plan) else plan
        if isinstance(claimed, FireResult):
            return claimed
        club, previous, plan, run = claimed
        assert club is not None
        if plan.status is RunStatus.SKIPPED:
            return FireResult("skipped", plan.key, detail="missed by more than the grace window")
        key, due = plan.key, plan.due
        claim = _Claim(run) if run is not None else await self._take_over(club, kind, key, due, now, manual=manual)
        if isinstance(claim, FireResult):
            return claim
        return await self._deliver(club, kind, claim, previous, send)

    def _plan(
        self, club: Club | None, kind: PostKind, now: datetime, due: datetime | None, manual: bool
    ) -> _Plan | FireResult:
        """What a run does with the club as read: nothing (and why), or claim which period and how."""
        if club is None:
            return FireResult("skipped", detail="no club")
        if club.paused and not manual:
            return FireResult("paused")
        if club.channel_id is None:
            return FireResult("no-channel")
        if club.post_problem and not manual:
            # Channel gone or no access: admins were told once; no attempt every week until they fix it.
            return FireResult("blocked", detail=club.post_problem)
        due = now if manual else (due or self.due_at(club, kind, now))
        key = self.period_for(club, kind, due)
        lateness = now - due
        if lateness > self.timing.grace:
            return _Plan(due, key, RunStatus.SKIPPED, late=True)
        return _Plan(due, key, RunStatus.CLAIMED, late=lateness > self.timing.late_after)

    def _claim_sync(
        self, guild_id: int, kind: PostKind, now: datetime, due: datetime | None, manual: bool, session: Session
    ) -> tuple[Club, str | None, _Plan, ScheduledRun | None] | FireResult:
        """:meth:`fire`'s read and claim, in the SQLite thread's session."""
        club, previous = PostRuns.club_and_last_failure_sync(session, guild_id)
        plan = self._plan(club, kind, now, due, manual)
        if isinstance(plan, FireResult):
            return plan
        assert club is not None
        run = PostRuns.claim_sync(session, club, kind, plan.key, plan.due, now, status=plan.status, late=plan.late)
        session.commit()
        return club, previous, plan, run

    async def close(self) -> None:
        """Stop the SQLite thread of the claims and outcomes (if there is one)."""
        await self._runs.close()

    async def _take_over(
        self, club: Club, kind: PostKind, key: str, due: datetime, now: datetime, *, manual: bool
    ) -> _Claim | FireResult:
        """Take the period over when its claim is stale (the process died), or was interrupted, or failed
        or was skipped and an admin asks again (post-now). Never a sent one, never a live claim."""
        async with self._sessions() as session:
            old = (await session.execute(
                select(ScheduledRun).where(
                    ScheduledRun.club_id == club.id, ScheduledRun.kind == kind.value, ScheduledRun.period_key == key)
            )).scalar_one_or_none()
            if old is None:
                return FireResult("duplicate", key)
            stale = old.status == RunStatus.CLAIMED.value and old.claimed_at <= now - self.timing.lease
            interrupted = old.status == RunStatus.FAILED.value and old.error == INTERRUPTED
            retake = manual and old.status in (RunStatus.SKIPPED.value, RunStatus.FAILED.value)
            if not (stale or interrupted or retake):
                if old.status == RunStatus.CLAIMED.value:
                    return FireResult("in-flight", key, retry_at=old.claimed_at + self.timing.lease, kind=kind.value)
                return FireResult("duplicate", key)
            values: dict[str, Any] = {"status": RunStatus.CLAIMED.value, "claimed_at": now, "error": None,
                                      "problem": None}
            if manual:
                values.update(scheduled_for=due, late=False)
            # Conditional on the row as read: of two processes taking over at once, one wins.
            result = await session.execute(
                update(ScheduledRun)
                .where(ScheduledRun.id == old.id, ScheduledRun.status == old.status,
                       ScheduledRun.claimed_at == old.claimed_at)
                .values(**values)
            )
            await session.commit()
            if not result.rowcount:  # type: ignore[attr-defined]
                return FireResult("duplicate", key)
            # An unfinished or failed earlier attempt may have reached Discord.
            look_since = min(old.claimed_at, old.scheduled_for) if old.status != RunStatus.SKIPPED.value else None
            run = await session.get(ScheduledRun, old.id, populate_existing=True)
            assert run is not None
            if stale:
                log.warning("took over the stale %s claim of guild %s for %s", kind.value, club.guild_id, key)
            return _Claim(run, look_since)

    async def _build(
        self, club: Club, kind: PostKind, due: datetime, late: bool, previous: str | None = None,
        nonce: str | None = None,
    ) -> ClubPost:
        assert club.channel_id is not None
        if kind is PostKind.ROUTINE:
            plan = self._routines.plan_for_club(club, due)
            return ClubPost(kind, club.guild_id, club.channel_id, club.role_id, late, plan=plan,
                            previous_failure=previous, nonce=nonce)
        board = await self._boards.finished_week(club.guild_id, at=due)
        return ClubPost(kind, club.guild_id, club.channel_id, club.role_id, late, board=board,
                        previous_failure=previous, nonce=nonce)

    async def _deliver(
        self, club: Club, kind: PostKind, claim: _Claim, previous: str | None, send: PostSender
    ) -> FireResult:
        """Build and send with retries; whatever happens, the claim ends as sent or failed."""
        run = claim.run
        attempts = 0
        error: DeliveryError | None = None
        look_since = claim.look_since
        try:
            post = await self._build(club, kind, run.scheduled_for, run.late, previous, nonce=_nonce(run))
            for delay in (*self.timing.retry_delays, None):
                if look_since is not None:
                    found = await self._look_for(send, post, look_since)
                    if found is not None:
                        await self._runs.finish(run, RunStatus.SENT, attempts, message_id=found)
                        return FireResult("sent", run.period_key, found, post.late, detail="found in the channel")
                attempts += 1
                try:
                    message_id = await send(post)
                except DeliveryError as exc:
                    error = exc
                except Exception as exc:
                    log.warning("post %s/%s for guild %s raised", run.kind, run.period_key, post.guild_id,
                                exc_info=exc)
                    error = unexpected(exc)
                else:
                    await self._runs.finish(run, RunStatus.SENT, attempts, message_id=message_id)
                    if club.post_problem:
                        await self._runs.set_problem(club, None)
                    return FireResult("sent", run.period_key, message_id, post.late)
                log.warning("post %s/%s for guild %s failed (attempt %d): %s",
                            run.kind, run.period_key, post.guild_id, attempts, error)
                if not error.transient or delay is None:
                    break
                look_since = run.claimed_at if error.maybe_delivered else None
                await self._sleep(delay)
        except asyncio.CancelledError:
            # Shutdown mid-post: record it (shielded from a second cancel), then let the cancel go on.
            await asyncio.shield(self._runs.finish(run, RunStatus.FAILED, attempts, error=INTERRUPTED,
                                              problem=Problem.INTERNAL))
            raise
        except Exception as exc:
            log.warning("post %s/%s for guild %s could not be built", run.kind, run.period_key, club.guild_id,
                        exc_info=exc)
            error = unexpected(exc)
        assert error is not None
        await self._runs.finish(run, RunStatus.FAILED, attempts, error=str(error)[:500], problem=error.problem)
        if error.problem.needs_admin:
            await self._block(club, str(error), send)
        return FireResult("failed", run.period_key, late=run.late, detail=str(error))

    async def _look_for(self, send: PostSender, post: ClubPost, since: datetime) -> int | None:
        finder = getattr(send, "find", None)  # senders that cannot look (tests' recorders) just send again
        if finder is None:
            return None
        try:
            return await finder(post, since - timedelta(minutes=1))
        except Exception as exc:
            log.warning("could not look for an earlier post in channel %s: %s", post.channel_id, exc)
            return None

    async def _block(self, club: Club, reason: str, send: PostSender) -> None:
        """Record a problem only an admin can fix, and tell the admin who set the club up, once."""
        if not await self._runs.set_problem(club, reason[:300]):
            return
        teller = getattr(send, "tell_admin", None)
        if teller is None or club.configured_by is None:
            return
        try:
            await teller(club.configured_by, club.guild_id, reason)
        except Exception as exc:
            log.warning("could not DM the admin of guild %s about the post problem: %s", club.guild_id, exc)

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
        return await self._runs.last_failure(club.id)

    async def recent_runs(self, guild_id: int, limit: int = 5) -> list[ScheduledRun]:
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
        if club is None or club.id is None:
            return []
        return await self._runs.recent(club.id, limit)

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


def _nonce(run: ScheduledRun) -> str:
    """The same for every attempt at one period's post (Discord keeps nonces to 25 characters)."""
    return f"gc-post-{run.id}"
