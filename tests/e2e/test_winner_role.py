"""The weekly winner role through the fake Discord: setup checks, hand-over after each board post, clearing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import Club
from tests.fakediscord import Perm

# The fixture's clock starts Wednesday 18 November 2026; the board posts on Mondays at 08:00 (UTC here).
BOARD_MONDAY = datetime(2026, 11, 23, 8, 0, 30, tzinfo=UTC)


async def setup(club: Club, **options: Any) -> dict[str, Any]:
    base = {"channel": club.guild.text_channel_id, "day": "monday", "time": "07:00", "timezone": "UTC"}
    return await club.slash(club.admin, "club setup", **base, **options)


def holders(club: Club, role_id: int) -> set[int]:
    return {m.user.id for m in club.guild.members.values() if role_id in m.roles}


async def board_post(club: Club, at: datetime) -> None:
    club.clock.set(at)
    assert club.bot is not None
    result = await club.bot.shared["club_jobs"].run(club.guild.id, "leaderboard")
    assert result.status == "sent"


async def test_winners_get_the_role_after_the_board_and_lose_it_a_week_later(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "Glute of the week")
    hider = club.fake.add_member(club.guild.id, "cara")
    reply = await setup(club, winner_role=role.id, winners=1)
    assert "Glute of the week" in reply["content"] or f"<@&{role.id}>" in reply["content"]
    # Ann and Ben tie on top; Cara has more points but hides from the boards.
    for member in (club.runner, club.other):
        await club.slash(member, "checkin", kind="routine")
    await club.slash(hider, "checkin", kind="routine")
    await club.slash(hider, "checkin", kind="stretch")
    await club.slash(hider, "privacy hide")
    await board_post(club, BOARD_MONDAY)
    assert holders(club, role.id) == {club.runner.id, club.other.id}
    await club.restart()
    club.clock.set(BOARD_MONDAY + timedelta(hours=1))
    await club.slash(club.other, "checkin", kind="routine")
    await board_post(club, BOARD_MONDAY + timedelta(days=7))
    assert holders(club, role.id) == {club.other.id}
    export = await club.fake.slash(club.guild.id, club.other.id, "privacy export")
    await export.final()
    files = [c for c in club.fake.calls if c.files and export.payload["token"] in c.path]
    data = json.loads(files[-1].files[0][1])
    assert [w["period_key"] for w in data["weekly_winner_role"]] == ["w2026-11-23"]
    cleared = await club.slash(club.admin, "club winner-role-clear")
    assert "no longer handed out" in cleared["content"]
    assert holders(club, role.id) == set()


async def test_setup_refuses_a_role_above_mine_and_says_what_to_do(club: Club) -> None:
    boss = club.fake.add_role(club.guild.id, "Boss", position=club.guild.bot_role.position + 5)
    reply = await setup(club, winner_role=boss.id)
    assert reply["flags"] & 64
    assert "not below my highest role" in reply["content"]
    assert "Drag" in reply["content"]
    shown = await club.slash(club.admin, "club show")
    assert "Nothing is set up" in shown["content"]


async def test_setup_refuses_without_manage_roles(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "Champion")
    bot_role = club.guild.bot_role
    club.fake.update_role(club.guild.id, bot_role.id, permissions=bot_role.permissions & ~Perm.MANAGE_ROLES)
    assert club.bot is not None
    for _ in range(100):  # the bot learns of the change through the gateway
        guild = club.bot.get_guild(club.guild.id)
        if guild is not None and not guild.me.guild_permissions.manage_roles:
            break
        await asyncio.sleep(0.01)
    reply = await setup(club, winner_role=role.id)
    assert "Manage Roles" in reply["content"]
    shown = await club.slash(club.admin, "club show")
    assert "Nothing is set up" in shown["content"]


async def test_bad_winner_counts_and_non_admins_are_refused(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "Champion")
    for winners in (0, 11):
        reply = await setup(club, winner_role=role.id, winners=winners)
        assert "1 to 10" in reply["content"]
    alone = await setup(club, winners=3)
    assert "winner_role" in alone["content"]
    refused = await club.slash(club.runner, "club winner-role-clear")
    assert "Manage Server" in refused["content"]
    nothing = await club.slash(club.admin, "club winner-role-clear")
    assert "No winner role" in nothing["content"]
    shown = await club.slash(club.admin, "club show")
    assert "Nothing is set up" in shown["content"]
