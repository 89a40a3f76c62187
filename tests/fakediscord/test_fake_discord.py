"""The fake Discord against the real discord.py client."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import zlib
from pathlib import Path

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.playground.fake.harness import running
from tests.fakediscord import FakeDiscord, Perm

TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token-for-tests"
REPO_ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ["clamshell", "clam walk", "glute bridge", "hip thrust", "monster walk"]


class DoneView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Done", custom_id="test:done", style=discord.ButtonStyle.success)
    async def done(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        where = "DM" if interaction.guild is None else interaction.guild.name
        await interaction.response.send_message(f"done by {interaction.user.name} in {where}", ephemeral=True)

    @discord.ui.button(label="Bump", custom_id="test:bump")
    async def bump(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="bumped", view=self)

    @discord.ui.select(
        custom_id="test:pick",
        options=[
            discord.SelectOption(label="Bridge", value="bridge"),
            discord.SelectOption(label="Clam", value="clam"),
        ],
        max_values=2,
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"picked {','.join(select.values)}")


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    answer: discord.ui.TextInput = discord.ui.TextInput(label="How was it?", custom_id="feedback:answer")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.answer.value}", ephemeral=True)


class _TestBotMixin:
    """App command tree used by the tests, plus counters of gateway events."""

    tree: app_commands.CommandTree

    def _init_counters(self) -> None:
        self.last_response_message_id: int | None = None
        self.ready_count = 0
        self.resumed = asyncio.Event()
        self.joined: asyncio.Queue[discord.Guild] = asyncio.Queue()
        self.member_removed: asyncio.Queue[discord.Member] = asyncio.Queue()

    async def setup_hook(self) -> None:
        tree = self.tree

        @tree.command(name="ping", description="Answer with the exercise")
        @app_commands.describe(exercise="An exercise", reps="How many")
        async def ping(interaction: discord.Interaction, exercise: str, reps: int = 10, loud: bool = False) -> None:
            text = f"pong {exercise} x{reps}"
            await interaction.response.send_message(text.upper() if loud else text)

        @ping.autocomplete("exercise")
        async def exercise_autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=e, value=e) for e in EXERCISES if current in e]

        glutes = app_commands.Group(name="glutes", description="Glute things")

        @glutes.command(name="today", description="Today's routine")
        async def today(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("today: glute bridge", ephemeral=True)

        @glutes.command(name="coach", description="Name a coach")
        async def coach(interaction: discord.Interaction, who: discord.Member, where: discord.TextChannel) -> None:
            await interaction.response.send_message(f"{who.name} coaches in #{where.name}")

        tree.add_command(glutes)

        @tree.command(name="slow", description="Defers, then edits")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.02)
            await interaction.edit_original_response(content="slow done")

        @tree.command(name="buttons", description="Sends a button")
        async def buttons(interaction: discord.Interaction) -> None:
            callback = await interaction.response.send_message("press it", view=DoneView())
            self.last_response_message_id = callback.message_id
            assert isinstance(callback.resource, discord.InteractionMessage)

        @tree.command(name="feedback", description="Opens a modal")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @tree.command(name="report", description="Sends a file")
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(
                "report", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "report.csv")
            )

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py sleeps 5 s before re-IDENTIFYing; pointless against the fake

    async def on_ready(self) -> None:
        self.ready_count += 1

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.joined.put_nowait(guild)

    async def on_member_remove(self, member: discord.Member) -> None:
        self.member_removed.put_nowait(member)


def _intents() -> discord.Intents:
    intents = discord.Intents.default()
    intents.members = True
    return intents


class Bot(_TestBotMixin, commands.Bot):
    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=_intents(), guild_ready_timeout=0.1)
        self._init_counters()


class ShardedBot(_TestBotMixin, commands.AutoShardedBot):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=_intents(), guild_ready_timeout=0.1, **kwargs)
        self._init_counters()


async def test_connects_and_caches_guilds(fake: FakeDiscord) -> None:
    guild = fake.add_guild("Club")
    runner = fake.add_member(guild.id, "runner1")
    async with running(Bot(), fake, token=TOKEN) as bot:
        assert bot.ready_count == 1
        assert bot.user is not None
        assert bot.user.id == fake.bot_user_id
        cached = bot.get_guild(guild.id)
        assert cached is not None
        assert cached.name == "Club"
        assert cached.get_channel(guild.text_channel_id) is not None
        assert cached.get_member(runner.id) is not None
        assert cached.me.guild_permissions.manage_roles
        assert not cached.me.guild_permissions.administrator
        assert fake.identified_shards == [(0, 1)]
        assert [c.path for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]

        later = fake.add_guild("Late Club")
        joined = await asyncio.wait_for(bot.joined.get(), 2)
        assert joined.id == later.id
        assert bot.get_guild(later.id) is not None

        fake.remove_member(guild.id, runner.id)
        removed = await asyncio.wait_for(bot.member_removed.get(), 2)
        assert removed.id == runner.id
        assert cached.get_member(runner.id) is None


async def test_rejects_requests_without_bot_token(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{fake.api_base}/users/@me") as resp:
        assert resp.status == 401
        assert resp.headers["Content-Type"] == "application/json"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.api_base}/nope", headers={"Authorization": f"Bot {TOKEN}"}) as resp,
    ):
        assert resp.status == 404
        assert await resp.json() == {"message": "Unknown route", "code": 0}
    assert [str(v) for v in fake.take_spec_violations()] == ["GET /nope: no operation GET /nope in Discord's API spec"]


async def test_sync_registers_commands(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    async with running(Bot(), fake, token=TOKEN) as bot:
        synced = await bot.tree.sync()
        assert {c.name for c in synced} == {"ping", "glutes", "slow", "buttons", "feedback", "report"}
        assert {c["name"] for c in fake.commands} == {c.name for c in synced}
        ping = next(c for c in fake.commands if c["name"] == "ping")
        assert [(o["name"], o["type"]) for o in ping["options"]] == [("exercise", 3), ("reps", 4), ("loud", 5)]
        assert all(int(c["id"]) > 0 for c in fake.commands)

        await bot.tree.sync(guild=discord.Object(guild.id))
        assert fake.guild_commands[guild.id] == []


async def test_slash_commands_reply(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    runner = fake.add_member(guild.id, "runner1")
    coach_channel = fake.add_channel(guild.id, "coaching")
    async with running(Bot(), fake, token=TOKEN) as bot:
        await bot.tree.sync()

        ix = await fake.slash(guild.id, runner.id, "ping", exercise="bridge", reps=3, loud=True)
        response = await ix.response()
        assert response["type"] == 4
        assert response["data"]["content"] == "PONG BRIDGE X3"
        assert ix.latency is not None
        assert ix.latency > 0

        ix = await fake.slash(guild.id, runner.id, "glutes today")
        response = await ix.response()
        assert response["type"] == 4
        assert response["data"]["content"] == "today: glute bridge"
        assert response["data"]["flags"] & 64

        ix = await fake.slash(guild.id, runner.id, "glutes coach", who=runner.id, where=coach_channel)
        assert "resolved" in ix.payload["data"]
        assert (await ix.final())["content"] == "runner1 coaches in #coaching"

        ix = await fake.slash(guild.id, runner.id, "slow")
        assert (await ix.response())["type"] == 5
        final = await ix.final()
        assert final["content"] == "slow done"
        assert ix.original is not None
        assert ix.original["content"] == "slow done"
        assert not ix.original["flags"] & 128

        ix = await fake.slash(guild.id, runner.id, "report")
        response = await ix.response()
        assert response["files"] == [("report.csv", b"a,b\n1,2\n")]
        assert ix.original is not None
        assert ix.original["attachments"][0]["filename"] == "report.csv"

        with pytest.raises(ValueError, match="no option"):
            await fake.slash(guild.id, runner.id, "ping", exrcise="typo")
        with pytest.raises(ValueError, match="not registered"):
            await fake.slash(guild.id, runner.id, "pong")


async def test_autocomplete_returns_choices(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    runner = fake.add_member(guild.id, "runner1")
    async with running(Bot(), fake, token=TOKEN) as bot:
        await bot.tree.sync()
        ix = await fake.autocomplete(guild.id, runner.id, "ping", focused="exercise", value="clam", reps=5)
        response = await ix.response()
        assert response["type"] == 8
        assert [c["value"] for c in response["data"]["choices"]] == ["clamshell", "clam walk"]


async def test_button_click_runs_view_callback(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    runner = fake.add_member(guild.id, "runner1")
    async with running(Bot(), fake, token=TOKEN) as bot:
        await bot.tree.sync()
        ix = await fake.slash(guild.id, runner.id, "buttons")
        response = await ix.response()
        assert response["data"]["components"][0]["components"][0]["custom_id"] == "test:done"

        assert ix.original is not None
        assert bot.last_response_message_id == int(ix.original["id"])

        click = await fake.click("test:done", runner.id)
        assert click.payload["message"]["id"] == ix.original["id"]
        reply = await click.response()
        assert reply["type"] == 4
        assert reply["data"]["content"] == "done by runner1 in Club"
        assert reply["data"]["flags"] & 64

        bump = await fake.click(ix.original, runner.id, custom_id="test:bump")
        assert (await bump.response())["type"] == 7
        assert (await bump.final())["content"] == "bumped"
        assert ix.original["content"] == "bumped"

        pick = await fake.select("test:pick", runner.id, ["bridge", "clam"])
        assert (await pick.response())["type"] == 5
        assert (await pick.final())["content"] == "picked bridge,clam"
        assert pick.original is not None
        assert pick.original["flags"] & 64

        with pytest.raises(TimeoutError, match="no callback"):
            await (await fake.click("test:unknown", runner.id, guild.id)).final(timeout=0.2)


async def test_dm_button_and_modal(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    runner = fake.add_member(guild.id, "runner1")
    async with running(Bot(), fake, token=TOKEN) as bot:
        await bot.tree.sync()
        member = bot.get_guild(guild.id).get_member(runner.id)  # type: ignore[union-attr]
        assert member is not None
        await member.send("did you train today?", view=DoneView())
        ix = await fake.dm_click("test:done", runner.id)
        assert "user" in ix.payload
        assert "member" not in ix.payload
        assert ix.payload["channel"]["type"] == 1
        assert (await ix.response())["data"]["content"] == "done by runner1 in DM"

        opened = await fake.slash(guild.id, runner.id, "feedback")
        modal = await opened.response()
        assert modal["type"] == 9
        assert modal["data"]["custom_id"]
        submitted = await fake.submit_modal(opened, runner.id, {"feedback:answer": "great"})
        assert (await submitted.final())["content"] == "thanks: great"


async def test_raw_gateway_protocol(fake: FakeDiscord) -> None:
    fake.token = TOKEN
    guild = fake.add_guild()
    fake.add_member(guild.id, "runner1")
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
            assert (await ws.receive_json())["op"] == 10
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}})
            ready = await ws.receive_json()
            assert (ready["t"], ready["s"]) == ("READY", 1)
            assert ready["d"]["guilds"] == [{"id": str(guild.id), "unavailable": True}]
            created = await ws.receive_json()
            assert (created["t"], created["s"]) == ("GUILD_CREATE", 2)
            assert created["d"]["member_count"] == 3
            # without the GUILD_MEMBERS intent only the bot's own member is sent
            assert [m["user"]["id"] for m in created["d"]["members"]] == [str(fake.bot_user_id)]

        async with session.ws_connect(f"{fake.gateway_url}?v=10&encoding=json&compress=zlib-stream") as ws:
            inflater = zlib.decompressobj()
            frame = await ws.receive_bytes()
            assert frame.endswith(b"\x00\x00\xff\xff")
            assert json.loads(inflater.decompress(frame))["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
            closing = await ws.receive()
            assert closing.type == aiohttp.WSMsgType.CLOSE
            assert closing.data == 4004


async def test_channel_sends_and_forbidden_dms(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    runner = fake.add_member(guild.id, "runner1")
    muted = fake.add_channel(guild.id, "announcements", bot_permissions_deny=Perm.SEND_MESSAGES)
    async with running(Bot(), fake, token=TOKEN) as bot:
        channel = bot.get_channel(guild.text_channel_id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("hello club", embed=discord.Embed(title="Week 1"))
        messages = fake.channel_messages(guild.text_channel_id)
        assert [m["content"] for m in messages] == ["hello club"]
        assert messages[0]["id"] == str(sent.id)
        assert messages[0]["embeds"][0]["title"] == "Week 1"
        await sent.edit(content="hello again")
        assert fake.channel_messages(guild.text_channel_id)[0]["content"] == "hello again"

        await channel.send(file=discord.File(io.BytesIO(b"\x89PNG"), "chart.png"))
        upload = (await fake.wait_for("POST", rf"/channels/{guild.text_channel_id}/messages", count=2))[-1]
        assert upload.files == [("chart.png", b"\x89PNG")]

        announcements = bot.get_channel(muted)
        assert isinstance(announcements, discord.TextChannel)
        assert not announcements.permissions_for(announcements.guild.me).send_messages
        with pytest.raises(discord.Forbidden) as missing:
            await announcements.send("nope")
        assert missing.value.code == 50013

        member = bot.get_guild(guild.id).get_member(runner.id)  # type: ignore[union-attr]
        assert member is not None
        await member.send("first DM")
        assert [m["content"] for m in fake.dm_messages(runner.id)] == ["first DM"]

        fake.fail("POST", rf"^/channels/{fake.dm_channel_id(runner.id)}/messages$", 403, times=1)
        with pytest.raises(discord.Forbidden) as closed:
            await member.send("second DM")
        assert closed.value.code == 50007
        await member.send("third DM")

        fake.dms_closed(runner.id)
        with pytest.raises(discord.Forbidden) as closed_forever:
            await member.send("fourth DM")
        assert closed_forever.value.code == 50007
        assert [m["content"] for m in fake.dm_messages(runner.id)] == ["first DM", "third DM"]

        too_big = discord.Embed(title="x" * 300)
        with pytest.raises(discord.HTTPException) as invalid:
            await channel.send(embed=too_big)
        assert invalid.value.code == 50035
        assert [v.pointer for v in fake.take_spec_violations()] == ["/embeds/0/title"]


async def test_global_rate_limit_is_survived(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    async with running(Bot(), fake, token=TOKEN) as bot:
        channel = bot.get_channel(guild.text_channel_id)
        assert isinstance(channel, discord.TextChannel)
        fake.set_global_rate_limit(10)
        await asyncio.gather(*(channel.send(f"post {i}") for i in range(20)))
        fake.set_global_rate_limit(None)
        assert fake.rate_limited_count > 0
        contents = sorted(m["content"] for m in fake.channel_messages(guild.text_channel_id))
        assert contents == sorted(f"post {i}" for i in range(20))
        limited = [c for c in fake.calls if c.status == 429]
        assert all(c.response["global"] is True for c in limited)


async def test_route_rate_limit_429_is_retried(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    async with running(Bot(), fake, token=TOKEN) as bot:
        channel = bot.get_channel(guild.text_channel_id)
        assert isinstance(channel, discord.TextChannel)
        rule = fake.fail("POST", r"/messages$", 429, json={"retry_after": 0.05}, times=2)
        await channel.send("eventually")
        assert rule.hits == 2
        assert [m["content"] for m in fake.channel_messages(guild.text_channel_id)] == ["eventually"]


async def test_shard_routing() -> None:
    fake = FakeDiscord(shard_count=2)
    await fake.start()
    try:
        mine = fake.add_guild("Shard zero", shard_id=0)
        other = fake.add_guild("Shard one", shard_id=1)
        assert (mine.id >> 22) % 2 == 0
        assert (other.id >> 22) % 2 == 1
        runner = fake.add_member(other.id, "runner1")
        async with running(ShardedBot(shard_ids=[0], shard_count=2), fake, token=TOKEN) as bot:
            assert fake.identified_shards == [(0, 2)]
            assert [g.id for g in bot.guilds] == [mine.id]
            fake.session_wait_timeout = 0.05
            with pytest.raises(RuntimeError, match="no gateway session"):
                await fake.slash(other.id, runner.id, "ping", exercise="x")
    finally:
        await fake.stop()


async def test_gateway_drop_resumes_or_reidentifies(fake: FakeDiscord) -> None:
    guild = fake.add_guild()
    runner = fake.add_member(guild.id, "runner1")
    async with running(Bot(), fake, token=TOKEN) as bot:
        await bot.tree.sync()
        await fake.drop_gateway()
        await asyncio.wait_for(bot.resumed.wait(), 5)
        assert fake.resume_count == 1
        assert bot.ready_count == 1
        ix = await fake.slash(guild.id, runner.id, "ping", exercise="after resume")
        assert (await ix.response())["data"]["content"] == "pong after resume x10"

        await fake.drop_gateway(resume=False)
        for _ in range(100):
            if bot.ready_count == 2:
                break
            await asyncio.sleep(0.02)
        assert bot.ready_count == 2
        assert fake.identify_count == 2
        assert len(bot.guilds) == 1
        ix = await fake.slash(guild.id, runner.id, "ping", exercise="after identify")
        assert (await ix.response())["data"]["content"] == "pong after identify x10"


async def test_standalone_process_serves_a_client() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakediscord",
        "--port",
        "0",
        "--guilds",
        "2",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 10)
        info = json.loads(line)
        assert info["api_base"].startswith("http://127.0.0.1:")
        assert info["gateway_url"].startswith("ws://127.0.0.1:")
        async with running(Bot(), info, token=TOKEN) as bot:
            assert sorted(g.id for g in bot.guilds) == sorted(int(g["id"]) for g in info["guilds"])
            await bot.tree.sync()
            guild_id = info["guilds"][0]["id"]
            async with aiohttp.ClientSession() as session:
                async with session.post(
                    f"{info['control_url']}/members", json={"guild_id": guild_id, "username": "remote"}
                ) as resp:
                    member = await resp.json()
                async with session.post(
                    f"{info['control_url']}/interactions",
                    json={
                        "kind": "slash",
                        "guild_id": guild_id,
                        "user_id": member["id"],
                        "command": "ping",
                        "options": {"exercise": "remote"},
                        "wait": "response",
                    },
                ) as resp:
                    result = await resp.json()
                async with session.get(f"{info['control_url']}/spec_violations") as resp:
                    violations = await resp.json()
            assert result["response"]["data"]["content"] == "pong remote x10"
            assert violations == []
    finally:
        if proc.returncode is None:
            proc.terminate()
        _, stderr = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0, stderr.decode()
