"""Weekly posts: exactly once, catch-up and skip, retries, two processes on one database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.content.loader import default_content_dir, load_content
from bot.core.clock import ManualClock
from bot.core.club_posts import ClubPost, ClubPostService, FireResult, PostKind, PostSender
from bot.core.clubs import ClubChanges, ClubService
from bot.core.delivery import DeliveryError, Problem
from bot.core.errors import InvalidInput
from bot.core.leaderboard import LeaderboardService
from bot.core.routines import RoutineService
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.models import SendClaim
from bot.render.club import post_content
from bot.scheduling.club_jobs import ClubJobs
from bot.scheduling.executor import make_scheduler, stop_scheduler
from tests.conftest import ErrorLogGuard

GUILD = 222 << 22
CONTENT = load_content(default_content_dir())
# Monday 23 November 2026, 07:00 in London (GMT) is 07:00 UTC.
DUE = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@dataclass
class Recorder:
    """Stands in for the Discord channel: records posts, can fail on demand."""

    posts: list[ClubPost] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)
    calls: int = 0

    async def __call__(self, post: ClubPost) -> int:
        self.calls += 1
        await asyncio.sleep(0)
        if self.failures:
            raise self.failures.pop(0)
        self.posts.append(post)
        return 9000 + len(self.posts)


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    clubs: ClubService
    posts: ClubPostService
    send: Recorder

    async def runs(self) -> list[SendClaim]:
        async with self.sessions() as session:
            return list((await session.execute(select(SendClaim).order_by(SendClaim.id))).scalars())


def services(sessions: SessionFactory, clock: ManualClock) -> tuple[ClubService, ClubPostService]:
    routines = RoutineService(sessions, CONTENT, clock)
    boards = LeaderboardService(sessions, clock)
    no_wait = _no_sleep
    return ClubService(sessions, CONTENT, clock), ClubPostService(sessions, clock, routines, boards, sleep=no_wait)


async def _no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(DUE - timedelta(days=3))
    clubs, posts = services(sessions, clock)
    await clubs.configure(GUILD, ClubChanges(channel_id=42, day="monday", time="07:00", timezone="Europe/London"))
    yield Env(sessions, clock, clubs, posts, Recorder())
    await engine.dispose()


async def test_post_goes_out_once_per_week_however_often_it_fires(env: Env) -> None:
    env.clock.set(DUE)
    results = [await env.posts.fire(GUILD, PostKind.ROUTINE, env.send) for _ in range(3)]
    assert [r.status for r in results] == ["sent", "duplicate", "duplicate"]
    assert len(env.send.posts) == 1
    assert env.send.posts[0].plan is not None
    assert not env.send.posts[0].late
    runs = await env.runs()
    assert [(r.kind, r.period_key, r.status, r.message_id) for r in runs] == [
        ("routine", "w2026-11-23", "sent", 9001)
    ]
    env.clock.set(DUE + timedelta(days=7))
    assert (await env.posts.fire(GUILD, PostKind.ROUTINE, env.send)).status == "sent"
    assert len(env.send.posts) == 2


async def test_catch_up_sends_late_within_grace_and_skips_older(env: Env) -> None:
    env.clock.set(DUE + timedelta(minutes=40))
    results = await env.posts.catch_up(GUILD, env.send)
    routine = next(r for r in results if r.period_key == "w2026-11-23")
    assert routine.status == "sent"
    assert routine.late
    assert env.send.posts[0].late
    env.clock.set(DUE + timedelta(days=7, hours=3))
    results = await env.posts.catch_up(GUILD, env.send)
    assert "skipped" in {r.status for r in results}
    assert len(env.send.posts) == 1
    skipped = [r for r in await env.runs() if r.status == "skipped"]
    assert {r.period_key for r in skipped} >= {"w2026-11-30"}


async def test_transient_failures_are_retried_then_recorded(env: Env) -> None:
    env.clock.set(DUE)
    env.send.failures = [DeliveryError("Discord had a server error (502)", transient=True)] * 2
    result = await env.posts.fire(GUILD, PostKind.ROUTINE, env.send)
    assert result.status == "sent"
    assert env.send.calls == 3
    run = (await env.runs())[0]
    assert (run.status, run.attempts) == ("sent", 3)


async def test_permission_errors_are_not_retried_and_surface_to_admins(env: Env) -> None:
    env.clock.set(DUE)
    env.send.failures = [DeliveryError("I am not allowed to post in <#42> (Missing Permissions)", transient=False)]
    result = await env.posts.fire(GUILD, PostKind.ROUTINE, env.send)
    assert result.status == "failed"
    assert env.send.calls == 1
    failure = await env.posts.last_failure(GUILD)
    assert failure is not None
    assert "Missing Permissions" in failure
    # A manual post-now takes the failed week over; the post tells the channel about the earlier failure.
    result = await env.posts.fire(GUILD, PostKind.ROUTINE, env.send, manual=True)
    assert result.status == "sent"
    assert env.send.posts[0].previous_failure is not None
    assert await env.posts.last_failure(GUILD) is None


async def test_leaderboard_post_archives_the_week_that_ended(env: Env) -> None:
    env.clock.set(DUE + timedelta(hours=1))
    result = await env.posts.fire(GUILD, PostKind.LEADERBOARD, env.send)
    assert result.status == "sent"
    assert result.period_key == "w2026-11-16"
    assert env.send.posts[0].board is not None
    assert env.send.posts[0].board.period_key == "w2026-11-16"


async def test_paused_club_posts_nothing(env: Env) -> None:
    await env.clubs.set_paused(GUILD, True)
    env.clock.set(DUE)
    assert (await env.posts.fire(GUILD, PostKind.ROUTINE, env.send)).status == "paused"
    assert env.send.posts == []


async def test_bad_settings_change_nothing(env: Env) -> None:
    for changes in (
        ClubChanges(time="25:00"),
        ClubChanges(timezone="Mars/Base"),
        ClubChanges(day="someday"),
        ClubChanges(time="08:00", timezone="Nowhere/Land"),
        ClubChanges(routine="no-such-routine"),
    ):
        with pytest.raises(InvalidInput):
            await env.clubs.configure(GUILD, changes)
    club = await env.clubs.get(GUILD)
    assert club is not None
    assert (club.post_time, club.timezone, club.post_day) == ("07:00", "Europe/London", "monday")


async def test_jobs_are_stable_per_club_and_replaced_on_change(env: Env) -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start(paused=True)
    jobs = ClubJobs(scheduler, env.clubs, env.posts, env.send)
    assert await jobs.load_all() == 2
    club = await env.clubs.configure(GUILD, ClubChanges(time="18:30"))
    jobs.schedule(club)
    assert sorted(j.id for j in scheduler.get_jobs()) == [f"club:{GUILD}:leaderboard", f"club:{GUILD}:routine"]
    routine_job = scheduler.get_job(f"club:{GUILD}:routine")
    assert "18:30" in str(routine_job.trigger)
    scheduler.shutdown(wait=False)
    other_shard = ClubJobs(AsyncIOScheduler(timezone="UTC"), env.clubs, env.posts, env.send, owns=lambda _g: False)
    assert await other_shard.load_all() == 0


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_schedulers_sharing_postgres_post_once(db_url: str, env: Env) -> None:
    """Two bot processes (two engines, two schedulers) fire the same club's job together."""
    env.clock.set(DUE)
    other_engine = make_engine(db_url)
    try:
        _clubs_b, posts_b = services(make_session_factory(other_engine), env.clock)
        schedulers = [make_scheduler(), make_scheduler()]
        all_jobs = [
            ClubJobs(schedulers[0], env.clubs, env.posts, env.send),
            ClubJobs(schedulers[1], env.clubs, posts_b, env.send),
        ]
        for scheduler, jobs in zip(schedulers, all_jobs, strict=True):
            scheduler.start(paused=True)
            await jobs.load_all()
            scheduler.resume()
            # Make the routine job due right now in both processes.
            scheduler.get_job(f"club:{GUILD}:routine").modify(next_run_time=datetime.now(UTC))
        for _ in range(200):
            if len([r for r in await env.runs() if r.status != "claimed"]) >= 1 and env.send.calls >= 1:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        for scheduler in schedulers:
            await stop_scheduler(scheduler, grace=5)  # a job run still going is awaited, not left behind
    finally:
        await other_engine.dispose()
    assert len(env.send.posts) == 1
    assert [r.status for r in await env.runs()] == ["sent"]


