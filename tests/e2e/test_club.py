"""`/club …` and the weekly post through the fake Discord."""

from __future__ import annotations

from bot.content import load_content
from bot.content.schema import minutes_for
from tests.e2e.conftest import Club, custom_ids, embed_text
from tests.fakediscord import Perm


async def setup(club: Club, **overrides: str) -> dict:
    options = {"channel": club.guild.text_channel_id, "day": "monday", "time": "07:00",
               "timezone": "Europe/London", **overrides}
    return await club.slash(club.admin, "club setup", **options)


async def test_setup_post_now_and_done_button(club: Club) -> None:
    reply = await setup(club)
    assert "Saved" in reply["content"]
    assert "<t:" in reply["content"]
    assert club.bot is not None
    assert club.bot.scheduler.get_job(f"club:{club.guild.id}:routine") is not None

    posted = await club.slash(club.admin, "club post-now")
    assert "Posted" in posted["content"]
    messages = club.fake.channel_messages(club.guild.text_channel_id)
    assert len(messages) == 1
    post = messages[0]
    assert "Bent-knee plank" in embed_text(post)
    # The post shows the base routine, its time from the dose, and the caution line.
    embed = post["embeds"][0]
    assert "your step" not in embed["title"]
    base = load_content().default_routine().step(0)
    assert f"about {minutes_for(base.seconds)} min · once a week" in embed["description"]
    assert "10 reps per leg" in embed_text(post)
    assert load_content().guide.caution in embed["footer"]["text"]
    done_id = next(c for c in custom_ids(post) if c.startswith("gc:done:"))

    reply = await club.fake.click(done_id, club.runner.id, club.guild.id, message=post)
    assert "Counted" in (await reply.final())["content"]

    again = await club.slash(club.admin, "club post-now")
    assert "already posted" in again["content"]
    assert len(club.fake.channel_messages(club.guild.text_channel_id)) == 1

    shown = await club.slash(club.admin, "club show")
    text = embed_text(shown)
    assert "Europe/London" in text
    assert "<t:" in text
    assert "routine Nov 16, 2026: sent" in text


async def test_non_admin_is_refused_and_nothing_changes(club: Club) -> None:
    reply = await setup(club)
    assert "Saved" in reply["content"]
    refused = await club.slash(club.runner, "club setup", channel=club.guild.text_channel_id, day="friday",
                               time="09:00", timezone="UTC")
    assert "Manage Server" in refused["content"]
    assert refused["flags"] & 64
    shown = await club.slash(club.admin, "club show")
    assert "Monday 07:00" in embed_text(shown)
    command = next(c for c in club.fake.commands if c["name"] == "club")
    assert int(command["default_member_permissions"]) & Perm.MANAGE_GUILD


async def test_bad_input_gets_clear_errors(club: Club) -> None:
    bad_time = await setup(club, time="25:00")
    assert "hours go 00–23" in bad_time["content"]
    bad_zone = await setup(club, timezone="Europe/Londn")
    assert "Europe/London" in bad_zone["content"]
    assert "Did you mean" in bad_zone["content"]
    huge = await setup(club, timezone="x" * 5000)
    assert len(huge["content"]) < 400
    shown = await club.slash(club.admin, "club show")
    assert "Nothing is set up" in shown["content"]


async def test_channel_without_permission_is_refused_with_the_missing_one(club: Club) -> None:
    locked = club.fake.add_channel(club.guild.id, "locked", bot_permissions_deny=Perm.SEND_MESSAGES)
    reply = await setup(club, channel=locked)
    assert "Send Messages" in reply["content"]
    shown = await club.slash(club.admin, "club show")
    assert "Nothing is set up" in shown["content"]


async def test_timezone_autocomplete(club: Club) -> None:
    ix = await club.fake.autocomplete(club.guild.id, club.admin.id, "club setup", focused="timezone",
                                      value="new_y", channel=club.guild.text_channel_id, day="monday", time="07:00")
    choices = (await ix.response())["data"]["choices"]
    assert choices[0]["value"] == "America/New_York"
    assert len(choices) <= 25


async def test_pause_preview_resume(club: Club) -> None:
    await setup(club)
    paused = await club.slash(club.admin, "club pause")
    assert "paused" in paused["content"]
    preview = await club.slash(club.admin, "club preview")
    assert preview["flags"] & 64
    assert "Glute routine" in embed_text(preview)
    assert club.fake.channel_messages(club.guild.text_channel_id) == []
    resumed = await club.slash(club.admin, "club resume")
    assert "back on" in resumed["content"]
