"""Snowflake ids and timestamps shaped like Discord's."""

from __future__ import annotations

import datetime as dt
import time

DISCORD_EPOCH_MS = 1420070400000


def snowflake_at(unix_ms: int, *, worker: int = 1, process: int = 0, increment: int = 0) -> int:
    return ((unix_ms - DISCORD_EPOCH_MS) << 22) | (worker << 17) | (process << 12) | (increment & 0xFFF)


def snowflake_time(snowflake: int) -> dt.datetime:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def iso_timestamp(snowflake: int | None = None) -> str:
    """ISO-8601 timestamp in Discord's format (``2024-01-01T12:00:00.123000+00:00``)."""
    when = snowflake_time(snowflake) if snowflake is not None else dt.datetime.now(tz=dt.UTC)
    return when.isoformat(timespec="microseconds")


class SnowflakeGenerator:
    """Strictly increasing snowflakes whose timestamp part is "now"."""

    __slots__ = ("_last", "_process", "_worker")

    def __init__(self, *, worker: int = 1, process: int = 0) -> None:
        self._worker = worker
        self._process = process
        self._last = 0

    def next(self) -> int:
        candidate = snowflake_at(int(time.time() * 1000), worker=self._worker, process=self._process)
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


class GuildIdGenerator:
    """Guild ids whose timestamp part advances by one millisecond per guild.

    Discord routes a guild to shard ``(guild_id >> 22) % shard_count``. Ids minted in quick succession
    from the wall clock would all land on the same shard, so guild ids are spaced one millisecond apart
    starting from a fixed point in the past: consecutive guilds are spread round-robin over the shards.
    """

    __slots__ = ("_next_ms",)

    BASE_UNIX_MS = 1591012800000  # 2020-06-01T12:00:00Z

    def __init__(self) -> None:
        self._next_ms = self.BASE_UNIX_MS

    def next(self, *, shard_id: int | None = None, shard_count: int = 1) -> int:
        ms = self._next_ms
        if shard_id is not None:
            if not 0 <= shard_id < max(shard_count, 1):
                raise ValueError(f"shard_id {shard_id} is outside 0..{shard_count - 1}")
            while (ms - DISCORD_EPOCH_MS) % shard_count != shard_id:
                ms += 1
        self._next_ms = ms + 1
        return snowflake_at(ms, worker=0, process=1)
