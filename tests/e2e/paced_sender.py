"""A shard process's bulk sender, on its own: ``python -m tests.e2e.paced_sender API_BASE TOKEN CHANNEL N COUNT ID``.

Sends N messages to CHANNEL as fast as the process's pacer allows (shard ID of COUNT), all in flight at once
but each started only when the pacer lets it; used by the two-process pacing test.
"""

from __future__ import annotations

import asyncio
import sys

import discord

from bot.pacing import bulk_pacer


async def main(api_base: str, token: str, channel_id: int, count: int, shard_count: int, shard_id: int) -> None:
    discord.http.Route.BASE = api_base.rstrip("/")
    pacer = bulk_pacer(shard_count, [shard_id])
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        await client.login(token)
        # Ready; start sending when told (so the logins are not in the measured second).
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        channel = client.get_partial_messageable(channel_id)

        async def send(n: int) -> None:
            async with pacer.slot():
                await channel.send(f"bulk {shard_id}-{n}")

        await asyncio.gather(*(send(n) for n in range(count)))


if __name__ == "__main__":
    api, tok, chan, n, shards, shard = sys.argv[1:7]
    asyncio.run(main(api, tok, int(chan), int(n), int(shards), int(shard)))
