"""Buttons pressed in a DM (a nudge's Done, a self-test answer, a re-test's Remind) never act as "in the server".

A DM shows nothing about whether the member is still in the server: a press there must not bring a member
who left back onto the public board, and must not create again a member who used `/privacy forget`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Checkin, Member, TestResult
from tests.e2e.conftest import Club, custom_ids

TEST = "hamstring-vs-glute"


async def scalar(club: Club, query: Any) -> Any:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            return (await session.execute(query)).scalar_one_or_none()
    finally:
        await engine.dispose()


async def left_at(club: Club) -> datetime | None:
    return await scalar(club, select(Member.left_at).where(Member.user_id == club.runner.id))


async def members(club: Club) -> int:
    return await scalar(club, select(func.count()).select_from(Member).where(Member.user_id == club.runner.id))


async def leaves(club: Club) -> None:
    """The runner leaves the server; the bot marks them left."""
    club.fake.remove_member(club.guild.id, club.runner.id)
    for _ in range(200):
        if await left_at(club) is not None:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bot never marked the member as left")


async def forgets(club: Club) -> None:
    ix = await club.fake.slash(club.guild.id, club.runner.id, "privacy forget")
    prompt = await ix.response()
    confirm = next(c for c in custom_ids(prompt["data"]) if ":confirm" in c)
    await (await club.fake.click(confirm, club.runner.id, club.guild.id, message=ix.original)).final()
    assert await members(club) == 0


async def on_board(club: Club) -> bool:
    board = await club.slash(club.other, "leaderboard")
    return "ann" in board["embeds"][0]["description"]


async def dm_press(club: Club, custom_id: str) -> dict[str, Any]:
    return await (await club.fake.dm_click(custom_id, club.runner.id)).final()


def done(club: Club) -> str:
    return f"gc:done:routine:{club.guild.id}"


def answer(club: Club) -> str:
    return f"gc:t:{club.runner.id}:0123abcd:{TEST}:l:hamstring-first:g{club.guild.id}"


def remind(club: Club) -> str:
    return f"gc:rt:{club.runner.id}:{club.guild.id}:{TEST}"


async def test_defect_a_dm_done_press_keeps_a_member_who_left_off_the_board(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="stretch")
    await club.slash(club.other, "checkin", kind="stretch")
    assert await on_board(club)
    await leaves(club)
    assert not await on_board(club)
    reply = await dm_press(club, done(club))  # an old nudge's Done, pressed after leaving
    assert "Counted" in reply["content"]
    assert await left_at(club) is not None, "a press in a DM brought the member back"
    assert not await on_board(club)


async def test_defect_a_dm_self_test_answer_and_remind_keep_a_member_who_left_off_the_board(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="stretch")
    await club.slash(club.other, "checkin", kind="stretch")
    await leaves(club)
    await dm_press(club, answer(club))
    assert await left_at(club) is not None, "a self-test answer in a DM brought the member back"
    await dm_press(club, remind(club))
    assert await left_at(club) is not None, "a Remind press in a DM brought the member back"
    assert not await on_board(club)


async def test_defect_a_dm_presses_after_forget_create_nobody(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="stretch")
    await forgets(club)
    for custom_id in (done(club), answer(club), remind(club)):
        reply = await dm_press(club, custom_id)
        assert "Nothing is stored about you" in reply["content"], (custom_id, reply)
        assert await members(club) == 0, f"{custom_id} created the forgotten member again"
    assert await scalar(club, select(func.count()).select_from(Checkin)) == 0
    assert await scalar(club, select(func.count()).select_from(TestResult)) == 0
    # Back in the server, a press starts over as a new member.
    assert "Counted" in (await club.slash(club.runner, "checkin", kind="stretch"))["content"]
    assert await members(club) == 1