# -- every claim ends (issue 12, items 1, 2, 10 and 13) ------------------------------------------------


async def test_a_dropped_connection_ends_the_claim_and_post_now_works_after(env: Env) -> None:
    """A sender raising an error it does not translate used to leave the week `claimed` for good."""
    env.clock.set(DUE)
    env.send.failures = [aiohttp.ServerDisconnectedError()]  # type: ignore[list-item]
    result = await env.posts.fire(GUILD, PostKind.ROUTINE, env.send)
    assert result.status == "failed"
    assert [r.status for r in await env.runs()] == ["failed"]
    assert await env.posts.last_failure(GUILD) is not None
    again = await env.posts.fire(GUILD, PostKind.ROUTINE, env.send, manual=True)
    assert again.status == "sent"
    assert len(env.send.posts) == 1


async def test_a_database_error_while_building_ends_the_claim(env: Env) -> None:
    env.clock.set(DUE + timedelta(hours=1))

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("connection to the database lost")

    env.posts._boards.finished_week = broken  # type: ignore[method-assign]
    result = await env.posts.fire(GUILD, PostKind.LEADERBOARD, env.send)
    assert result.status == "failed"
    assert [r.status for r in await env.runs()] == ["failed"]
    assert env.send.calls == 0


async def test_shutdown_during_a_retry_wait_records_the_post_and_a_restart_sends_it(env: Env) -> None:
    env.clock.set(DUE)
    waiting = asyncio.Event()

    async def slow_sleep(_seconds: float) -> None:
        waiting.set()
        await asyncio.sleep(3600)

    env.posts._sleep = slow_sleep
    env.send.failures = [DeliveryError("HTTP 503", transient=True)]
    task = asyncio.create_task(env.posts.fire(GUILD, PostKind.ROUTINE, env.send))
    await waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [run] = await env.runs()
    assert run.status == "pending", "due again at once, after the restart"
    assert run.error is not None
    assert "interrupted" in run.error
    # The next run of the schedule (catch-up after the restart) takes the interrupted week over.
    env.posts._sleep = _no_sleep
    assert (await env.posts.fire(GUILD, PostKind.ROUTINE, env.send)).status == "sent"
    assert [r.status for r in await env.runs()] == ["sent"]


