"""Sending once, end to end through the fake Discord, on SQLite and PostgreSQL: what a stop mid-send, an
ambiguous failure, a member's time zone or closed DMs did to challenge results, nudges and re-test DMs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.playground.fake.models import FailRule
from tests.e2e.conftest import Club, custom_ids, new_club
from tests.fakediscord import FakeDiscord

MESSAGES = r"^/channels/\d+/messages$"
# The fixture's clock: Wednesday 18 November 2026, 12:00 UTC; club weeks start on Mondays.
NEXT_MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
SUNDAY_1800 = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


@pytest.fixture
async def club(fake: FakeDiscord, db_url: str) -> AsyncIterator[Club]:
    """The usual club with a channel, the waits between attempts and the shutdown grace cut short."""
    setup = new_club(fake, db_url, send_retry_delays=(0.05, 0.05), shutdown_grace_seconds=0.3)
    await setup.start()
    reply = await setup.slash(setup.admin, "club setup", channel=setup.guild.text_channel_id, day="monday",
                              time="07:00", timezone="UTC")
    assert "Saved" in reply["content"]
    yield setup
    if setup.bot is not None:
        await setup.stop()
    await asyncio.sleep(0)


def results_posts(club: Club) -> list[dict[str, Any]]:
    return [m for m in club.fake.channel_messages(club.guild.text_channel_id)
            if "Results" in (m.get("content") or "") or "results" in (m.get("content") or "")]


async def run(club: Club, job: str) -> int:
    assert club.bot is not None
    return await club.bot.due.run(job)


async def a_challenge_that_just_ended(club: Club) -> None:
    started = await club.slash(club.admin, "challenge start", name="Fortnight", weeks=1, goal="routines",
                               target=1, start="this-week")
    assert "Fortnight" in started["content"]
    await club.slash(club.runner, "challenge join")
    await club.slash(club.runner, "checkin", kind="routine")
    club.clock.set(NEXT_MONDAY + timedelta(hours=1))


async def a_re_test_reminder(club: Club) -> None:
    """Ann asks to be reminded of a weak self-test result in four weeks."""
    ix = await club.fake.slash(club.guild.id, club.runner.id, "test hamstring-vs-glute")
    weak = next(i for i in custom_ids(await ix.final()) if i.endswith(":l:hamstring-first"))
    result = await club.click(club.runner, weak)
    [remind] = [i for i in custom_ids(result) if i.startswith("gc:rt:")]
    await club.click(club.runner, remind)


async def held_then_stopped(club: Club, rule: FailRule) -> None:
    """Run the due tick until a send reaches Discord and is held there, then stop the bot as SIGTERM does."""
    assert club.bot is not None
    task = asyncio.create_task(club.bot.due.tick())
    for _ in range(1000):
        if rule.hits:
            break
        await asyncio.sleep(0.01)
    assert rule.hits == 1, "the send reached Discord and is being held"
    await club.bot.close()
    await asyncio.wait({task}, timeout=5)
    assert task.done()
    await club.stop()


async def test_defect_b_challenge_results_cut_off_by_a_stop_go_out_after_the_restart(club: Club) -> None:
    await a_challenge_that_just_ended(club)
    before = len(club.fake.channel_messages(club.guild.text_channel_id))
    held = club.fake.hold("POST", MESSAGES, seconds=60)
    await held_then_stopped(club, held)
    await club.start()
    assert await run(club, "challenge") == 1
    assert await run(club, "challenge") == 0
    after = club.fake.channel_messages(club.guild.text_channel_id)[before:]
    assert len(after) == 1, "the results, once"
    assert "Fortnight" in after[0]["content"]


async def test_defect_b_a_nudge_cut_off_by_a_stop_goes_out_after_the_restart(club: Club) -> None:
    await club.slash(club.runner, "nudge on")
    club.clock.set(SUNDAY_1800 + timedelta(seconds=5))
    held = club.fake.hold("POST", MESSAGES, seconds=60)
    await held_then_stopped(club, held)
    await club.start()
    assert await run(club, "nudge") == 1
    [dm] = club.fake.dm_messages(club.runner.id)
    assert custom_ids(dm) == [f"gc:done:routine:{club.guild.id}"]


async def test_defect_b_a_re_test_dm_cut_off_by_a_stop_goes_out_after_the_restart(club: Club) -> None:
    await a_re_test_reminder(club)
    club.clock.advance(timedelta(weeks=4, minutes=1))
    held = club.fake.hold("POST", MESSAGES, seconds=60)
    await held_then_stopped(club, held)
    await club.start()
    assert await run(club, "retest") == 1
    [dm] = club.fake.dm_messages(club.runner.id)
    assert [i for i in custom_ids(dm) if i.startswith("gc:rs:")]


async def test_defect_c_challenge_results_are_posted_once_after_an_ambiguous_failure(club: Club) -> None:
    await a_challenge_that_just_ended(club)
    before = len(club.fake.channel_messages(club.guild.text_channel_id))
    # The results are created, then the connection drops before the answer: the bot cannot know.
    dropped = club.fake.drop("POST", MESSAGES, after=True)
    assert await run(club, "challenge") == 1
    assert dropped.hits == 1
    after = club.fake.channel_messages(club.guild.text_channel_id)[before:]
    assert len(after) == 1, "found in the channel, not posted a second time"
    assert "Fortnight" in after[0]["content"]


async def test_defect_g_a_member_behind_the_club_is_nudged_before_the_club_week_closes(club: Club) -> None:
    # 20:00 on Sunday in New York is 01:00 on Monday in the club's zone (UTC): the week has closed by then.
    reply = await club.slash(club.runner, "nudge on", time="20:00", timezone="America/New_York")
    assert "Sunday" in reply["content"] or "Sunday" in str(reply.get("embeds"))
    club.clock.set(datetime(2026, 11, 22, 23, 0, 5, tzinfo=UTC))
    assert await run(club, "nudge") == 1, "an hour before the club week closes"
    [dm] = club.fake.dm_messages(club.runner.id)
    assert "routine" in dm["content"]
    # Not again once the next club week has begun (and not filed under it).
    club.clock.set(datetime(2026, 11, 23, 1, 0, 5, tzinfo=UTC))
    assert await run(club, "nudge") == 0
    status = await club.slash(club.runner, "nudge status")
    assert "nudged this week" not in status["content"]


async def test_defect_l_a_re_test_reminder_with_closed_dms_says_nothing_in_public(club: Club) -> None:
    await a_re_test_reminder(club)
    club.fake.dms_closed(club.runner.id)
    before = len(club.fake.channel_messages(club.guild.text_channel_id))
    club.clock.advance(timedelta(weeks=4, minutes=1))
    await run(club, "retest")
    public = club.fake.channel_messages(club.guild.text_channel_id)[before:]
    assert public == [], "self-test matters never go public"
    assert club.fake.dm_messages(club.runner.id) == []
