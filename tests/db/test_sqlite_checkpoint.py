"""The SQLite write-ahead log is checkpointed by the file's own thread, not inside a commit."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import text

from bot.db.engine import make_engine
from bot.db.sqlite_checkpoint import BACKSTOP_PAGES


async def test_commits_reach_the_database_file_off_the_commit_path(tmp_path: Path) -> None:
    database = tmp_path / "log.db"
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, body TEXT)"))
        async with engine.begin() as conn:
            # The connection's own checkpoint is only a backstop, above what this commit writes (about 1,500
            # pages: past SQLite's default of 1,000, which would have copied them inside the commit).
            assert (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == BACKSTOP_PAGES
            await conn.execute(text("INSERT INTO item (body) VALUES (:body)"), [{"body": "x" * 3000}] * 2000)
        assert (database.parent / "log.db-wal").stat().st_size > 0

        def in_the_file_alone() -> int:
            copy = tmp_path / "file-alone.db"  # the main file without its -wal: only what was checkpointed
            shutil.copyfile(database, copy)
            with contextlib.closing(sqlite3.connect(copy)) as conn:
                try:
                    return int(conn.execute("SELECT count(*) FROM item").fetchone()[0])
                except sqlite3.OperationalError:  # not even the table yet
                    return 0

        found = 0
        for _ in range(50):  # up to 10 s; about 1 s is expected
            if (found := in_the_file_alone()) == 2000:
                break
            await asyncio.sleep(0.2)
        assert found == 2000
    finally:
        await engine.dispose()