async def _claim_left_by_a_crash(env: Env, claimed_at: datetime) -> None:
    async with env.sessions() as session:
        club_id = (await env.clubs.get(GUILD)).id  # type: ignore[union-attr]
        session.add(SendClaim(club_id=club_id, subject_id=club_id, kind="routine", period_key="w2026-11-23",
                              status="claimed", scheduled_for=DUE, claimed_at=claimed_at,
                              lease_until=claimed_at + env.posts.timing.lease))
        await session.commit()


async def test_a_claim_left_by_a_crash_is_taken_over_after_the_lease(env: Env) -> None:
    await _claim_left_by_a_crash(env, DUE)
    env.clock.set(DUE + timedelta(minutes=2))
    fresh = await env.posts.fire(GUILD, PostKind.ROUTINE, env.send)
    assert fresh.status == "in-flight"
    assert fresh.retry_at == DUE + env.posts.timing.lease
    env.clock.set(DUE + env.posts.timing.lease + timedelta(seconds=1))
    assert (await env.posts.fire(GUILD, PostKind.ROUTINE, env.send)).status == "sent"
    assert [r.status for r in await env.runs()] == ["sent"]
    assert len(env.send.posts) == 1


async def test_post_now_takes_over_a_stale_claim(env: Env) -> None:
    await _claim_left_by_a_crash(env, DUE)
    env.clock.set(DUE + timedelta(minutes=30))
    assert (await env.posts.fire(GUILD, PostKind.ROUTINE, env.send, manual=True)).status == "sent"
    assert [r.status for r in await env.runs()] == ["sent"]


