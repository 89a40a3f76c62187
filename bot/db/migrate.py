"""Apply and check Alembic migrations from code (CLI, start-up and tests)."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config

from bot.resources import migrations_dir


def alembic_config(url: str) -> Config:
    """The Alembic configuration for ``url``, with the migrations shipped in the package (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("path_separator", "os")
    # A literal "%" in a password must not be read as interpolation.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["skip_logging_config"] = True
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``; blocking (runs its own event loop)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Same as :func:`upgrade`, from inside a running event loop."""
    await asyncio.to_thread(upgrade, url, revision)


def check(url: str) -> None:
    """Raise if the models and the migrations disagree (``alembic check``)."""
    command.check(alembic_config(url))
