"""A token bucket that keeps bulk sends under Discord's global request limit.

discord.py only reacts to 429s; a fan-out of thousands of posts would first collect
hundreds of them, and Discord bans bots that make too many invalid requests. Pacing
bulk traffic a little under the limit avoids the 429s altogether.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence


class Pacer:
    def __init__(self, per_second: float, burst: int = 10) -> None:
        self.interval = 1.0 / per_second
        self.burst = burst
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) / self.interval)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) * self.interval)


# Discord's global limit is per bot token; keep a request per second spare for everything unpaced.
TOKEN_BULK_PER_SECOND = 49.0


def process_share(shard_count: int | None, shard_ids: Sequence[int] | None) -> float:
    """The part of the token's global budget one process may spend: its shards out of all of them.

    Guilds spread evenly over shards, so several shard processes (each started with the same
    ``SHARD_COUNT`` and its own ``SHARD_IDS``) together stay under the limit without talking to each other.
    """
    if not shard_count:
        return 1.0
    mine = set(shard_ids) if shard_ids is not None else set(range(shard_count))
    return max(1, len(mine)) / shard_count


def bulk_pacer(shard_count: int | None = None, shard_ids: Sequence[int] | None = None) -> Pacer:
    """The pacer for this process's bulk sends (weekly posts, stand-up DMs): its share of the token's budget."""
    return Pacer(per_second=TOKEN_BULK_PER_SECOND * process_share(shard_count, shard_ids), burst=1)
