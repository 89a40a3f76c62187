"""Helpers to run a real discord.py client against a FakeDiscord (kept apart so the server never imports discord)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, TypeVar

import discord
import yarl

from bot.tree import stop_listening_views

if TYPE_CHECKING:
    from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord | Mapping[str, str]) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at the fake; restored on exit.

    Accepts a FakeDiscord or the JSON line printed by ``python -m tests.fakediscord`` (or a FakeDiscord control line).
    """
    if isinstance(fake, Mapping):
        api_base, gateway_url = fake["api_base"], fake["gateway_url"]
    else:
        api_base, gateway_url = fake.api_base, fake.gateway_url
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running(
    client: ClientT,
    fake: FakeDiscord | Mapping[str, str],
    *,
    token: str = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token",
    ready_timeout: float = 5.0,
) -> AsyncIterator[ClientT]:
    """Log the client in, connect it, wait for on_ready; close it (and await the connect task) on exit.

    Build the client with a short ``guild_ready_timeout`` (e.g. 0.1) or on_ready waits 2 s for guilds.
    """
    with pointed_at(fake):
        await client.login(token)
        task = asyncio.create_task(client.connect(), name="fakediscord-client-connect")
        try:
            ready = asyncio.create_task(client.wait_until_ready())
            done, _ = await asyncio.wait({ready, task}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED)
            if ready not in done:
                ready.cancel()
                if task in done:
                    task.result()  # re-raise why connect() ended
                raise TimeoutError(f"client not ready within {ready_timeout}s")
            yield client
        finally:
            await client.close()
            stop_listening_views(client)
            if task.done():
                if not task.cancelled():
                    task.exception()  # already reported (or re-raised above)
            else:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, 5)
