"""Throwaway databases for tests: SQLite files and PostgreSQL databases made from a migrated template."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg

from bot.db import migrate

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def with_database(admin_url: str, name: str) -> str:
    base, _, _ = _asyncpg_dsn(admin_url).rpartition("/")
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def _pg_execute(sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_unavailable_reason() -> str | None:
    """None when a PostgreSQL server answers, else why the PostgreSQL tests are skipped."""
    try:
        asyncio.run(_pg_execute("SELECT 1"))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"no PostgreSQL at {PG_ADMIN_URL} ({exc.__class__.__name__}: {exc}); set TEST_POSTGRES_URL to run these"
    return None


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.db"
        migrate.upgrade(f"sqlite+aiosqlite:///{self.template}")

    def new(self) -> str:
        path = self.root / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite+aiosqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite+aiosqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


class PostgresDatabases:
    def __init__(self) -> None:
        self.prefix = f"gc_test_{uuid.uuid4().hex[:8]}"
        self.template = f"{self.prefix}_template"
        asyncio.run(_pg_execute(f'CREATE DATABASE "{self.template}"'))
        migrate.upgrade(with_database(PG_ADMIN_URL, self.template))
        self._made: list[str] = []

    def empty(self) -> str:
        """A new database with no tables (for migration tests)."""
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
        self._made.append(name)
        return with_database(PG_ADMIN_URL, name)

    def new(self) -> str:
        """A new, migrated database copied from the template."""
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self._made.append(name)
        return with_database(PG_ADMIN_URL, name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self._made:
            self._made.remove(name)

    def close(self) -> None:
        for name in [*self._made, self.template]:
            asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
