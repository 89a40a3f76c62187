"""Keeps bulk sends under Discord's global request limit.

discord.py only reacts to 429s; a fan-out of thousands of posts would first collect
hundreds of them, and Discord bans bots that make too many invalid requests. Pacing
bulk traffic a little under the limit avoids the 429s altogether.

The pacer keeps the same bound a token bucket of one token at ``per_second`` keeps: any
``n + 1`` sends in a row span at least ``n / per_second`` seconds (at 49/s: 51 sends take at least
1.0204 s, so Discord's window of one second never sees 51 even with 20 ms of jitter on the way),
and at most ``n`` go in any such window. Unlike that bucket, a send that starts late, because the
event loop was busy when its turn came, does not cost the run its slot: the next ones may follow at
half an interval until the window is full again. The bucket lost every such delay for good.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence


class Pacer:
    def __init__(
        self, per_second: float, *, spacing: float = 0.5,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        # At most ``limit`` sends in any ``window`` seconds: one more than a second's worth, over the time
        # that many take at the rate (below one per second: one send per interval).
        self.limit = math.floor(per_second + 1e-9) + 1 if per_second >= 1 else 1
        self.window = self.limit * self.interval
        self.gap = spacing * self.interval
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                ready = now
                if self._sent:
                    ready = max(ready, self._sent[-1] + self.gap)
                if len(self._sent) >= self.limit:
                    ready = max(ready, self._sent[-self.limit] + self.window)
                if ready <= now:
                    self._sent.append(now)
                    if len(self._sent) > self.limit:
                        self._sent.popleft()
                    return
                await self._sleep(ready - now)


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
    return Pacer(per_second=TOKEN_BULK_PER_SECOND * process_share(shard_count, shard_ids))
