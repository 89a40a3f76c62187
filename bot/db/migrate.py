"""Apply and check Alembic migrations from code (CLI, start-up and tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config


def _project_root() -> Path:
    here = Path(__file__).resolve().parents[2]
    if (here / "migrations" / "env.py").exists():
        return here
    return Path.cwd()


def alembic_config(url: str) -> Config:
    root = _project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
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