@dataclass
class FindingRecorder(Recorder):
    """A channel where the first attempt did create the message although the answer never came."""

    created: list[ClubPost] = field(default_factory=list)
    looked: int = 0

    async def __call__(self, post: ClubPost) -> int:
        self.calls += 1
        if not self.created:
            self.created.append(post)  # Discord created it; then the connection dropped
            raise DeliveryError("network error (ServerDisconnectedError)", transient=True, maybe_delivered=True)
        self.posts.append(post)
        return 9500

    async def find(self, post: ClubPost, since: datetime) -> int | None:
        self.looked += 1
        return 9400 if any(p.nonce == post.nonce for p in self.created) else None


async def test_after_an_ambiguous_failure_the_post_is_looked_for_not_sent_twice(env: Env) -> None:
    env.clock.set(DUE)
    send = FindingRecorder()
    result = await env.posts.fire(GUILD, PostKind.ROUTINE, send)
    assert (result.status, result.message_id) == ("sent", 9400)
    assert send.calls == 1
    assert send.looked == 1
    assert send.posts == []
    [run] = await env.runs()
    assert (run.status, run.message_id) == ("sent", 9400)


@dataclass
class AdminRecorder(Recorder):
    told: list[tuple[int, int, str]] = field(default_factory=list)

    async def tell_admin(self, user_id: int, guild_id: int, reason: str) -> None:
        self.told.append((user_id, guild_id, reason))


@pytest.mark.parametrize("problem", [Problem.CHANNEL_GONE, Problem.NO_ACCESS])
async def test_a_deleted_channel_or_lost_access_stops_the_posts_and_tells_the_admin_once(
    env: Env, problem: Problem
) -> None:
    await env.clubs.configure(GUILD, ClubChanges(), by=4242)
    env.clock.set(DUE)
    send = AdminRecorder(failures=[DeliveryError("the channel <#42> no longer exists", problem=problem)])
    assert (await env.posts.fire(GUILD, PostKind.ROUTINE, send)).status == "failed"
    assert send.told == [(4242, GUILD, "the channel <#42> no longer exists")]
    club = await env.clubs.get(GUILD)
    assert club is not None
    assert club.post_problem
    # Next week: no attempt, nobody told again.
    env.clock.set(DUE + timedelta(days=7))
    assert (await env.posts.fire(GUILD, PostKind.ROUTINE, send)).status == "blocked"
    assert send.calls == 1
    assert len(send.told) == 1
    # The admin fixes it and saves the settings again: the posts resume.
    await env.clubs.configure(GUILD, ClubChanges(channel_id=43))
    assert (await env.posts.fire(GUILD, PostKind.ROUTINE, send)).status == "sent"


async def test_other_clubs_are_unaffected_by_one_clubs_lost_channel(env: Env) -> None:
    other = GUILD + (1 << 22)
    await env.clubs.configure(other, ClubChanges(channel_id=77, day="monday", time="07:00", timezone="Europe/London"))
    env.clock.set(DUE)
    env.send.failures = [DeliveryError("gone", problem=Problem.CHANNEL_GONE)]
    assert (await env.posts.fire(GUILD, PostKind.ROUTINE, env.send)).status == "failed"
    assert (await env.posts.fire(other, PostKind.ROUTINE, env.send)).status == "sent"
    assert (await env.clubs.get(other)).post_problem is None  # type: ignore[union-attr]


class OneClubBreaks(ClubPostService):
    def __init__(self, posts: ClubPostService, broken: int) -> None:
        self.__dict__.update(posts.__dict__)
        self.broken = broken

    async def catch_up(self, guild_id: int, send: PostSender) -> list[FireResult]:
        if guild_id == self.broken:
            raise OSError("this club's row could not be read")
        return await super().catch_up(guild_id, send)


