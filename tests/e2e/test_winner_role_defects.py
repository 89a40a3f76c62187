"""The winner role through the fake Discord when things go wrong, on SQLite and PostgreSQL: a board found in
the channel after an ambiguous failure, a removal refused once, a holder who is forgotten, a changed role."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.e2e.conftest import Club, custom_ids, new_club
from tests.e2e.test_winner_role import BOARD_MONDAY, board_post, holders, setup
from tests.fakediscord import FakeDiscord

MESSAGES = r"^/channels/\d+/messages$"
MEMBER_ROLE = r"^/guilds/\d+/members/\d+/roles/\d+$"


@pytest.fixture
async def club(fake: FakeDiscord, db_url: str) -> AsyncIterator[Club]:
    setup_ = new_club(fake, db_url, post_retry_delays=(0.05, 0.05, 0.05), send_retry_delays=(0.05, 0.05))
    await setup_.start()
    yield setup_
    await setup_.stop()
    await asyncio.sleep(0)


async def ann_wins_the_first_week(club: Club, role_id: int) -> None:
    await setup(club, winner_role=role_id, winners=1)
    await club.slash(club.runner, "checkin", kind="routine")
    await board_post(club, BOARD_MONDAY)
    assert holders(club, role_id) == {club.runner.id}


async def tick(club: Club) -> None:
    assert club.bot is not None
    await club.bot.due.tick()


async def test_defect_d_a_board_found_in_the_channel_still_hands_out_the_winner_role(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "Glute of the week")
    await setup(club, winner_role=role.id, winners=1)
    await club.slash(club.runner, "checkin", kind="routine")
    # The board is created, then the connection drops before the answer: found in the channel, not re-posted.
    dropped = club.fake.drop("POST", MESSAGES, after=True)
    await board_post(club, BOARD_MONDAY)
    assert dropped.hits == 1
    boards = [m for m in club.fake.channel_messages(club.guild.text_channel_id) if m.get("embeds")]
    assert len(boards) == 1
    assert holders(club, role.id) == {club.runner.id}


async def test_defect_e_a_removal_refused_once_is_made_at_the_next_board(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "Glute of the week")
    await ann_wins_the_first_week(club, role.id)
    club.clock.set(BOARD_MONDAY + timedelta(hours=1))
    await club.slash(club.other, "checkin", kind="routine")
    # The role sits above the bot's for that week: taking it from Ann is refused.
    refused = club.fake.fail("DELETE", MEMBER_ROLE, status=403, json={"code": 50013, "message": "Missing Permissions"})
    await board_post(club, BOARD_MONDAY + timedelta(days=7))
    assert refused.hits == 1
    assert holders(club, role.id) == {club.runner.id, club.other.id}
    # Fixed by the next week: Ben wins again, and Ann loses the role at last.
    club.clock.set(BOARD_MONDAY + timedelta(days=7, hours=1))
    await club.slash(club.other, "checkin", kind="routine")
    await board_post(club, BOARD_MONDAY + timedelta(days=14))
    assert holders(club, role.id) == {club.other.id}


async def test_defect_e_a_holder_who_is_forgotten_loses_the_role(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "Glute of the week")
    await ann_wins_the_first_week(club, role.id)
    ix = await club.fake.slash(club.guild.id, club.runner.id, "privacy forget")
    prompt = await ix.response()
    confirm = next(c for c in custom_ids(prompt["data"]) if ":confirm" in c)
    await (await club.fake.click(confirm, club.runner.id, club.guild.id, message=ix.original)).final()
    await tick(club)
    assert holders(club, role.id) == set()


async def test_defect_e_a_changed_winner_role_moves_from_the_old_role_to_the_new(club: Club) -> None:
    old = club.fake.add_role(club.guild.id, "Glute of the week")
    new = club.fake.add_role(club.guild.id, "Champion")
    await ann_wins_the_first_week(club, old.id)
    await setup(club, winner_role=new.id)
    await tick(club)
    assert holders(club, old.id) == set(), "not stranded on the old role"
    assert holders(club, new.id) == {club.runner.id}
