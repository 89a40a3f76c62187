"""Check-ins, leaderboards, `/me` and privacy through the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Checkin, MemberProgression
from bot.db.models import Club as ClubRow
from tests.e2e.conftest import Club, custom_ids, embed_text


async def count_rows(club: Club, kind: str | None = None) -> int:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(func.count()).select_from(Checkin)
            if kind:
                query = query.where(Checkin.kind == kind)
            return (await session.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def set_club(club: Club, **values: object) -> None:
    """Change club columns directly (for settings no command sets; the bot's cached rows hold none of them)."""
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            await session.execute(update(ClubRow).where(ClubRow.guild_id == club.guild.id).values(**values))
            await session.commit()
    finally:
        await engine.dispose()


async def test_checkin_counts_once_then_says_already_counted(club: Club) -> None:
    first = await club.slash(club.runner, "checkin", kind="routine")
    second = await club.slash(club.runner, "checkin", kind="routine")
    assert "Counted: weekly routine (+10)" in first["content"]
    assert "1st place" in first["content"]
    assert "Already counted" in second["content"]
    assert first["flags"] & 64
    assert await count_rows(club, "routine") == 1


async def test_done_button_records_for_whoever_presses_it(club: Club) -> None:
    plan = await club.slash(club.runner, "glutes today")
    done = next(c for c in custom_ids(plan) if c.startswith("gc:done:"))
    reply = await club.click(club.other, done)
    assert "Counted" in reply["content"]
    again = await club.click(club.other, done)
    assert "Already counted" in again["content"]
    mine = await club.click(club.runner, done)
    assert "Counted" in mine["content"]
    assert await count_rows(club, "routine") == 2
    # /glutes today now shows the done mark and what to do next.
    after = await club.slash(club.runner, "glutes today")
    assert "Done this week" in embed_text(after)
    assert "Stretch" in embed_text(after)


async def test_concurrent_double_clicks_count_once(club: Club) -> None:
    interactions = await asyncio.gather(
        *(club.fake.click("gc:done:routine", club.runner.id, club.guild.id) for _ in range(5))
    )
    replies = await asyncio.gather(*(ix.final() for ix in interactions))
    assert sum("Counted" in r["content"] for r in replies) == 1
    assert sum("Already counted" in r["content"] for r in replies) == 4
    assert await count_rows(club, "routine") == 1


@contextlib.asynccontextmanager
async def check_ins_held(db_url: str) -> AsyncIterator[None]:
    """Another connection holds what a check-in needs to write (SQLite's write lock; PostgreSQL's check-in table)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(url.database), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    pg = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        async with pg.transaction():
            await pg.execute("LOCK TABLE checkin IN SHARE ROW EXCLUSIVE MODE")
            yield
    finally:
        await pg.close()


async def test_a_check_in_held_up_past_the_budget_is_deferred_then_answered(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="stretch")  # the club and member rows exist and are cached
    async with check_ins_held(club.settings.db_url):
        press = await club.fake.click("gc:done:routine", club.runner.id, club.guild.id)
        # Within Discord's 3 s the press is acknowledged ("thinking…") while the write still waits.
        callback = await press.response(timeout=2.9)
        assert callback["type"] == 5
        assert callback["data"]["flags"] & 64
        await asyncio.sleep(0.3)
        assert press.followups == []
    reply = await press.final(timeout=10)
    assert "Counted: weekly routine (+10)" in reply["content"]
    assert reply["flags"] & 64
    assert custom_ids(reply) == [f"gc:feel:{club.runner.id}:{f}" for f in ("easy", "right", "hard", "hurt")]
    assert await count_rows(club, "routine") == 1


async def test_backfill_yesterday_only(club: Club) -> None:
    reply = await club.slash(club.runner, "checkin", kind="stretch", when="yesterday")
    assert "Counted" in reply["content"]
    again = await club.slash(club.runner, "checkin", kind="stretch", when="yesterday")
    assert "Already counted" in again["content"]
    today = await club.slash(club.runner, "checkin", kind="stretch")
    assert "Counted" in today["content"]
    assert await count_rows(club, "stretch") == 2


async def test_undo_within_ten_minutes(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="stretch")
    club.clock.advance(timedelta(minutes=5))
    reply = await club.slash(club.runner, "undo")
    assert "Undone" in reply["content"]
    assert await count_rows(club) == 0
    await club.slash(club.runner, "checkin", kind="stretch")
    club.clock.advance(timedelta(minutes=15))
    late = await club.slash(club.runner, "undo")
    assert "Nothing to undo" in late["content"]
    assert await count_rows(club) == 1


async def test_checkin_rules_are_shown(club: Club) -> None:
    reply = await club.slash(club.runner, "checkin", kind="rules")
    assert "routine 10" in reply["content"]
    assert "one routine per club-week" in reply["content"]
    assert "`/undo`" in reply["content"]
    assert "/checkin undo" not in reply["content"]
    commands = {c["name"] for c in club.fake.commands}
    assert "undo" in commands, "the rules name a command that exists"


async def test_leaderboard_ties_and_hidden_members(club: Club) -> None:
    third = club.fake.add_member(club.guild.id, "cat")
    await club.slash(club.runner, "checkin", kind="routine")
    club.clock.advance(timedelta(minutes=1))
    await club.slash(club.other, "checkin", kind="routine")
    await club.slash(third, "checkin", kind="routine")
    await club.slash(third, "checkin", kind="stretch")
    board = await club.slash(club.admin, "leaderboard", period="week")
    lines = board["embeds"][0]["description"].splitlines()
    assert lines[0].startswith("**1.** cat — 12 pts")
    assert lines[1].startswith("**2.** ann — 10 pts")
    assert lines[2].startswith("**2.** ben — 10 pts")
    hidden = await club.slash(club.runner, "privacy hide")
    assert "hidden" in hidden["content"]
    board = await club.slash(club.admin, "leaderboard", period="week")
    assert "ann" not in board["embeds"][0]["description"]
    assert str(club.runner.id) not in json.dumps(board)
    me = await club.slash(club.runner, "me")
    assert "10 pts" in embed_text(me)


async def test_week_boundary_in_the_clubs_timezone(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="stretch")
    saved = await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday",
                             time="07:00", timezone="America/Los_Angeles")
    assert "Saved" in saved["content"]
    # Sunday 23:30 in Los Angeles (Monday 07:30 UTC): counts for the week that is ending.
    club.clock.set(datetime(2026, 11, 23, 7, 30, tzinfo=UTC))
    assert "Counted" in (await club.slash(club.runner, "checkin", kind="routine"))["content"]
    club.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    board = await club.slash(club.runner, "leaderboard", period="last-week")
    assert "ann — 12 pts" in board["embeds"][0]["description"]
    this_week = await club.slash(club.runner, "leaderboard", period="week")
    assert "ann" not in this_week["embeds"][0]["description"]


async def progression_rows(club: Club) -> int:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            return (await session.execute(select(func.count()).select_from(MemberProgression))).scalar_one()
    finally:
        await engine.dispose()


async def test_privacy_export_and_forget(club: Club) -> None:
    logged = await club.slash(club.runner, "checkin", kind="routine")
    easy = next(i for i in custom_ids(logged) if i.endswith(":easy"))
    await club.click(club.runner, easy)
    other = await club.slash(club.other, "checkin", kind="routine")
    await club.click(club.other, next(i for i in custom_ids(other) if i.endswith(":hard")))
    await club.slash(club.runner, "checkin", kind="stretch")
    ix = await club.fake.slash(club.guild.id, club.runner.id, "privacy export")
    await ix.final()
    upload = ix.followups[-1] if ix.followups else ix.original
    files = [c for c in club.fake.calls if c.files and ix.payload["token"] in c.path]
    assert files, "the export arrives as an attachment"
    data = json.loads(files[-1].files[0][1])
    assert {c["kind"] for c in data["checkins"]} == {"routine", "stretch"}
    # Rows are exported column by column, as stored (steps count from 0, the base routine).
    assert data["progression"]["routine_slug"] == "five-minute"
    assert data["progression"]["step"] == 0
    assert data["progression"]["last_feel"] == "easy"
    assert data["progression"]["easy_weeks"] == 1
    assert upload is not None

    ix = await club.fake.slash(club.guild.id, club.runner.id, "privacy forget")
    prompt = await ix.response()
    confirm = next(c for c in custom_ids(prompt["data"]) if ":confirm" in c)
    stranger = await club.fake.click(confirm, club.other.id, club.guild.id, message=ix.original)
    assert "someone else" in (await stranger.response())["data"]["content"]
    assert await count_rows(club) == 3
    press = await club.fake.click(confirm, club.runner.id, club.guild.id, message=ix.original)
    done = await press.final()
    assert "deleted 2 check-ins" in done["content"]
    assert await count_rows(club) == 1, "only the other member's check-in is left"
    assert await progression_rows(club) == 1, "only the other member's step is left"


async def test_member_who_leaves_drops_off_the_board(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="routine")
    await club.slash(club.other, "checkin", kind="routine")
    club.fake.remove_member(club.guild.id, club.other.id)
    for _ in range(50):
        board = await club.slash(club.runner, "leaderboard")
        if "ben" not in board["embeds"][0]["description"]:
            break
        await asyncio.sleep(0.02)
    assert "ben" not in board["embeds"][0]["description"]
    assert "ann" in board["embeds"][0]["description"]
    assert await count_rows(club) == 2
