"""Stand-up reminders end to end: `/standup on`, a tick delivers a DM, "Stood up" counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Checkin
from tests.e2e.conftest import Club, custom_ids, embed_text

# Wednesday 18 November 2026; 09:00 in London is 09:00 UTC.
MORNING = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)


async def standups_counted(club: Club) -> int:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(func.count()).select_from(Checkin).where(Checkin.kind == "standup")
            return (await session.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def test_standup_on_tick_dm_and_stood_up(club: Club) -> None:
    club.clock.set(MORNING)
    reply = await club.slash(club.runner, "standup on", every=45, start="09:00", end="17:30", days="mon-fri",
                             timezone="Europe/London")
    assert reply["flags"] & 64
    assert "<t:" in embed_text(reply)
    assert club.bot is not None
    assert await club.bot.due.run("standup") == 0, "nothing is due before 09:45"
    club.clock.set(datetime(2026, 11, 18, 9, 45, 5, tzinfo=UTC))
    assert await club.bot.due.run("standup") == 1
    dms = club.fake.dm_messages(club.runner.id)
    assert len(dms) == 1
    ids = custom_ids(dms[0])
    assert len(ids) == 3
    stood = next(i for i in ids if ":up:" in i)
    # A stranger pressing the button changes nothing.
    ix = await club.fake.dm_click(stood, club.other.id, message=dms[0])
    assert "someone else's reminder" in (await ix.final())["content"]
    assert await standups_counted(club) == 0
    ix = await club.fake.dm_click(stood, club.runner.id, message=dms[0])
    await ix.final()
    assert await standups_counted(club) == 1
    status = await club.slash(club.runner, "standup status")
    assert "<t:" in embed_text(status)


async def test_closed_dms_fall_back_to_the_channel_once(club: Club) -> None:
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="Europe/London")
    club.clock.set(MORNING)
    await club.slash(club.runner, "standup on", every=30, start="09:00", end="17:30", days="mon-fri")
    club.fake.dms_closed(club.runner.id)
    club.clock.set(datetime(2026, 11, 18, 9, 30, 5, tzinfo=UTC))
    assert club.bot is not None
    await club.bot.due.run("standup")
    channel = club.fake.channel_messages(club.guild.text_channel_id)
    assert len(channel) == 1
    assert f"<@{club.runner.id}>" in channel[0]["content"]
    dm_posts = [c for c in club.fake.calls if c.method == "POST" and c.status == 403]
    for later in range(1, 6):
        club.clock.set(datetime(2026, 11, 18, 9, 30, 5, tzinfo=UTC) + timedelta(minutes=30 * later))
        await club.bot.due.run("standup")
    assert len(club.fake.channel_messages(club.guild.text_channel_id)) == 1
    assert len([c for c in club.fake.calls if c.method == "POST" and c.status == 403]) == len(dm_posts) == 1


async def test_bad_standup_options_are_refused(club: Club) -> None:
    for options in ({"every": 5}, {"start": "25:00"}, {"days": "funday"}, {"timezone": "Mars/Base"},
                    {"start": "17:00", "end": "09:00"}):
        reply = await club.slash(club.runner, "standup on", **options)
        assert reply["flags"] & 64
        assert len(reply["content"]) < 400
    status = await club.slash(club.runner, "standup status")
    assert "not set up yet" in embed_text(status).lower()
