"""Weekly and board posts that still fail after the run's retries are not given up: the claim is ``pending`` at
its next try (stored, so a restart keeps it), taken again then after a look in the channel, at most ten sends
in all, and dropped as ``skipped`` once the post is no longer useful. Through the real bot and the fake Discord,
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import SendClaim
from tests.e2e.conftest import Club, new_club
from tests.fakediscord import FakeDiscord

# Monday 23 November 2026, 07:00 London = 07:00 UTC: the routine post's time; the board's is 08:00.
DUE = datetime(2026, 11, 23, 7, 0, 5, tzinfo=UTC)
BOARD_DUE = datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC)
SERVER_ERROR = {"message": "Service Unavailable", "code": 0}


@pytest.fixture
async def club(fake: FakeDiscord, db_url: str) -> AsyncIterator[Club]:
    setup = new_club(fake, db_url, post_retry_delays=(0.05, 0.05, 0.05), shutdown_grace_seconds=0.5)
    await setup.start()
    await setup.slash(setup.admin, "club setup", channel=setup.guild.text_channel_id, day="monday", time="07:00",
                      timezone="Europe/London")
    yield setup
    await setup.stop()
    await asyncio.sleep(0)


def posts_pattern(club: Club) -> str:
    return rf"^/channels/{club.guild.text_channel_id}/messages$"


def posts_in(club: Club) -> list[dict]:
    return club.fake.channel_messages(club.guild.text_channel_id)


async def claims(club: Club, kind: str = "routine") -> list[SendClaim]:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(SendClaim).where(SendClaim.kind == kind).order_by(SendClaim.id)
            return list((await session.execute(query)).scalars())
    finally:
        await engine.dispose()


def jobs(club: Club):
    assert club.bot is not None
    return club.bot.shared["club_jobs"]


def creates(club: Club) -> int:
    """Message creates in the club channel, whatever their answer."""
    path = f"/channels/{club.guild.text_channel_id}/messages"
    return len([c for c in club.fake.calls if c.method == "POST" and c.path == path])


async def test_a_post_failing_through_the_runs_retries_is_pending_then_goes_out_once_at_its_next_try(
    club: Club,
) -> None:
    rule = club.fake.fail("POST", posts_pattern(club), status=503, json=SERVER_ERROR, times=4)
    club.clock.set(DUE)
    result = await jobs(club).run(club.guild.id, "routine")
    # Looked at before anything else runs: the scheduler's clock is the real one, so it would drop the job as
    # missed long ago once it gets to it.
    job = jobs(club).scheduler.get_job(f"club:{club.guild.id}:routine:retry")
    assert job is not None, "a one-off job at the next try"
    assert job.next_run_time == DUE + timedelta(minutes=8)
    assert getattr(result, "status", None) == "retrying"
    assert rule.hits == 4, "the first send and the three retries of the run"
    assert posts_in(club) == []
    [run] = await claims(club)
    assert (run.status, run.attempts) == ("pending", 4)
    assert run.next_try_at == DUE + timedelta(minutes=8), "1 min after the first failure, doubling"
    shown = await club.slash(club.admin, "club show")
    assert "try again" in shown["embeds"][0]["description"]
    assert "The last post failed" not in shown["embeds"][0]["description"]
    # Not before its time.
    club.clock.set(DUE + timedelta(minutes=7))
    assert getattr(await jobs(club).retry(club.guild.id, "routine"), "status", None) == "retrying"
    assert posts_in(club) == []
    club.clock.set(run.next_try_at)
    result = await jobs(club).retry(club.guild.id, "routine")
    assert getattr(result, "status", None) == "sent"
    assert len(posts_in(club)) == 1
    assert await jobs(club).retry(club.guild.id, "routine") is not None
    assert len(posts_in(club)) == 1
    [run] = await claims(club)
    assert (run.status, run.attempts, run.message_id) == ("sent", 5, int(posts_in(club)[0]["id"]))
    shown = await club.slash(club.admin, "club show")
    assert "try again" not in shown["embeds"][0]["description"]


async def test_a_pending_post_survives_a_restart_and_goes_out_once(club: Club) -> None:
    club.fake.fail("POST", posts_pattern(club), status=503, json=SERVER_ERROR, times=4)
    club.clock.set(DUE)
    assert getattr(await jobs(club).run(club.guild.id, "routine"), "status", None) == "retrying"
    [run] = await claims(club)
    assert run.status == "pending"
    assert run.next_try_at is not None
    await club.stop()
    # Down past the post's next try, and past the hour of grace a missed post gets.
    club.clock.set(DUE + timedelta(hours=3))
    await club.start()
    for _ in range(500):  # the catch-up runs once the gateway is ready
        if [r.status for r in await claims(club)] == ["sent"]:
            break
        await asyncio.sleep(0.02)
    assert [r.status for r in await claims(club)] == ["sent"]
    assert len(posts_in(club)) == 1
    # A second catch-up (another start) sends nothing more.
    await jobs(club).catch_up_all()
    assert len(posts_in(club)) == 1


async def test_a_restart_before_the_next_try_registers_it_again_from_the_table(club: Club) -> None:
    club.fake.fail("POST", posts_pattern(club), status=503, json=SERVER_ERROR, times=4)
    club.clock.set(DUE)
    assert getattr(await jobs(club).run(club.guild.id, "routine"), "status", None) == "retrying"
    [run] = await claims(club)
    await club.restart()
    job_id = f"club:{club.guild.id}:routine:retry"
    jobs(club).scheduler.remove_all_jobs()  # whatever the start registered: the catch-up does it again
    await jobs(club).catch_up_all()
    job = jobs(club).scheduler.get_job(job_id)  # before anything else runs (see above)
    assert job is not None, "the next try, read from the table"
    assert job.next_run_time == run.next_try_at
    assert posts_in(club) == []
    assert [r.status for r in await claims(club)] == ["pending"]


async def test_after_an_ambiguous_failure_the_next_try_finds_the_post_and_does_not_send_it_again(
    club: Club,
) -> None:
    # The first send reaches Discord but its answer is lost; the looks and the sends after it fail.
    club.fake.drop("POST", posts_pattern(club), after=True, times=1)
    club.fake.fail("POST", posts_pattern(club), status=503, json=SERVER_ERROR, times=3)
    club.fake.fail("GET", posts_pattern(club), status=503, json=SERVER_ERROR, times=None)
    club.clock.set(DUE)
    assert getattr(await jobs(club).run(club.guild.id, "routine"), "status", None) == "retrying"
    [posted] = posts_in(club)
    [run] = await claims(club)
    assert run.status == "pending"
    club.fake.clear_failures()
    before = creates(club)
    assert run.next_try_at is not None
    club.clock.set(run.next_try_at)
    result = await jobs(club).retry(club.guild.id, "routine")
    assert getattr(result, "status", None) == "sent"
    assert getattr(result, "detail", None) == "found in the channel"
    assert creates(club) == before, "found by the look, not sent again"
    assert len(posts_in(club)) == 1
    [run] = await claims(club)
    assert (run.status, run.message_id) == ("sent", int(posted["id"]))


async def test_a_post_still_failing_after_ten_sends_is_failed(club: Club) -> None:
    rule = club.fake.fail("POST", posts_pattern(club), status=503, json=SERVER_ERROR, times=None)
    club.clock.set(DUE)
    result = await jobs(club).run(club.guild.id, "routine")
    for _ in range(5):
        if getattr(result, "status", None) != "retrying":
            break
        [run] = await claims(club)
        assert run.next_try_at is not None
        club.clock.set(run.next_try_at)
        result = await jobs(club).retry(club.guild.id, "routine")
    assert getattr(result, "status", None) == "failed"
    assert rule.hits == 10, "ten sends in all"
    [run] = await claims(club)
    assert (run.status, run.attempts, run.next_try_at) == ("failed", 10, None)
    shown = await club.slash(club.admin, "club show")
    assert "The last post failed" in shown["embeds"][0]["description"]
    club.fake.clear_failures()
    club.clock.advance(timedelta(hours=2))
    await jobs(club).retry(club.guild.id, "routine")
    await jobs(club).catch_up_all()
    assert posts_in(club) == []
    assert rule.hits == 10


async def test_a_board_post_whose_following_week_is_over_is_skipped(club: Club) -> None:
    rule = club.fake.fail("POST", posts_pattern(club), status=503, json=SERVER_ERROR, times=None)
    club.clock.set(BOARD_DUE)
    assert getattr(await jobs(club).run(club.guild.id, "leaderboard"), "status", None) == "retrying"
    [run] = await claims(club, "leaderboard")
    assert run.status == "pending"
    club.fake.clear_failures()
    # The board covers the week of 16 November; the week after it ends on Sunday 29 November.
    club.clock.set(datetime(2026, 11, 30, 0, 30, tzinfo=UTC))
    result = await jobs(club).retry(club.guild.id, "leaderboard")
    assert getattr(result, "status", None) == "skipped"
    [run] = await claims(club, "leaderboard")
    assert (run.status, run.next_try_at) == ("skipped", None)
    assert posts_in(club) == []
    assert rule.hits == 4
    assert run.error is not None
    assert run.error.startswith("not sent: its week is over (last error: HTTP 503")
    shown = await club.slash(club.admin, "club show")
    assert "The last post failed:** not sent: its week is over" in shown["embeds"][0]["description"]
    assert "try again" not in shown["embeds"][0]["description"]


async def test_a_routine_post_still_useful_in_its_week_goes_out_past_the_hour_of_grace(club: Club) -> None:
    club.fake.fail("POST", posts_pattern(club), status=503, json=SERVER_ERROR, times=4)
    club.clock.set(DUE)
    assert getattr(await jobs(club).run(club.guild.id, "routine"), "status", None) == "retrying"
    # Saturday of the same club week (it starts on Monday): late, but this week's routine is still of use.
    club.clock.set(datetime(2026, 11, 28, 18, 0, tzinfo=UTC))
    assert getattr(await jobs(club).retry(club.guild.id, "routine"), "status", None) == "sent"
    assert len(posts_in(club)) == 1
    # The next Monday the week is over: a post failing then is skipped at its next try, not sent.
    club.fake.fail("POST", posts_pattern(club), status=503, json=SERVER_ERROR, times=4)
    club.clock.set(DUE + timedelta(days=7))
    assert getattr(await jobs(club).run(club.guild.id, "routine"), "status", None) == "retrying"
    club.clock.set(datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    assert getattr(await jobs(club).retry(club.guild.id, "routine"), "status", None) == "skipped"
    assert len(posts_in(club)) == 1
    assert [r.status for r in await claims(club)] == ["sent", "skipped"]


async def test_post_now_failing_for_now_says_when_it_tries_again_and_a_second_post_now_sends_it(club: Club) -> None:
    club.fake.fail("POST", posts_pattern(club), status=503, json=SERVER_ERROR, times=4)
    club.clock.set(DUE + timedelta(hours=2))
    reply = await club.slash(club.admin, "club post-now")
    assert "I will try again <t:" in reply["content"]
    [run] = await claims(club)
    assert run.status == "pending"
    # The admin need not wait for it.
    reply = await club.slash(club.admin, "club post-now")
    assert "Posted" in reply["content"]
    assert len(posts_in(club)) == 1
    assert [(r.status, r.attempts) for r in await claims(club)] == [("sent", 5)]
