"""Runtime settings, read from the environment and an optional ``.env`` file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.club_posts import PostTiming
from bot.resources import content_dir

TOKEN_HELP = (
    "DISCORD_TOKEN is not set. Create an application at https://discord.com/developers/applications, "
    "open Bot > Reset Token, and put the token in DISCORD_TOKEN (environment or .env)."
)

# Values people leave in a copied .env file; treat them as "no token".
_PLACEHOLDER_TOKENS = {"", "changeme", "change-me", "token", "your-token", "your-token-here", "<token>", "xxx"}


def _default_data_dir() -> Path:
    return Path.cwd() / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = None
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    content_dir: Path = Field(default_factory=content_dir)
    shard_count: int | None = None
    shard_ids: Annotated[list[int] | None, NoDecode] = None
    # Push the slash commands at start-up when (and only when) they changed since the last push.
    sync_commands_on_start: bool = True
    # How long discord.py waits for GUILD_CREATE after READY; small values suit tests.
    guild_ready_timeout: float = 2.0
    # At start-up an unreachable database is tried this many times, waiting DB_CONNECT_DELAY seconds
    # after the first failure and twice as long after each next one (at most 30 s).
    db_connect_attempts: int = Field(default=10, ge=1)
    db_connect_delay: float = Field(default=1.0, ge=0)

    # -- per-feature tuning (each service gets its part through its constructor) --
    # Weekly posts: a post missed by up to this many minutes still goes out (marked late after LATE_AFTER).
    post_grace_minutes: float = 60
    post_late_after_minutes: float = 10
    # Waits between attempts at a post after a transient failure (429, 5xx, dropped connection).
    post_retry_delays: Annotated[tuple[float, ...], NoDecode] = (2.0, 8.0, 30.0)
    # A post claim that never finished (its process died) is taken over after this long.
    post_lease_seconds: float = 300
    # Posts in flight at once when many clubs share a minute; the pace is set by bulk_sends_per_second.
    posts_in_flight: int = 8
    # Bulk sends (posts, notices) stay just under Discord's global 50 requests/s.
    bulk_sends_per_second: float = 49
    # Due work (stand-up reminders and other features' items): how often the tick runs, batch sizes.
    due_tick_seconds: float = 30
    standup_batch_size: int = 500
    standup_max_batches: int = 20
    # Challenge results, nudges, re-test DMs, winner-role changes: waits between attempts after a transient
    # failure (in the tick).
    send_retry_delays: Annotated[tuple[float, ...], NoDecode] = (2.0, 10.0)
    # Club settings (/club setup, pause, resume): waits before saving again when the database was busy.
    club_save_retry_delays: Annotated[tuple[float, ...], NoDecode] = (0.2, 1.0, 3.0)
    # On SIGTERM: how long posts and DMs in flight get to finish before they are recorded as interrupted.
    shutdown_grace_seconds: float = 6
    # Once started, leave the start-up heap out of the cyclic collector's full passes (see app.freeze_startup_heap).
    # Off where one process runs many bots in turn (the tests), whose frozen objects would never be freed.
    freeze_startup_heap: bool = True

    # -- what an operator sees (bot/ops/) --
    # /healthz and /metrics on HEALTH_HOST:HEALTH_PORT; off unless HEALTH_PORT is set (0: any free port).
    health_port: int | None = Field(default=None, ge=0, le=65535)
    health_host: str = "127.0.0.1"
    # How long /healthz waits for the database's answer to SELECT 1 before it reports it as not answering.
    health_db_timeout: float = Field(default=2.0, gt=0)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("health_port", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        # HEALTH_PORT= (empty) turns it off, e.g. in the container image, which sets a port.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("post_retry_delays", "send_retry_delays", "club_save_retry_delays", mode="before")
    @classmethod
    def _split_delays(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(float(part) for part in value.replace(" ", "").split(",") if part)
        return value

    def post_timing(self) -> PostTiming:
        return PostTiming(
            grace=timedelta(minutes=self.post_grace_minutes),
            late_after=timedelta(minutes=self.post_late_after_minutes),
            retry_delays=tuple(self.post_retry_delays),
            lease=timedelta(seconds=self.post_lease_seconds),
        )

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    @property
    def db_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'gluteclub.db'}"

    def token_or_none(self) -> str | None:
        """The token, or None when it is missing or an obvious placeholder."""
        if self.discord_token is None:
            return None
        token = self.discord_token.get_secret_value().strip()
        if token.lower() in _PLACEHOLDER_TOKENS or token.startswith("<"):
            return None
        return token
