"""The fake checks every request against Discord's OpenAPI spec, and a test that sends a bad one fails."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.ext import commands
from discord.http import Route

from bot.playground.fake.harness import running
from tests.fakediscord import FakeDiscord, FakeInteraction
from tests.fakediscord.spec import discord_spec

TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token-for-spec"
REPO_ROOT = Path(__file__).resolve().parents[2]


class MysteryItem(discord.ui.Button):
    """A component of a type Discord does not have."""

    def to_component_dict(self) -> dict[str, object]:  # type: ignore[override]
        return {"type": 99, "custom_id": "spec:mystery"}


class SpecBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned, intents=discord.Intents.default(), guild_ready_timeout=0.1
        )

    async def setup_hook(self) -> None:
        @self.tree.command(name="mystery", description="Answers with an unknown component type")
        async def mystery(interaction: discord.Interaction) -> None:
            view = discord.ui.View()
            view.add_item(MysteryItem(label="?"))
            await interaction.response.send_message("look", view=view)

        @self.tree.command(name="chart", description="Defers, then follows up with a file and a bad colour")
        async def chart(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            embed = discord.Embed.from_dict({"title": "Chart", "color": 0x1000000})
            await interaction.followup.send(embed=embed, file=discord.File(io.BytesIO(b"\x89PNG"), "chart.png"))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


async def test_an_embed_field_without_a_name_is_caught(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    async with running(SpecBot(), fake, token=TOKEN) as bot:
        channel = bot.get_channel(guild.text_channel_id)
        assert isinstance(channel, discord.TextChannel)
        nameless = discord.Embed.from_dict({"title": "Board", "fields": [{"value": "ann 3", "inline": False}]})
        with pytest.raises(discord.HTTPException):  # the fake's own check rejects it as Discord does
            await channel.send(embed=nameless)
    found = fake.take_spec_violations()
    assert [(v.method, v.path, v.operation, v.pointer) for v in found] == [
        ("POST", f"/channels/{guild.text_channel_id}/messages", "create_message", "/embeds/0/fields/0/name")
    ]
    assert "'name' is a required property" in found[0].message


async def _answer(fake: FakeDiscord, command: str) -> tuple[FakeInteraction, dict[str, Any]]:
    """Runs ``command`` of SpecBot as a member; returns the interaction and its visible answer."""
    guild = fake.add_guild()
    runner = fake.add_member(guild.id, "runner")
    async with running(SpecBot(), fake, token=TOKEN) as bot:
        await bot.tree.sync()
        ix = await fake.slash(guild.id, runner.id, command)
        return ix, await ix.final()


async def test_an_unknown_component_type_in_an_interaction_response_is_caught(fake: FakeDiscord) -> None:
    ix, answer = await _answer(fake, "mystery")
    assert answer["content"] == "look"  # the fake's own checks let it through
    found = fake.take_spec_violations()
    assert [(v.method, v.operation, v.pointer) for v in found] == [
        ("POST", "create_interaction_response", "/data/components/0/components/0/type")
    ]
    assert found[0].path == f"/interactions/{ix.id}/{ix.token}/callback"
    assert "type 99 is not one of the types allowed here" in found[0].message


async def test_a_multipart_followup_is_checked_through_its_payload_json(fake: FakeDiscord) -> None:
    _, answer = await _answer(fake, "chart")
    assert [name for name, _ in answer["files"]] == ["chart.png"]
    assert [(v.method, v.operation, v.pointer) for v in fake.take_spec_violations()] == [
        ("POST", "execute_webhook", "/embeds/0/color")
    ]


async def test_a_method_the_spec_lacks_is_reported(fake: FakeDiscord) -> None:
    fake.add_guild()
    async with running(SpecBot(), fake, token=TOKEN) as bot:
        with pytest.raises(discord.NotFound):
            await bot.http.request(Route("DELETE", "/users/@me"))
    assert [str(v) for v in fake.take_spec_violations()] == [
        "DELETE /users/@me: no operation DELETE /users/@me in Discord's API spec"
    ]


def test_integer_snowflakes_pass_as_discord_takes_them() -> None:
    spec = discord_spec()
    dm = {"recipient_id": 80351110224678912}
    assert spec.check("POST", "/users/@me/channels", "application/json", dm, True) == []
    upload = {"attachments": [{"id": 0, "filename": "chart.png"}]}
    assert spec.check("POST", "/channels/1/messages", "multipart/form-data", upload, True) == []
    not_an_id = spec.check("POST", "/users/@me/channels", "application/json", {"recipient_id": "ann"}, True)
    assert [v.pointer for v in not_an_id] == ["/recipient_id"]
    negative = spec.check("POST", "/channels/1/messages", "application/json", {"attachments": [{"id": -1}]}, True)
    assert [v.pointer for v in negative] == ["/attachments/0/id"]


def test_literal_path_segments_win_over_parameters() -> None:
    spec = discord_spec()
    pins = spec.operation("GET", "/channels/1/messages/pins")
    message = spec.operation("GET", "/channels/1/messages/2")
    original = spec.operation("PATCH", "/webhooks/1/token/messages/@original")
    assert (pins and pins.name, message and message.name, original and original.name) == (
        "list_pins",
        "get_message",
        "update_original_webhook_message",
    )


def test_bodies_where_the_operation_takes_none_or_needs_one() -> None:
    spec = discord_spec()
    typing = spec.check("POST", "/channels/1/typing", "application/json", {"x": 1}, True)
    assert [v.message for v in typing] == ["the operation takes no request body, one was sent"]
    missing = spec.check("POST", "/channels/1/messages", "", None, False)
    assert [v.message for v in missing] == ["the operation needs a request body, none was sent"]
    form = spec.check("PATCH", "/guilds/1/members/2", "application/x-www-form-urlencoded", {}, True)
    assert [v.message for v in form] == [
        "content type 'application/x-www-form-urlencoded' not accepted (application/json)"
    ]


BAD_TEST = '''
import asyncio

import aiohttp

from tests.fakediscord import FakeDiscord


def test_posts_an_embed_with_a_colour_past_white():
    async def main():
        async with FakeDiscord(token="t") as fake, aiohttp.ClientSession() as session:
            channel_id = fake.add_guild().text_channel_id
            url = f"{fake.api_base}/channels/{channel_id}/messages"
            body = {"embeds": [{"title": "Week", "color": 16777216}]}
            async with session.post(url, json=body, headers={"Authorization": "Bot t"}) as resp:
                assert resp.status == 200

    asyncio.run(main())
'''


def test_a_violation_fails_the_test_that_sent_it(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.conftest"]\n')
    (tmp_path / "test_bad.py").write_text(textwrap.dedent(BAD_TEST))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "test_bad.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed, 1 error" in run.stdout, run.stdout
    assert "1 request(s) to the fake Discord break Discord's API spec" in run.stdout
    assert "POST /channels/" in run.stdout
    assert "(create_message) at /embeds/0/color: 16777216 is greater than the maximum of 16777215" in run.stdout


async def test_checking_can_be_turned_off() -> None:
    async with FakeDiscord(spec_check=False) as fake:
        guild = fake.add_guild()
        async with running(SpecBot(), fake, token=TOKEN) as bot:
            channel = bot.get_channel(guild.text_channel_id)
            assert isinstance(channel, discord.TextChannel)
            await channel.send(embed=discord.Embed.from_dict({"title": "Week", "color": 0x1000000}))
        assert fake.spec_violations == []
