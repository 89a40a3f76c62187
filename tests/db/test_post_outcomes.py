"""Weekly posts that finish together are recorded together; a record that never lands sends nothing twice."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event

from bot.core.club_posts import INTERRUPTED, ClubPost, PostKind
from bot.core.clubs import ClubChanges
from bot.core.delivery import Outcome as RunStatus
from bot.core.delivery import Problem
from bot.db.models import SendClaim
from bot.scheduling.club_jobs import ClubJobs
from bot.scheduling.executor import make_scheduler
from tests.conftest import ErrorLogGuard
from tests.db.test_club_posts import DUE, GUILD, Env, Recorder, env

__all__ = ["env"]  # the fixture, shared with the other weekly-post tests

CLUBS = [GUILD + n for n in range(6)]


async def _more_clubs(env: Env) -> None:
    for guild in CLUBS[1:]:
        await env.clubs.configure(guild, ClubChanges(channel_id=guild % 1000 + 1, day="monday", time="07:00",
                                                     timezone="Europe/London"))


def _count_commits(env: Env) -> list[int]:
    commits: list[int] = []
    thread = env.posts._runs.thread  # on a SQLite file the outcomes are written by the post-runs thread
    engine = thread._engine if thread is not None else env.sessions.kw["bind"].sync_engine
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    return commits


async def test_posts_finishing_together_are_recorded_in_one_transaction_each_with_its_own_outcome(env: Env) -> None:
    await _more_clubs(env)
    env.clock.set(DUE)
    claimed = [await env.posts._runs.claim((await env.clubs.get(g)), PostKind.ROUTINE,  # type: ignore[arg-type]
                                           "w2026-11-23", DUE, DUE, status=RunStatus.CLAIMED, late=False,
                                           lease=env.posts.timing.lease)
               for g in CLUBS]
    runs = [r for r in claimed if r is not None]
    assert len(runs) == len(CLUBS)
    commits = _count_commits(env)
    await asyncio.gather(*(
        env.posts._runs.finish(run, RunStatus.SENT if n % 2 == 0 else RunStatus.FAILED, n + 1,
                               message_id=7000 + n if n % 2 == 0 else None, error=None if n % 2 == 0 else f"no {n}")
        for n, run in enumerate(runs)
    ))
    assert len(commits) == 1
    stored = {r.id: r for r in await env.runs()}
    for n, run in enumerate(runs):
        row = stored[run.id]
        assert row.attempts == n + 1
        assert row.finished_at == DUE
        if n % 2 == 0:
            assert (row.status, row.message_id, row.error) == ("sent", 7000 + n, None)
        else:
            assert (row.status, row.message_id, row.error) == ("failed", None, f"no {n}")


async def test_many_clubs_due_together_each_get_one_post_and_one_record(env: Env) -> None:
    await _more_clubs(env)
    env.clock.set(DUE)
    results = await asyncio.gather(*(env.posts.fire(g, PostKind.ROUTINE, env.send) for g in CLUBS))
    assert [r.status for r in results] == ["sent"] * len(CLUBS)
    assert sorted(p.guild_id for p in env.send.posts) == CLUBS
    runs = await env.runs()
    assert [r.status for r in runs] == ["sent"] * len(CLUBS)
    assert sorted(r.message_id for r in runs) == sorted(r.message_id for r in results)  # type: ignore[type-var]
    # Fired again (another process, a repeat of the job): nothing more goes out.
    again = await asyncio.gather(*(env.posts.fire(g, PostKind.ROUTINE, env.send) for g in CLUBS))
    assert {r.status for r in again} == {"duplicate"}
    assert len(env.send.posts) == len(CLUBS)


@dataclass
class Channel(Recorder):
    """Posts land in the channel and can be found again by their nonce, as Discord's history does."""

    found: list[int] = field(default_factory=list)

    async def find(self, post: ClubPost, since: datetime) -> int | None:
        for n, sent in enumerate(self.posts):
            if sent.nonce == post.nonce:
                self.found.append(post.guild_id)
                return 9001 + n
        return None


class BrokenSessions:
    """A session factory (or the SQLite thread) whose database is gone (e.g. SQLite busy past its timeout)."""

    def __call__(self) -> Any:
        @asynccontextmanager
        async def broken() -> Any:
            raise OSError("database is locked")
            yield  # pragma: no cover

        return broken()

    async def run(self, _work: Any) -> Any:
        raise OSError("database is locked")


async def test_sent_posts_whose_record_never_lands_are_found_again_not_sent_twice(
    env: Env, error_log_guard: ErrorLogGuard
) -> None:
    """Claimed, sent, then the batch of outcomes fails to commit (as if the process died before it did)."""
    error_log_guard.expect("crashed (attempt")
    await _more_clubs(env)
    env.clock.set(DUE)
    channel = Channel()
    scheduler = make_scheduler()
    scheduler.start(paused=True)
    try:
        jobs = ClubJobs(scheduler, env.clubs, env.posts, channel)
        outcomes = env.posts._runs._outcomes
        working = outcomes._sessions, outcomes._thread
        outcomes._sessions = BrokenSessions()  # type: ignore[assignment]
        outcomes._thread = BrokenSessions() if working[1] is not None else None  # type: ignore[assignment]
        crashed = await asyncio.gather(*(jobs.run(g, "routine") for g in CLUBS))
        assert crashed == [None] * len(CLUBS)
        assert len(channel.posts) == len(CLUBS)
        assert {r.status for r in await env.runs()} == {RunStatus.CLAIMED.value}
        outcomes._sessions, outcomes._thread = working
        # The runs again after 30 s see live claims and wait for their lease; after it they take over.
        env.clock.set(DUE + timedelta(seconds=30))
        waiting = await asyncio.gather(*(jobs.run(g, "routine") for g in CLUBS))
        assert {r.status for r in waiting if r is not None} == {"in-flight"}
        env.clock.set(DUE + env.posts.timing.lease + timedelta(seconds=1))
        taken = await asyncio.gather(*(jobs.run(g, "routine") for g in CLUBS))
        assert [r.status for r in taken if r is not None] == ["sent"] * len(CLUBS)
    finally:
        scheduler.shutdown(wait=False)
    assert sorted(channel.found) == CLUBS
    assert len(channel.posts) == len(CLUBS)
    runs: list[SendClaim] = await env.runs()
    assert [r.status for r in runs] == ["sent"] * len(CLUBS)
    assert sorted(r.message_id for r in runs) == [9001 + n for n in range(len(CLUBS))]  # type: ignore[type-var]


async def test_an_outcome_handed_in_just_before_the_close_is_written_before_the_thread_stops(env: Env) -> None:
    """At shutdown a cancelled post hands in its "interrupted" outcome and the bot closes the post records soon
    after; the close writes what is queued first, so the claim does not stay claimed."""
    env.clock.set(DUE)
    club = await env.clubs.get(GUILD)
    assert club is not None
    run = await env.posts._runs.claim(club, PostKind.ROUTINE, "w2026-11-23", DUE, DUE, status=RunStatus.CLAIMED,
                                      late=False, lease=env.posts.timing.lease)
    assert run is not None
    recording = asyncio.ensure_future(
        env.posts._runs.finish(run, RunStatus.FAILED, 1, error=INTERRUPTED, problem=Problem.INTERNAL))
    await asyncio.sleep(0)  # the outcome is queued; its write has not begun
    assert not recording.done()
    await env.posts.close()
    await recording
    [row] = await env.runs()
    assert (row.status, row.error) == ("failed", INTERRUPTED)
