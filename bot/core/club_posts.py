"""Weekly club posts: when they are due, and sending each exactly once.

Fire times come from :mod:`bot.core.weekly_times` (DST-safe). The claim row (unique per club, kind and
period, kept by :mod:`bot.db.post_runs`) is the guard: no matter how often a job fires, or in how many
processes, one period gets one post. Every claim ends as sent, failed or skipped, whatever happens while
building or sending; a claim whose process died is taken over after its lease; after an ambiguous failure
the post is looked for before it is sent again (:func:`bot.core.sending.attempt`, the same way every
send-once kind is sent). See ``docs/decisions.md`` ("Send once").
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
from bot.core.delivery import Outcome, Problem, unexpected
from bot.core.leaderboard import Board, LeaderboardService
from bot.core.routines import RoutineService, WeekPlan
from bot.core.sending import LOOK_BACK, Attempt, attempt
from bot.core.timeutil import local_date, week_key
from bot.core.weekly_times import next_fire, previous_fire
from bot.db.engine import SessionFactory
from bot.db.models import Club, SendClaim
from bot.db.post_runs import PostRuns
from bot.db.repo import get_club
from bot.i18n import ENGLISH, Languages, Texts

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
    # The club's language (a catalogue code, or None for English): the post is written in it.
    language: str | None = None


class PostSender(Protocol):
    async def __call__(self, post: ClubPost) -> int:
        """Send the post; return the message id or raise DeliveryError."""
        ...


class FireStatus(StrEnum):
    """What one run of a post did."""

    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    DUPLICATE = "duplicate"  # the period's post is done (or failed for good) already
    IN_FLIGHT = "in-flight"  # another claim holds the period until its lease runs out
    PAUSED = "paused"
    NO_CHANNEL = "no-channel"
    BLOCKED = "blocked"  # channel gone or no access, until an admin fixes it


@dataclass(frozen=True)
class FireResult:
    status: FireStatus
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
    status: Outcome
    late: bool


@dataclass
class _Claim:
    run: SendClaim
    # Set when an earlier attempt at this period may have reached Discord: look before sending.
    look_since: datetime | None = None


class ClubPostService:
    """Claims, builds and sends the weekly posts; every claim ends as sent, failed or skipped."""

    def _texts(self, language: str | None) -> Texts:
        """The texts of a club's posts: its language, English when it has none (or no catalogues are given)."""
        if self._languages is None or not language:
            return ENGLISH
        return self._languages.texts(language)

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
        languages: Languages | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._languages = languages
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
        claimed = await self._runs.in_transaction(functools.partial(self._claim, guild_id, kind, now, due, manual))
        if isinstance(claimed, FireResult):
            return claimed
        club, previous, plan, run = claimed
        if plan.status is Outcome.SKIPPED:
            return FireResult(FireStatus.SKIPPED, plan.key, detail="missed by more than the grace window")
        key, due = plan.key, plan.due
        claim = _Claim(run) if run is not None else await self._take_over(club, kind, key, due, now, manual=manual)
        if isinstance(claim, FireResult):
            return claim
        return await self._deliver(club, kind, claim, previous, send)

    def _claim(
        self, guild_id: int, kind: PostKind, now: datetime, due: datetime | None, manual: bool, session: Session
    ) -> tuple[Club, str | None, _Plan, SendClaim | None] | FireResult:
        """:meth:`fire`'s read and claim, one transaction."""
        club, previous = PostRuns.club_and_last_failure(session, guild_id)
        plan = self._plan(club, kind, now, due, manual)
        if isinstance(plan, FireResult):
            session.commit()
            return plan
        assert club is not None
        run = PostRuns.claim_in(session, club, kind, plan.key, plan.due, now, status=plan.status, late=plan.late,
                                lease=self.timing.lease)
        session.commit()
        return club, previous, plan, run

    def _plan(
        self, club: Club | None, kind: PostKind, now: datetime, due: datetime | None, manual: bool
    ) -> _Plan | FireResult:
        """What a run does with the club as read: nothing (and why), or claim which period and how."""
        if club is None:
            return FireResult(FireStatus.SKIPPED, detail="no club")
        if club.paused and not manual:
            return FireResult(FireStatus.PAUSED)
        if club.channel_id is None:
            return FireResult(FireStatus.NO_CHANNEL)
        if club.post_problem and not manual:
            # Channel gone or no access: admins were told once; no attempt every week until they fix it.
            return FireResult(FireStatus.BLOCKED, detail=club.post_problem)
        due = now if manual else (due or self.due_at(club, kind, now))
        key = self.period_for(club, kind, due)
        lateness = now - due
        if lateness > self.timing.grace:
            return _Plan(due, key, Outcome.SKIPPED, late=True)
        return _Plan(due, key, Outcome.CLAIMED, late=lateness > self.timing.late_after)

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
                select(SendClaim).where(
                    SendClaim.club_id == club.id, SendClaim.kind == kind.value, SendClaim.period_key == key)
            )).scalar_one_or_none()
            if old is None:
                return FireResult(FireStatus.DUPLICATE, key)
            lease_end = old.lease_until or old.claimed_at + self.timing.lease
            stale = old.status == Outcome.CLAIMED.value and lease_end <= now
            interrupted = old.status == Outcome.FAILED.value and old.error == INTERRUPTED
            retake = manual and old.status in (Outcome.SKIPPED.value, Outcome.FAILED.value)
            if not (stale or interrupted or retake):
                if old.status == Outcome.CLAIMED.value:
                    return FireResult(FireStatus.IN_FLIGHT, key, retry_at=lease_end, kind=kind.value)
                return FireResult(FireStatus.DUPLICATE, key)
            values: dict[str, Any] = {"status": Outcome.CLAIMED.value, "claimed_at": now, "error": None,
                                      "problem": None, "lease_until": now + self.timing.lease,
                                      "finished_at": None}
            if manual:
                values.update(scheduled_for=due, late=False)
            # Conditional on the row as read: of two processes taking over at once, one wins.
            result = await session.execute(
                update(SendClaim)
                .where(SendClaim.id == old.id, SendClaim.status == old.status,
                       SendClaim.claimed_at == old.claimed_at)
                .values(**values)
            )
            await session.commit()
            if not result.rowcount:  # type: ignore[attr-defined]
                return FireResult(FireStatus.DUPLICATE, key)
            # An unfinished or failed earlier attempt may have reached Discord.
            scheduled = old.scheduled_for or old.claimed_at
            look_since = min(old.claimed_at, scheduled) if old.status != Outcome.SKIPPED.value else None
            run = await session.get(SendClaim, old.id, populate_existing=True)
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
            plan = self._routines.plan_for_club(club, due, self._texts(club.language))
            return ClubPost(kind, club.guild_id, club.channel_id, club.role_id, late, plan=plan,
                            previous_failure=previous, nonce=nonce, language=club.language)
        board = await self._boards.finished_week(club.guild_id, at=due)
        return ClubPost(kind, club.guild_id, club.channel_id, club.role_id, late, board=board,
                        previous_failure=previous, nonce=nonce, language=club.language)

    async def _deliver(
        self, club: Club, kind: PostKind, claim: _Claim, previous: str | None, send: PostSender
    ) -> FireResult:
        """Build and send with retries; whatever happens, the claim ends as sent or failed."""
        run = claim.run
        state = Attempt()
        assert run.scheduled_for is not None
        describe = f"post {run.kind}/{run.period_key} for guild {club.guild_id}"
        try:
            post = await self._build(club, kind, run.scheduled_for, run.late, previous, nonce=run.nonce)
            look_since = claim.look_since or run.claimed_at
            await attempt(
                lambda: send(post), self._finder(send, post, look_since), self.timing.retry_delays,
                look_first=claim.look_since is not None, state=state, sleep=self._sleep, describe=describe,
            )
        except asyncio.CancelledError:
            # Shutdown mid-post: record it (shielded from a second cancel), then let the cancel go on.
            await asyncio.shield(self._runs.finish(run, Outcome.FAILED, state.attempts, error=INTERRUPTED,
                                              problem=Problem.INTERNAL))
            raise
        except Exception as exc:
            log.warning("%s could not be built", describe, exc_info=exc)
            state.error = unexpected(exc)
        if state.error is None:
            await self._runs.finish(run, Outcome.SENT, state.attempts, message_id=state.message_id)
            if club.post_problem:
                await self._runs.set_problem(club, None)
            await self._after_sent(send, post)
            return FireResult(FireStatus.SENT, run.period_key, state.message_id, post.late,
                              detail="found in the channel" if state.found else "")
        error = state.error
        await self._runs.finish(run, Outcome.FAILED, state.attempts, error=str(error)[:500], problem=error.problem)
        if error.problem.needs_admin:
            await self._block(club, str(error), send)
        return FireResult(FireStatus.FAILED, run.period_key, late=run.late, detail=str(error))

    @staticmethod
    def _finder(send: PostSender, post: ClubPost, since: datetime) -> Callable[[], Awaitable[int | None]] | None:
        finder = getattr(send, "find", None)  # senders that cannot look (tests' recorders) just send again
        if finder is None:
            return None
        return lambda: finder(post, since - LOOK_BACK)

    @staticmethod
    async def _after_sent(send: PostSender, post: ClubPost) -> None:
        """The sender's follow-up of a post that is out, sent now or found in the channel (the winner role
        after a board); its failure never changes the post's outcome."""
        after = getattr(send, "after_sent", None)
        if after is None:
            return
        try:
            await after(post)
        except Exception:
            log.exception("the follow-up of the %s post in guild %s failed", post.kind.value, post.guild_id)

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

    async def recent_runs(self, guild_id: int, limit: int = 5) -> list[SendClaim]:
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

