"""The winner role's changes tried again later through the fake Discord, on SQLite and PostgreSQL: an add
refused (the role above the bot's until an admin drags it down) or failing transiently is given at its next
try, even after a restart; and `/club purge-left` takes the role back from the holders it purges."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import SendClaim
from tests.e2e.conftest import Club, new_club
from tests.e2e.test_lifecycle import eventually, left
from tests.e2e.test_winner_role import BOARD_MONDAY, board_post, holders, setup
from tests.fakediscord import FakeDiscord

MEMBER_ROLE = r"^/guilds/\d+/members/\d+/roles/\d+$"


@pytest.fixture
async def club(fake: FakeDiscord, db_url: str) -> AsyncIterator[Club]:
    setup_ = new_club(fake, db_url, post_retry_delays=(0.05, 0.05, 0.05), send_retry_delays=(0.05, 0.05))
    await setup_.start()
    yield setup_
    await setup_.stop()
    await asyncio.sleep(0)


async def role_claims(club: Club) -> list[SendClaim]:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(SendClaim).where(SendClaim.kind == "winner_role").order_by(SendClaim.id)
            return list((await session.execute(query)).scalars())
    finally:
        await engine.dispose()


async def pending_add(club: Club) -> datetime:
    [claim] = [c for c in await role_claims(club) if c.period_key.startswith("+")]
    assert claim.status == "pending", "tried again later"
    assert claim.next_try_at is not None
    return claim.next_try_at


async def tick(club: Club) -> None:
    assert club.bot is not None
    await club.bot.due.tick()


async def test_a_refused_winner_role_add_is_given_at_its_next_try_after_a_restart(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "Glute of the week")
    await setup(club, winner_role=role.id, winners=1)
    await club.slash(club.runner, "checkin", kind="routine")
    # The role sits above the bot's when the board goes out: giving it is refused.
    refused = club.fake.fail("PUT", MEMBER_ROLE, status=403, json={"code": 50013, "message": "Missing Permissions"})
    await board_post(club, BOARD_MONDAY)
    assert refused.hits == 1
    assert holders(club, role.id) == set()
    at = await pending_add(club)
    # The admin drags the role below the bot's; the bot restarts meanwhile.
    await club.restart()
    club.clock.set(at)
    await tick(club)
    assert holders(club, role.id) == {club.runner.id}
    [claim] = await role_claims(club)
    assert (claim.status, claim.attempts) == ("sent", 2)


async def test_a_winner_role_add_failing_transiently_is_given_at_its_next_try(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "Glute of the week")
    await setup(club, winner_role=role.id, winners=1)
    await club.slash(club.runner, "checkin", kind="routine")
    # The connection to Discord drops on every try for a while.
    dropped = club.fake.drop("PUT", MEMBER_ROLE, after=False, times=None)
    await board_post(club, BOARD_MONDAY)
    assert dropped.hits >= 3, "the first attempt and the tick's two retries"
    assert holders(club, role.id) == set()
    [claim] = await role_claims(club)
    assert claim.attempts == 3
    at = await pending_add(club)
    club.fake.clear_failures()
    club.clock.set(at)
    await tick(club)
    assert holders(club, role.id) == {club.runner.id}


async def test_purge_left_takes_the_winner_role_back_from_the_holders_it_purges(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "Glute of the week")
    await setup(club, winner_role=role.id, winners=1)
    await club.slash(club.runner, "checkin", kind="routine")
    await board_post(club, BOARD_MONDAY)
    assert holders(club, role.id) == {club.runner.id}
    club.fake.remove_member(club.guild.id, club.runner.id)
    await eventually(lambda: left(club, club.runner.id), "ann marked as left")
    purged = await club.slash(club.admin, "club purge-left")
    assert "1 member" in purged["content"]
    await tick(club)
    removals = [c for c in club.fake.calls if c.method == "DELETE" and f"/members/{club.runner.id}/roles/" in c.path]
    assert removals, "the role is taken back from the purged holder"
    statuses = {c.period_key[0]: c.status for c in await role_claims(club) if c.subject_id == club.runner.id}
    assert statuses == {"+": "sent", "-": "sent"}
