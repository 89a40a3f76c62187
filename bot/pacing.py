"""A token bucket that keeps bulk sends under Discord's global request limit.

discord.py only reacts to 429s; a fan-out of thousands of posts would first collect
hundreds of them, and Discord bans bots that make too many invalid requests. Pacing
bulk traffic a little under the limit avoids the 429s altogether.
"""

from __future__ import annotations

import asyncio
import time


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
