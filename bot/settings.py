"""Runtime settings, read from the environment and an optional ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        if isinstance(value, int):
            return [value]
        return value

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