async def test_catch_up_isolates_each_club(env: Env, error_log_guard: ErrorLogGuard) -> None:
    error_log_guard.expect("catching up the posts of guild")
    guilds = [GUILD + (n << 22) for n in (1, 2)]
    for guild in guilds:
        await env.clubs.configure(guild, ClubChanges(channel_id=50, day="monday", time="07:00",
                                                     timezone="Europe/London"))
    env.clock.set(DUE + timedelta(minutes=20))
    posts = OneClubBreaks(env.posts, broken=guilds[0])
    jobs = ClubJobs(AsyncIOScheduler(timezone="UTC"), env.clubs, posts, env.send)
    await jobs.catch_up_all()
    assert {p.guild_id for p in env.send.posts} == {GUILD, guilds[1]}


def test_a_public_post_never_carries_the_internal_error_text() -> None:
    post = ClubPost(PostKind.ROUTINE, GUILD, 42, None, False,
                    previous_failure="Discord refused the post (400: Invalid Form Body In embeds.0)")
    text = post_content(post) or ""
    assert "previous post" in text
    assert "400" not in text
    assert "refused" not in text
    assert "Invalid Form Body" not in text


async def test_the_scheduler_looks_again_when_the_lease_of_a_live_claim_runs_out(env: Env) -> None:
    await _claim_left_by_a_crash(env, DUE)
    env.clock.set(DUE + timedelta(minutes=1))
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        jobs = ClubJobs(scheduler, env.clubs, env.posts, env.send)
        result = await jobs.run(GUILD, "routine")
        assert result is not None
        assert result.status == "in-flight"
        retake = scheduler.get_job(f"club:{GUILD}:routine:retake")
        assert retake is not None
        assert retake.trigger.run_date == DUE + env.posts.timing.lease + timedelta(seconds=1)
        # When it fires, the stale claim is taken over and the week's post goes out.
        env.clock.set(DUE + env.posts.timing.lease + timedelta(seconds=1))
        assert (await jobs.run(GUILD, "routine")).status == "sent"
    finally:
        scheduler.shutdown(wait=False)
    assert [r.status for r in await env.runs()] == ["sent"]


class FiresCrashFirst(ClubPostService):
    """The first run dies before its claim is recorded, as a SQLite write past its busy timeout does."""

    def __init__(self, posts: ClubPostService, crashes: int) -> None:
        self.__dict__.update(posts.__dict__)
        self.crashes = crashes

    async def fire(self, guild_id: int, kind: str, send: PostSender, **kwargs: Any) -> FireResult:
        if self.crashes:
            self.crashes -= 1
            raise OSError("database is locked")
        return await super().fire(guild_id, kind, send, **kwargs)


async def test_a_run_that_crashed_before_its_claim_runs_again(env: Env, error_log_guard: ErrorLogGuard) -> None:
    error_log_guard.expect("crashed (attempt")
    env.clock.set(DUE)
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        jobs = ClubJobs(scheduler, env.clubs, FiresCrashFirst(env.posts, crashes=1), env.send)
        assert await jobs.run(GUILD, "routine") is None
        again = scheduler.get_job(f"club:{GUILD}:routine:again")
        assert again is not None, "a crashed run is scheduled again"
        assert again.trigger.run_date == DUE + timedelta(seconds=30)
        assert env.send.posts == []
        env.clock.set(DUE + timedelta(seconds=30))
        result = await jobs.run(GUILD, "routine")
        assert result is not None
        assert result.status == "sent"
    finally:
        scheduler.shutdown(wait=False)
    assert [r.status for r in await env.runs()] == ["sent"]
    assert len(env.send.posts) == 1


async def test_crash_retries_are_bounded(env: Env, error_log_guard: ErrorLogGuard) -> None:
    error_log_guard.expect("crashed (attempt")
    env.clock.set(DUE)
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        jobs = ClubJobs(scheduler, env.clubs, FiresCrashFirst(env.posts, crashes=10), env.send)
        scheduled_again = []
        for _ in range(4):
            assert await jobs.run(GUILD, "routine") is None
            again = scheduler.get_job(f"club:{GUILD}:routine:again")
            scheduled_again.append(again is not None)
            if again is not None:
                again.remove()
        # Three more runs, then it stops: the next start's catch-up, or /club post-now, takes the week.
        assert scheduled_again == [True, True, True, False]
    finally:
        scheduler.shutdown(wait=False)
