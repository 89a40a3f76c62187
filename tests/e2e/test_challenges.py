"""Club challenges end to end: start, the persistent Join button across a restart, status, results once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import Club, custom_ids, embed_text

# The fixture's clock: Wednesday 18 November 2026; club weeks start on Mondays (UTC here).
NEXT_MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


async def setup_club(club: Club) -> None:
    reply = await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday",
                             time="07:00", timezone="UTC")
    assert "Saved" in reply["content"]


def posts(club: Club, word: str) -> list[dict[str, Any]]:
    return [m for m in club.fake.channel_messages(club.guild.text_channel_id) if word in embed_text(m)]


async def tick(club: Club) -> int:
    assert club.bot is not None
    return await club.bot.due.run("challenge")


async def test_challenge_from_start_to_results_with_a_restart_in_the_middle(club: Club) -> None:
    await setup_club(club)
    refused = await club.slash(club.runner, "challenge start", name="Mine", weeks=2, goal="routines", target=2)
    assert "Manage Server" in refused["content"]
    assert posts(club, "challenge") == []
    started = await club.slash(club.admin, "challenge start", name="Glute <@everyone> fortnight", weeks=2,
                               goal="routines", target=2, start="this-week")
    assert started["flags"] & 64
    [announcement] = posts(club, "New club challenge")
    [join] = custom_ids(announcement)
    joined = await club.click(club.runner, join, message=announcement)
    assert "You joined" in joined["content"]
    await club.slash(club.runner, "checkin", kind="routine")
    await club.restart()
    # The Join button still works after the restart.
    joined = await club.click(club.other, join, message=announcement)
    assert "You joined" in joined["content"]
    again = await club.slash(club.other, "challenge join")
    assert "already in" in again["content"]
    second = await club.slash(club.admin, "challenge start", name="Other", weeks=1, goal="points", target=5)
    assert "Glute" in second["content"]
    assert "already running" in second["content"]
    club.clock.set(NEXT_MONDAY + timedelta(hours=9))
    await club.slash(club.runner, "checkin", kind="routine")
    status = await club.slash(club.runner, "challenge status")
    text = embed_text(status)
    assert "▰" in text
    assert "2/2" in text
    assert "<t:" in text
    assert await tick(club) == 0
    # The bot is down when the challenge ends and comes back two days later: the results still go out, once.
    await club.stop()
    club.clock.set(NEXT_MONDAY + timedelta(weeks=1, days=2))
    await club.start()
    assert await tick(club) == 1
    assert await tick(club) == 0
    [results] = posts(club, "is over")
    assert "ann" in results["content"]
    assert "ben" not in results["content"].split("Reached the target:")[1].split(".")[0]
    # Names are shown, never pinged: the post allows no mentions at all.
    [call] = [c for c in club.fake.calls if c.method == "POST" and isinstance(c.json, dict)
              and "is over" in (c.json.get("content") or "")]
    assert call.json["allowed_mentions"]["parse"] == []


async def test_end_posts_results_now_and_cancel_posts_none(club: Club) -> None:
    await setup_club(club)
    await club.slash(club.admin, "challenge start", name="Quick", weeks=4, goal="points", target=10)
    await club.slash(club.runner, "challenge join")
    await club.slash(club.runner, "checkin", kind="routine")
    refused = await club.slash(club.runner, "challenge end")
    assert "Manage Server" in refused["content"]
    ended = await club.slash(club.admin, "challenge end")
    assert "results are posted" in ended["content"]
    [results] = posts(club, "is over")
    assert "ann" in results["content"]
    await club.slash(club.admin, "challenge start", name="Dropped", weeks=1, goal="points", target=10)
    cancelled = await club.slash(club.admin, "challenge cancel")
    assert "cancelled" in cancelled["content"]
    club.clock.set(NEXT_MONDAY + timedelta(weeks=2))
    assert await tick(club) == 0
    assert len(posts(club, "is over")) == 1
    left = await club.slash(club.runner, "challenge leave")
    assert "No challenge" in left["content"]


async def test_bad_challenge_options_are_refused_privately(club: Club) -> None:
    await setup_club(club)
    for options in ({"weeks": 0}, {"weeks": 99}, {"target": 0}, {"name": "x" * 500}):
        values = {"name": "Fine", "weeks": 2, "goal": "points", "target": 10, **options}
        reply = await club.slash(club.admin, "challenge start", **values)
        assert reply["flags"] & 64
        assert len(reply["content"]) < 400
    assert posts(club, "challenge") == []
    status = await club.slash(club.runner, "challenge status")
    assert "No challenge" in status["content"]


async def test_defect_i_results_name_no_member_who_left_or_holds_an_excluded_role(club: Club) -> None:
    """ann, ben and cara reach the target; ben then leaves the server and cara holds a role left off the boards:
    the results text and chart name ann alone, as the leaderboard would, and count the other two anonymously."""
    from tests.e2e.test_lifecycle import eventually, left
    from tests.e2e.test_pictures import attached_image, uploads

    await setup_club(club)
    coaches = club.fake.add_role(club.guild.id, "coaches")
    cara = club.fake.add_member(club.guild.id, "cara", roles=[coaches])
    await club.slash(club.admin, "challenge start", name="Bridge week", weeks=1, goal="routines", target=1,
                     start="this-week")
    for member in (club.runner, club.other, cara):
        assert "You joined" in (await club.slash(member, "challenge join"))["content"]
        await club.slash(member, "checkin", kind="routine")
    excluded = await club.slash(club.admin, "club exclude-role", role=coaches.id)
    assert "left off" in excluded["content"]
    club.fake.remove_member(club.guild.id, club.other.id)
    await eventually(lambda: left(club, club.other.id), "ben marked as left")
    board = embed_text(await club.slash(club.admin, "leaderboard"))
    assert "ann" in board
    assert "ben" not in board, "the leaderboard leaves out who left"
    assert "cara" not in board, "and who holds an excluded role"

    ended = await club.slash(club.admin, "challenge end")
    assert "results are posted" in ended["content"]
    [post] = posts(club, "is over")
    text = post["content"]
    assert "Reached the target: ann and 2 more" in text
    assert "3 members took part; together: **3**" in text
    meta, _image = attached_image(post, "challenge.png", uploads(club, post))
    alt = meta["description"]
    assert "ann 1" in alt
    assert "3 members took part, 3 routines together" in alt
    for name in ("ben", "cara"):
        assert name not in text
        assert name not in alt
