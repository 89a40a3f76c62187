"""Challenge results, nudges and re-test DMs whose send fails transiently are sent again in the same tick.

Their claims are final, so the retry happens before the outcome is recorded; a failure that lasts through
every attempt is recorded as failed and never sent twice. On SQLite and PostgreSQL.
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


async def test_a_nudge_failing_every_attempt_is_recorded_failed_and_not_sent_later(club: Club) -> None:
    await club.slash(club.runner, "nudge on")
    club.clock.set(SUNDAY_1800 + timedelta(seconds=5))
    rule = club.fake.drop("POST", MESSAGES, after=False, times=3)
    assert await run(club, "nudge") == 0
    assert rule.hits == 3, "three attempts: the first and two retries"
    assert club.fake.dm_messages(club.runner.id) == []
    [(status, error)] = await claims(club, "nudge")
    assert status == "failed"
    assert error
    club.clock.advance(timedelta(hours=1))
    assert await run(club, "nudge") == 0
    assert club.fake.dm_messages(club.runner.id) == []


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
