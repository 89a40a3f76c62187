"""APScheduler jobs for the weekly club posts, built from the clubs table, and the one-off jobs of a post
taken again (a lease re-check, a next try), registered again at start from the ``send_claim`` table."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.core.club_posts import ClubPostService, FireResult, FireStatus, PostKind, PostSender
from bot.core.clubs import ClubService, ScheduledClub
from bot.core.weekly_times import next_fire
from bot.db.models import Club

log = logging.getLogger(__name__)

# After a run crashed before its claim was recorded: run it again after these delays.
CRASH_RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=5))



class WeeklyTrigger(BaseTrigger):
    """Fires on a day name at a wall-clock time in an IANA zone, once per week across DST.

    APScheduler's CronTrigger fires twice when the time falls in a repeated (fall-back)
    hour and an hour late in a skipped one; this one fires exactly once, at the first
    valid instant.
    """

    __slots__ = ("_last", "at", "day", "timezone")

    def __init__(self, day: str, at: str, timezone: str) -> None:
        self.day, self.at, self.timezone = day, at, timezone
        self._last: datetime | None = None

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        after = previous_fire_time if previous_fire_time is not None else now - timedelta(microseconds=1)
        fire = next_fire(self.day, self.at, self.timezone, after)
        # Clubs sharing a slot share this trigger: hand them one datetime object, not one each.
        if fire is not None and fire == self._last:
            return self._last
        self._last = fire
        return fire

    def __str__(self) -> str:
        return f"weekly[{self.day} {self.at} {self.timezone}]"


def job_id(guild_id: int, kind: PostKind) -> str:
    return f"club:{guild_id}:{kind.value}"


# One name per kind, shared by every club's job (the id tells the clubs apart).
JOB_NAMES = {kind: f"weekly {kind.value} post" for kind in PostKind}


class ClubJobs:
    """Two jobs per club (routine post, leaderboard post) with stable ids, replaced on change."""

    def __init__(
        self,
        scheduler: BaseScheduler,
        clubs: ClubService,
        posts: ClubPostService,
        send: PostSender,
        owns: Callable[[int], bool] = lambda _guild_id: True,
        *,
        max_in_flight: int = 8,
    ) -> None:
        self.scheduler = scheduler
        self.clubs = clubs
        self.posts = posts
        self.send = send
        self.owns = owns
        # Many clubs share a post minute: bound how many posts are in flight (database pool, memory);
        # the sender's pacer sets the actual rate.
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._running: set[asyncio.Task[Any]] = set()
        self._stopping = False
        # Triggers are stateless apart from a shared result: one per (day, time, zone), not one per job.
        self._triggers: dict[tuple[str, str, str], WeeklyTrigger] = {}
        # Runs that crashed before their claim was recorded (e.g. SQLite busy past its timeout), per club and kind.
        self._crashes: dict[tuple[int, str], int] = {}

    def _trigger(self, day: str, at: str, timezone: str) -> WeeklyTrigger:
        key = (day, at, timezone)
        trigger = self._triggers.get(key)
        if trigger is None:
            trigger = self._triggers[key] = WeeklyTrigger(day, at, timezone)
        return trigger

    async def load_all(self) -> int:
        """Build every club's jobs from the table; returns the number of jobs."""
        count = 0
        async for page in self.clubs.scheduled_pages():
            for club in page:
                try:
                    count += self.schedule(club)
                except Exception as error:
                    # One club with unusable settings (e.g. a zone this system no longer knows) must not
                    # stop the others, nor the bot.
                    self.unschedule(club.guild_id)
                    log.warning("skipped the weekly posts of guild %s: unusable settings (%s: %s)",
                                club.guild_id, type(error).__name__, error)
        log.info("scheduled %d club jobs", count)
        return count

    def schedule(self, club: Club | ScheduledClub) -> int:
        """Add or replace the club's jobs (or remove them when it has no channel or another shard owns it)."""
        if club.channel_id is None or not self.owns(club.guild_id):
            self.unschedule(club.guild_id)
            return 0
        plan: list[tuple[PostKind, str, str]] = [
            (PostKind.ROUTINE, club.post_day, club.post_time),
            (PostKind.LEADERBOARD, club.leaderboard_day, club.leaderboard_time),
        ]
        for kind, day, at in plan:
            self.scheduler.add_job(
                self.run,
                trigger=self._trigger(day, at, club.timezone),
                args=(club.guild_id, kind.value),
                id=job_id(club.guild_id, kind),
                name=JOB_NAMES[kind],
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=int(self.posts.timing.grace.total_seconds()),
                max_instances=1,
            )
        return len(plan)

    def unschedule(self, guild_id: int) -> None:
        for kind in PostKind:
            job = self.scheduler.get_job(job_id(guild_id, kind))
            if job is not None:
                job.remove()

    @contextlib.asynccontextmanager
    async def _tracked(self) -> AsyncIterator[None]:
        """Mark the current task as a post in flight, for :meth:`stop`."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._running.discard(task)

    async def run(self, guild_id: int, kind: str) -> Any:
        """The scheduled job: one club's post of one kind. None when the bot is stopping."""
        if self._stopping:
            return None
        try:
            async with self._tracked(), self._in_flight:
                result = await self.posts.fire(guild_id, kind, self.send)
        except Exception:
            attempt = self._crashes.get((guild_id, kind), 0) + 1
            log.exception("weekly %s post for guild %s crashed (attempt %d)", kind, guild_id, attempt)
            self._run_again_after_crash(guild_id, kind, attempt)
            return None
        self._crashes.pop((guild_id, kind), None)
        log.info("weekly %s post for guild %s: %s %s", kind, guild_id, result.status, result.detail)
        self._retake_later(guild_id, kind, result)
        return result

    async def retry(self, guild_id: int, kind: str) -> Any:
        """The one-off job at a post's next try (or at start): take it again, after a look in the channel.
        None when the bot is stopping."""
        if self._stopping:
            return None
        try:
            async with self._tracked(), self._in_flight:
                result = await self.posts.retry(guild_id, kind, self.send)
        except Exception:
            log.exception("the next try of the %s post for guild %s crashed", kind, guild_id)
            return None
        log.info("next try of the %s post for guild %s: %s %s", kind, guild_id, result.status, result.detail)
        if result.status is FireStatus.IN_FLIGHT and result.retry_at is not None:
            # Another process holds it: look again when its lease runs out (that process may have died).
            self._at(result.retry_at + timedelta(seconds=1), self.retry, guild_id, kind, "retry")
        else:
            self._retake_later(guild_id, kind, result)
        return result

    async def post_now(self, guild_id: int) -> FireResult | None:
        """An admin's `/club post-now`: this week's routine at once. None when the bot is stopping."""
        if self._stopping:
            return None
        async with self._tracked():
            result = await self.posts.fire(guild_id, PostKind.ROUTINE, self.send, manual=True)
        self._retake_later(guild_id, PostKind.ROUTINE.value, result)
        return result

    def _run_again_after_crash(self, guild_id: int, kind: str, attempt: int) -> None:
        """A run that crashed may not have recorded its claim: run it again shortly.

        Safe to repeat: the claim makes a second run of a post that did go out a no-op.
        """
        if attempt > len(CRASH_RETRY_DELAYS) or not self.scheduler.running:
            self._crashes.pop((guild_id, kind), None)
            return
        self._crashes[(guild_id, kind)] = attempt
        self._at(self.posts.now() + CRASH_RETRY_DELAYS[attempt - 1], self.run, guild_id, kind, "again")

    def _retake_later(self, guild_id: int, kind: str, result: FireResult) -> None:
        """Another claim holds the period: look again when its lease runs out (its process may have died).
        A post that failed for now (``retrying``): try it again at its next try."""
        if result.retry_at is None:
            return
        if result.status is FireStatus.IN_FLIGHT:
            self._at(result.retry_at + timedelta(seconds=1), self.run, guild_id, kind, "retake")
        elif result.status is FireStatus.RETRYING:
            self._at(result.retry_at, self.retry, guild_id, kind, "retry")

    def _at(self, when: datetime, job: Callable[[int, str], Any], guild_id: int, kind: str, name: str) -> None:
        """A one-off job for one club's post (one per club, kind and purpose: a newer one replaces it)."""
        if not self.scheduler.running:
            return
        self.scheduler.add_job(
            job, trigger="date", run_date=when, args=(guild_id, kind),
            id=f"{job_id(guild_id, PostKind(kind))}:{name}", replace_existing=True,
            misfire_grace_time=int(self.posts.timing.grace.total_seconds()),
        )

    async def _due_again(self) -> None:
        """At start: every post waiting for its next try (the table keeps it across restarts) is taken now
        when its time has come, else at its next try."""
        now = self.posts.now()
        for guild_id, kind, at in await self.posts.due_again():
            if not self.owns(guild_id) or self._stopping:
                continue
            if at <= now:
                await self.retry(guild_id, kind)
            else:
                self._at(at, self.retry, guild_id, kind, "retry")

    async def catch_up_all(self) -> int:
        """Send posts missed during downtime (within the grace window); record older ones as skipped.

        Each club on its own: one club's failure is logged and the others still catch up.
        """
        sent = 0
        async for page in self.clubs.scheduled_pages():
            for club in page:
                if not self.owns(club.guild_id) or self._stopping:
                    continue
                try:
                    async with self._in_flight:
                        results = await self.posts.catch_up(club.guild_id, self.send)
                except Exception:
                    log.exception("catching up the posts of guild %s failed", club.guild_id)
                    continue
                for result in results:
                    sent += result.status is FireStatus.SENT
                    if result.status in (FireStatus.SENT, FireStatus.FAILED, FireStatus.SKIPPED, FireStatus.RETRYING):
                        log.info("catch-up post for guild %s: %s %s", club.guild_id, result.status,
                                 result.period_key)
                    if result.kind is not None:
                        self._retake_later(club.guild_id, result.kind, result)
        try:
            await self._due_again()
        except Exception:
            log.exception("taking up the posts waiting for their next try failed")
        return sent

    async def stop(self, timeout: float) -> None:
        """Start no new post; let posts in flight finish for ``timeout`` s, then cancel them (recorded failed)."""
        self._stopping = True
        running = {t for t in self._running if not t.done()}
        if not running:
            return
        _done, pending = await asyncio.wait(running, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=2)
