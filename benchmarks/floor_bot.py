"""The floor: the least a discord.py bot can do to answer a Done press or `/checkin`.

    python benchmarks/floor_bot.py --db-url sqlite:///path.db   (or postgresql://...)

One table, one ``INSERT … ON CONFLICT DO NOTHING`` per press, one type-4 ephemeral reply. It
answers the same custom id as the club's weekly post (``gc:done:routine``) and a `/checkin`
command. The burst benchmark runs it as a child process against the fake Discord, next to the
real bot, so the real bot's cost can be given as a ratio to this one measured in the same run.
Settings come from the same environment variables as the bot (DISCORD_TOKEN, DISCORD_API_BASE,
DISCORD_GATEWAY_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
from datetime import UTC, datetime
from typing import Any

import discord
import yarl
from discord import app_commands

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS floor_checkin (guild_id BIGINT NOT NULL, user_id BIGINT NOT NULL, "
    "kind VARCHAR(16) NOT NULL, period VARCHAR(16) NOT NULL, PRIMARY KEY (guild_id, user_id, kind, period))"
)


class Store:
    """One insert per press, on SQLite (aiosqlite) or PostgreSQL (asyncpg)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._db: Any = None
        self._pool: Any = None

    async def open(self) -> None:
        if self.url.startswith("sqlite"):
            import aiosqlite

            self._db = await aiosqlite.connect(self.url.split("///", 1)[1])
            await self._db.execute("PRAGMA journal_mode=WAL")
            await self._db.execute("PRAGMA synchronous=NORMAL")
            await self._db.execute(SCHEMA)
            await self._db.commit()
        else:
            import asyncpg

            self._pool = await asyncpg.create_pool(self.url, min_size=2, max_size=10)
            await self._pool.execute(SCHEMA)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
        if self._pool is not None:
            await self._pool.close()

    async def insert(self, guild_id: int, user_id: int, kind: str, period: str) -> bool:
        if self._db is not None:
            cursor = await self._db.execute(
                "INSERT INTO floor_checkin VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, user_id, kind, period),
            )
            await self._db.commit()
            return bool(cursor.rowcount)
        status = await self._pool.execute(
            "INSERT INTO floor_checkin VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            guild_id, user_id, kind, period,
        )
        return bool(status.endswith(" 1"))


def make_client(store: Store) -> discord.Client:
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(intents=intents, member_cache_flags=discord.MemberCacheFlags.none(),
                            chunk_guilds_at_startup=False, max_messages=None, guild_ready_timeout=0.1)
    tree = app_commands.CommandTree(client)

    async def answer(interaction: discord.Interaction, kind: str) -> None:
        period = datetime.now(UTC).strftime("%G-W%V")
        counted = await store.insert(interaction.guild_id or 0, interaction.user.id, kind, period)
        text = f"Counted: {kind}." if counted else f"Already counted: your {kind} is in."
        await interaction.response.send_message(text, ephemeral=True)

    class Done(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"gc:done:(?P<kind>routine|extra|stretch)"):
        def __init__(self, kind: str = "routine") -> None:
            super().__init__(discord.ui.Button(label="Done", custom_id=f"gc:done:{kind}"))
            self.kind = kind

        @classmethod
        async def from_custom_id(cls, interaction: discord.Interaction, item: Any, match: re.Match[str]) -> Done:
            return cls(match["kind"])

        async def callback(self, interaction: discord.Interaction) -> None:
            await answer(interaction, self.kind)

    @tree.command(name="checkin", description="Log a session")
    async def checkin(interaction: discord.Interaction, kind: str, when: str = "today") -> None:
        await answer(interaction, kind)

    async def setup_hook() -> None:
        client.add_dynamic_items(Done)
        await store.open()

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    return client


async def serve(url: str) -> None:
    if base := os.environ.get("DISCORD_API_BASE"):
        discord.http.Route.BASE = base.rstrip("/")
    if gateway := os.environ.get("DISCORD_GATEWAY_URL"):
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    store = Store(url)
    client = make_client(store)
    try:
        async with client:
            await client.start(os.environ["DISCORD_TOKEN"])
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", required=True, help="sqlite:///file.db or postgresql://...")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.db_url))


if __name__ == "__main__":
    main()
