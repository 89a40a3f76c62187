"""Challenge results, nudges and re-test DMs whose send fails transiently are sent again in the same tick,
and what still fails then is tried again later (``pending`` at its next try, stored, so a restart keeps it),
after a wait that grows with each attempt, until ten sends in all. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import SendClaim
from tests.e2e.conftest import Club, custom_ids, new_club
from tests.fakediscord import FakeDiscord

MESSAGES = r"^/channels/\d+/messages$"
SUNDAY_1800 = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


@pytest.fixture
async def club(fake: FakeDiscord, db_url: str) -> AsyncIterator[Club]:
    """The usual club, with the waits between attempts cut short."""
    setup = new_club(fake, db_url, send_retry_delays=(0.05, 0.05))
    await setup.start()
    yield setup
    await setup.stop()
    await asyncio.sleep(0)


async def claims(club: Club, kind: str) -> list[tuple[str, str | None]]:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            rows = (await session.execute(select(SendClaim).where(SendClaim.kind == kind))).scalars()
            return [(row.status, row.error) for row in rows]
    finally:
        await engine.dispose()


async def run(club: Club, job: str) -> int:
    assert club.bot is not None
    return await club.bot.due.run(job)


async def test_a_nudge_dropped_once_is_sent_once_in_the_same_tick(club: Club) -> None:
    await club.slash(club.runner, "nudge on")
    club.clock.set(SUNDAY_1800 + timedelta(seconds=5))
    rule = club.fake.drop("POST", MESSAGES, after=False)
    assert await run(club, "nudge") == 1
    assert rule.hits == 1, "the first attempt was dropped"
    [dm] = club.fake.dm_messages(club.runner.id)
    assert custom_ids(dm) == [f"gc:done:routine:{club.guild.id}"]
    assert [status for status, _ in await claims(club, "nudge")] == ["sent"]


async def next_try(club: Club, kind: str) -> datetime:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(SendClaim.next_try_at).where(SendClaim.kind == kind, SendClaim.status == "pending")
            at = (await session.execute(query)).scalar_one()
            assert at is not None
            return at
    finally:
        await engine.dispose()


async def test_a_nudge_still_failing_after_the_ticks_retries_goes_out_at_its_next_try_after_a_restart(
    club: Club,
) -> None:
    await club.slash(club.runner, "nudge on")
    club.clock.set(SUNDAY_1800 + timedelta(seconds=5))
    rule = club.fake.drop("POST", MESSAGES, after=False, times=3)
    assert await run(club, "nudge") == 0
    assert rule.hits == 3, "three attempts: the first and two retries"
    assert club.fake.dm_messages(club.runner.id) == []
    [(status, error)] = await claims(club, "nudge")
    assert status == "pending", "tried again later, not given up"
    assert error
    at = await next_try(club, "nudge")
    assert at == SUNDAY_1800 + timedelta(seconds=5) + timedelta(minutes=4), "the wait grows with the attempts"
    await club.restart()
    assert await run(club, "nudge") == 0, "not before its next try"
    club.clock.set(at)
    assert await run(club, "nudge") == 1
    assert await run(club, "nudge") == 0
    [dm] = club.fake.dm_messages(club.runner.id)
    assert custom_ids(dm) == [f"gc:done:routine:{club.guild.id}"]
    assert [status for status, _ in await claims(club, "nudge")] == ["sent"]


async def test_a_nudge_failing_every_attempt_is_given_up_after_ten(club: Club) -> None:
    await club.slash(club.runner, "nudge on")
    club.clock.set(SUNDAY_1800 + timedelta(seconds=5))
    rule = club.fake.drop("POST", MESSAGES, after=False, times=None)
    for _ in range(6):
        await run(club, "nudge")
        if [status for status, _ in await claims(club, "nudge")] != ["pending"]:
            break
        club.clock.set(await next_try(club, "nudge"))
    assert [status for status, _ in await claims(club, "nudge")] == ["failed"]
    assert rule.hits == 10, "ten sends in all"
    club.fake.clear_failures()
    club.clock.advance(timedelta(hours=2))
    assert await run(club, "nudge") == 0
    assert club.fake.dm_messages(club.runner.id) == []


async def test_challenge_results_still_failing_after_the_ticks_retries_go_out_at_their_next_try(club: Club) -> None:
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="UTC")
    await club.slash(club.admin, "challenge start", name="Quick", weeks=1, goal="routines", target=1)
    await club.slash(club.runner, "challenge join")
    await club.slash(club.runner, "checkin", kind="routine")
    club.clock.set(datetime(2026, 11, 23, 0, 5, tzinfo=UTC))
    rule = club.fake.drop("POST", MESSAGES, after=False, times=3)
    assert await run(club, "challenge") == 0
    assert rule.hits == 3
    assert [status for status, _ in await claims(club, "challenge")] == ["pending"]
    await club.restart()
    club.clock.set(await next_try(club, "challenge"))
    assert await run(club, "challenge") == 1
    posts = [m for m in club.fake.channel_messages(club.guild.text_channel_id) if "is over" in (m["content"] or "")]
    assert len(posts) == 1
    assert [status for status, _ in await claims(club, "challenge")] == ["sent"]


async def test_a_retest_dm_dropped_once_is_sent_once(club: Club) -> None:
    ix = await club.fake.slash(club.guild.id, club.runner.id, "test hamstring-vs-glute")
    weak = next(i for i in custom_ids(await ix.final()) if i.endswith(":l:hamstring-first"))
    result = await club.click(club.runner, weak)
    [remind] = [i for i in custom_ids(result) if i.startswith("gc:rt:")]
    await club.click(club.runner, remind)
    club.clock.advance(timedelta(weeks=4, minutes=1))
    club.fake.drop("POST", MESSAGES, after=False)
    assert await run(club, "retest") == 1
    [dm] = club.fake.dm_messages(club.runner.id)
    assert [i for i in custom_ids(dm) if i.startswith("gc:rs:")]
    assert [status for status, _ in await claims(club, "retest")] == ["sent"]


async def test_challenge_results_dropped_once_go_out_once_with_their_chart(club: Club) -> None:
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="UTC")
    await club.slash(club.admin, "challenge start", name="Quick", weeks=1, goal="routines", target=1)
    await club.slash(club.runner, "challenge join")
    await club.slash(club.runner, "checkin", kind="routine")
    club.clock.set(datetime(2026, 11, 23, 0, 5, tzinfo=UTC))
    rule = club.fake.drop("POST", MESSAGES, after=False)
    assert await run(club, "challenge") == 1
    assert rule.hits == 1
    [post] = [m for m in club.fake.channel_messages(club.guild.text_channel_id) if "is over" in (m["content"] or "")]
    assert [a["filename"] for a in post["attachments"]] == ["challenge.png"]
    assert [status for status, _ in await claims(club, "challenge")] == ["sent"]
