"""Keeps bulk sends under Discord's global request limit.

discord.py only reacts to 429s; a fan-out of thousands of posts would first collect
hundreds of them, and Discord bans bots that make too many invalid requests. Pacing
bulk traffic a little under the limit avoids the 429s altogether.

Two rules, both needed at once:

* the rate: any ``n + 1`` sends in a row span at least ``n / per_second`` seconds (at 49/s, 51 sends
  take 1.0204 s at least), at least half an interval apart. A send that starts late, because the event
  loop was busy when its turn came, does not cost the run its slot: the next ones may follow sooner
  until the window is full again (a token bucket of one token lost every such delay for good);
* the server's window: a send through :meth:`slot` starts only while fewer than ``n`` of the sends
  before it are still waiting for their answer or got it within the last second. Discord counts a
  request somewhere between its start and its answer, so however late the answers come (a busy loop, a
  slow network), no second of Discord's sees more than ``n`` of these sends. The rate rule alone
  leaves 20 ms for such jitter, which a loaded machine exceeds now and then.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence


class Pacer:
    def __init__(
        self, per_second: float, *, spacing: float = 0.5, server_window: float = 1.0,
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
        self.server_window = server_window
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        # Sends through slot(): [answered at, or None while waiting]; kept while they may share a window
        # (at most ``limit`` of them).
        self._recent: deque[list[float | None]] = deque()
        self._answered = asyncio.Event()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Wait for the rate only (for a send whose answer the pacer is not told about)."""
        await self._start()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """``async with pacer.slot(): await send()``: the send starts when both rules allow it."""
        entry: list[float | None] = [None]
        await self._start(entry)
        try:
            yield
        finally:
            entry[0] = self._clock()
            self._answered.set()

    async def _start(self, entry: list[float | None] | None = None) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                ready = self._rate_ready(now)
                if entry is not None and ready <= now:
                    ready = self._server_ready(now)
                if ready <= now:
                    break
                if ready == math.inf:
                    # Every send that counts is still waiting for its answer: wait for one (or a while).
                    self._answered.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._answered.wait(), self.server_window)
                else:
                    await self._sleep(ready - now)
            self._sent.append(now)
            if len(self._sent) > self.limit:
                self._sent.popleft()
            if entry is not None:
                self._recent.append(entry)

    def _rate_ready(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        ready = now
        if self._sent:
            ready = max(ready, self._sent[-1] + self.gap)
        if len(self._sent) >= self.limit:
            ready = max(ready, self._sent[-self.limit] + self.window)
        return ready

    def _server_ready(self, now: float) -> float:
        """When fewer than ``limit`` earlier sends are unanswered or answered within the server's window."""
        horizon = now - self.server_window
        while self._recent and self._recent[0][0] is not None and self._recent[0][0] <= horizon:  # type: ignore[operator]
            self._recent.popleft()
        if len(self._recent) >= self.limit:
            # One still waiting at the front (a hung request) holds older answers behind it: drop them too, so
            # at most ``limit`` sends are kept (a new one starts only while fewer count).
            self._recent = deque(e for e in self._recent if e[0] is None or e[0] > horizon)
        counted = [e[0] for e in self._recent if e[0] is None or e[0] > horizon]
        if len(counted) < self.limit:
            return now
        answered = sorted(t for t in counted if t is not None)
        # The earliest moment enough of them leave the window; unknown while too many still wait.
        missing = len(counted) - self.limit + 1
        return answered[missing - 1] + self.server_window if len(answered) >= missing else math.inf


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
