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


async def _connect(name: str) -> asyncpg.Connection:
    """A connection to database ``name`` on the test server."""
    return await asyncpg.connect(_asyncpg_dsn(with_database(PG_ADMIN_URL, name)), timeout=3)


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
        self._emptying = asyncio.run(self._emptying_script(self.template))

    async def _emptying_script(self, name: str) -> str:
        """One script that empties every table (referring tables first) and restarts every sequence.

        Row by row, not TRUNCATE: a test leaves a handful of rows, and TRUNCATE gives each of the tables
        new files, which costs about thirty times more.
        """
        conn = await _connect(name)
        try:
            rows = await conn.fetch(
                "SELECT c.relname, array_remove(array_agg(p.relname), NULL) AS parents "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f' "
                "LEFT JOIN pg_class p ON p.oid = k.confrelid AND p.oid <> c.oid "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version' "
                "GROUP BY c.relname"
            )
            sequences = [row[0] for row in await conn.fetch(
                "SELECT format('%I', sequencename) FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
            )]
        finally:
            await conn.close()
        parents = {row["relname"]: set(row["parents"]) for row in rows}
        order: list[str] = []
        while len(order) < len(parents):
            ready = [t for t in sorted(parents) if t not in order and all(
                t not in parents[child] or child in order for child in parents
            )]
            if not ready:
                raise RuntimeError(f"foreign keys form a cycle among {sorted(set(parents) - set(order))}")
            order += ready
        deletes = " ".join(f'DELETE FROM "{table}";' for table in order)
        restarts = " ".join(f"SELECT setval('{seq}', 1, false);" for seq in sequences)
        # The test is over: its rows need not reach the disk before the next test starts.
        return f"SET synchronous_commit = off; BEGIN; {deletes} {restarts} COMMIT;"

    async def _read_schema(self, name: str) -> list[tuple[str, ...]]:
        conn = await _connect(name)
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
        """Empty a finished test's database for the next test (a copy costs far more), or drop it.

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
            conn = await _connect(name)
        except (OSError, asyncpg.PostgresError):
            return False
        try:
            await conn.execute("SET lock_timeout = '2s'")
            others = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if others or await self._schema(conn) != self._template_schema:
                return False
            await conn.execute(self._emptying)
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
        async def drop_all() -> None:
            # At once: each DROP DATABASE waits for a checkpoint, and drops waiting together share one.
            await asyncio.gather(*(
                _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)') for name in [*self._made, self.template]
            ))

        asyncio.run(drop_all())
