"""The real bot, built by its own startup path, connected to the project's fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.__main__ import build_bot
from bot.app import GluteBot, ShardedGluteBot
from bot.content.loader import Content, load_content
from bot.core.clock import ManualClock
from bot.playground.fake.harness import running
from bot.playground.fake.models import FakeGuild, FakeMember
from bot.settings import Settings
from tests.fakediscord import FakeDiscord, Perm

TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token"

_loaded_content: dict[str, Content] = {}


def content_for(settings: Settings) -> Content:
    """The content a bot with these settings reads, loaded once per directory in this test process."""
    key = str(settings.content_dir.resolve())
    if key not in _loaded_content:
        _loaded_content[key] = load_content(settings.content_dir)
    return _loaded_content[key]


def settings_for(fake: FakeDiscord, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": TOKEN,
        "database_url": db_url,
        "discord_api_base": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        "guild_ready_timeout": 0.02,  # the fake sends every GUILD_CREATE right after READY
        "sync_commands_on_start": False,
        "freeze_startup_heap": False,  # one test process runs many bots
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Club:
    """A guild on the fake Discord with an admin, two runners, and the bot serving it."""

    fake: FakeDiscord
    settings: Settings
    clock: ManualClock
    guild: FakeGuild
    admin: FakeMember
    runner: FakeMember
    other: FakeMember
    bot: GluteBot | ShardedGluteBot | None = None
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    async def start(self) -> None:
        stack = contextlib.AsyncExitStack()
        bot = await stack.enter_async_context(
            build_bot(self.settings, clock=self.clock, content=content_for(self.settings))
        )
        await stack.enter_async_context(running(bot, self.fake, token=TOKEN))
        await bot.sync_commands()
        self.bot, self._stack = bot, stack

    async def stop(self) -> None:
        await self._stack.aclose()
        self.bot = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def slash(self, user: FakeMember, command: str, **options: Any) -> dict[str, Any]:
        """Run a slash command as ``user`` and return the visible reply (after any deferral)."""
        ix = await self.fake.slash(self.guild.id, user.id, command, **options)
        return await ix.final()

    async def click(self, user: FakeMember, custom_id: str, **kwargs: Any) -> dict[str, Any]:
        ix = await self.fake.click(custom_id, user.id, self.guild.id, **kwargs)
        return await ix.final()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


def new_club(fake: FakeDiscord, db_url: str, **overrides: Any) -> Club:
    """The usual guild (an admin, ann and ben) on Wednesday 18 November 2026, 12:00 UTC; not started yet."""
    guild = fake.add_guild("Riverside Runners")
    return Club(
        fake=fake,
        settings=settings_for(fake, db_url, **overrides),
        clock=ManualClock(datetime(2026, 11, 18, 12, 0, tzinfo=UTC)),
        guild=guild,
        admin=fake.add_member(guild.id, "coach", permissions=Perm.MANAGE_GUILD | Perm.USE_APPLICATION_COMMANDS),
        runner=fake.add_member(guild.id, "ann"),
        other=fake.add_member(guild.id, "ben"),
    )


@pytest.fixture
async def club(fake: FakeDiscord, db_url: str) -> AsyncIterator[Club]:
    setup = new_club(fake, db_url)
    await setup.start()
    yield setup
    await setup.stop()
    await asyncio.sleep(0)


def custom_ids(message: dict[str, Any]) -> list[str]:
    """Every button custom id in a message payload."""
    found = []
    for row in message.get("components") or []:
        for component in row.get("components", []):
            if component.get("custom_id"):
                found.append(component["custom_id"])
    return found


def embed_text(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description", "")]
        for fld in embed.get("fields", []):
            parts += [fld["name"], fld["value"]]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)
