"""The weekly nudge end to end: `/nudge …`, a tick DMs a Done button, closed DMs fall back once, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Checkin, SendClaim
from tests.e2e.conftest import Club, custom_ids, embed_text
from tests.e2e.test_progression import climb_to, own_step

# The fixture's clock starts on Wednesday 18 November 2026, 12:00 UTC; the club week is Monday–Sunday.
SUNDAY_1800 = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


async def count(club: Club, table: type, **where: object) -> int:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(func.count()).select_from(table)
            for name, value in where.items():
                query = query.where(getattr(table, name) == value)
            return (await session.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def tick(club: Club) -> int:
    assert club.bot is not None
    return await club.bot.due.run("nudge")


async def test_nudge_on_status_dm_with_done_and_off(club: Club) -> None:
    reply = await club.slash(club.runner, "nudge on")
    assert reply["flags"] & 64
    text = embed_text(reply)
    assert "Sunday" in text
    assert "<t:" in text
    await club.slash(club.other, "nudge on")
    # Ben has this week's routine in already: no nudge for him.
    await club.slash(club.other, "checkin", kind="routine")
    club.clock.set(SUNDAY_1800 - timedelta(minutes=1))
    assert await tick(club) == 0
    club.clock.set(SUNDAY_1800 + timedelta(seconds=20))
    assert await tick(club) == 1
    assert club.fake.dm_messages(club.other.id) == []
    [dm] = club.fake.dm_messages(club.runner.id)
    assert "routine" in dm["content"]
    [done] = custom_ids(dm)
    assert done == f"gc:done:routine:{club.guild.id}"
    ix = await club.fake.dm_click(done, club.runner.id, message=dm)
    answer = await ix.final()
    assert answer["flags"] & 64
    assert await count(club, Checkin, kind="routine") == 2
    status = await club.slash(club.runner, "nudge status")
    assert "in ✅" in status["content"]
    assert "nudged this week" in status["content"]
    # A second tick the same week sends nothing more.
    club.clock.set(SUNDAY_1800 + timedelta(hours=2))
    assert await tick(club) == 0
    off = await club.slash(club.runner, "nudge off")
    assert "off" in off["content"].lower()
    club.clock.set(SUNDAY_1800 + timedelta(days=7, seconds=5))
    # Next week: Ann is off; Ben checked in last week but not this one, so he is nudged.
    assert await tick(club) == 1
    assert len(club.fake.dm_messages(club.runner.id)) == 1
    assert len(club.fake.dm_messages(club.other.id)) == 1


async def test_a_restart_mid_week_never_sends_a_second_nudge(club: Club) -> None:
    await club.slash(club.runner, "nudge on", day="sunday", time="09:00")
    club.clock.set(datetime(2026, 11, 22, 9, 0, 5, tzinfo=UTC))
    assert await tick(club) == 1
    await club.restart()
    # After the restart Ann moves her nudge later the same day: the week's claim still holds.
    await club.slash(club.runner, "nudge on", time="20:00")
    club.clock.set(datetime(2026, 11, 22, 20, 0, 5, tzinfo=UTC))
    assert await tick(club) == 0
    assert len(club.fake.dm_messages(club.runner.id)) == 1
    assert await count(club, SendClaim, kind="nudge") == 1


async def test_closed_dms_fall_back_to_one_channel_mention(club: Club) -> None:
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="UTC")
    await club.slash(club.runner, "nudge on")
    club.fake.dms_closed(club.runner.id)
    club.clock.set(SUNDAY_1800 + timedelta(seconds=5))
    assert await tick(club) == 0, "nothing reached the DM"
    channel = [m for m in club.fake.channel_messages(club.guild.text_channel_id) if "nudge" in m["content"]]
    assert len(channel) == 1
    assert f"<@{club.runner.id}>" in channel[0]["content"]
    assert await count(club, SendClaim, kind="nudge", status="fallback") == 1
    for week in (1, 2):
        club.clock.set(SUNDAY_1800 + timedelta(days=7 * week, seconds=5))
        assert await tick(club) == 0
    assert len([m for m in club.fake.channel_messages(club.guild.text_channel_id) if "nudge" in m["content"]]) == 1
    status = await club.slash(club.runner, "nudge status")
    assert "could not DM you" in status["content"]


async def test_bad_nudge_options_are_refused_privately(club: Club) -> None:
    for options in ({"time": "25:00"}, {"time": "x" * 500}, {"timezone": "Mars/Base"}):
        reply = await club.slash(club.runner, "nudge on", **options)
        assert reply["flags"] & 64
        assert len(reply["content"]) < 400
    status = await club.slash(club.runner, "nudge status")
    assert "No weekly nudge" in status["content"]


async def test_the_nudge_states_each_members_own_step_time_and_days(club: Club) -> None:
    await climb_to(club, club.runner, 3)  # six weeks of easy answers and three steps taken
    await club.slash(club.runner, "nudge on")
    await club.slash(club.other, "nudge on")
    week_end = SUNDAY_1800
    while week_end <= club.clock.now():
        week_end += timedelta(days=7)
    club.clock.set(week_end + timedelta(seconds=5))
    assert await tick(club) == 2
    [mine] = club.fake.dm_messages(club.runner.id)
    [theirs] = club.fake.dm_messages(club.other.id)
    assert own_step(3) in mine["content"]
    assert "2 days a week" in mine["content"]
    assert own_step(0) in theirs["content"]
    assert "once a week" in theirs["content"]
    for dm in (mine, theirs):
        assert "Five minutes" not in dm["content"]
        assert "Times include rests †" in dm["content"]
