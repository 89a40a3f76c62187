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
        self._emptied: list[str] = []  # made by new(), used by a finished test, emptied: ready for the next
        self._template_schema = asyncio.run(self._read_schema(self.template))

    async def _read_schema(self, name: str) -> list[tuple[str, ...]]:
        conn = await asyncpg.connect(_asyncpg_dsn(with_database(PG_ADMIN_URL, name)), timeout=3)
        try:
            return await self._schema(conn)
        finally:
            await conn.close()

    def empty(self) -> str:
        """A new database with no tables (for migration tests)."""
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
        self._made.append(name)
        return with_database(PG_ADMIN_URL, name)

    def new(self) -> str:
        """A migrated database with empty tables: one a finished test emptied, else a copy of the template."""
        if self._emptied:
            return with_database(PG_ADMIN_URL, self._emptied.pop())
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        # FILE_COPY: copying the files is faster here than PostgreSQL 15's default of writing them to the WAL.
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY'))
        self._made.append(name)
        return with_database(PG_ADMIN_URL, name)

    def drop(self, url: str) -> None:
        """Empty a finished test's database for the next test (a copy costs about ten times more), or drop it.

        It is emptied only when nothing else is connected to it and its schema is still the template's (a test
        may have migrated it elsewhere); otherwise it is dropped.
        """
        name = url.rsplit("/", 1)[1]
        if name in self._made and asyncio.run(self._empty_for_reuse(name)):
            self._emptied.append(name)
            return
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self._made:
            self._made.remove(name)

    async def _empty_for_reuse(self, name: str) -> bool:
        try:
            conn = await asyncpg.connect(_asyncpg_dsn(with_database(PG_ADMIN_URL, name)), timeout=3)
        except (OSError, asyncpg.PostgresError):
            return False
        try:
            await conn.execute("SET lock_timeout = '2s'")
            others = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if others or await self._schema(conn) != self._template_schema:
                return False
            tables = [row["tablename"] for row in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )]
            if tables:
                names = ", ".join(f'"{table}"' for table in tables)
                await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            return True
        except asyncpg.PostgresError:
            return False
        finally:
            await conn.close()

    @staticmethod
    async def _schema(conn: asyncpg.Connection) -> list[tuple[str, ...]]:
        """Tables, columns and the migration head: what must match the template for a database to be reused."""
        columns = await conn.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY 1, 2"
        )
        head = await conn.fetch("SELECT version_num FROM alembic_version ORDER BY 1")
        return [tuple(row) for row in columns] + [tuple(row) for row in head]

    def close(self) -> None:
        for name in [*self._made, self.template]:
            asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
