"""Short write transactions on a SQLite file, one after another in one thread with its own connection.

Through the async driver every statement is several hops between the event loop and a connection thread
(open a cursor, execute, fetch, close), and writers in different connections wait on SQLite's busy timeout,
which sleeps in steps of up to 100 ms. The weekly post's claim and its outcomes run here instead: the
whole transaction is one hop, and the process's post writes never wait on each other's locks. The same
models, types and statements as on the async path (SQLAlchemy's sync engine on the same file, with the
same pragmas and ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import _sqlite_begin, _sqlite_pragmas, watch_sqlite_file

T = TypeVar("T")


class SqliteThread:
    def __init__(self, url: URL, name: str) -> None:
        self._engine = create_engine(
            url.set(drivername="sqlite"), connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True, pool_size=1, max_overflow=0,
        )
        event.listen(self._engine, "connect", _sqlite_pragmas)
        event.listen(self._engine, "begin", _sqlite_begin)
        watch_sqlite_file(self._engine, self._engine.url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._closed = False

    @staticmethod
    def for_file(url: URL, name: str) -> SqliteThread | None:
        """One for a SQLite file; None for PostgreSQL or an in-memory database."""
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return SqliteThread(url, name)

    async def run(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in the thread; it commits what it wants kept (the rest is rolled back)."""
        if self._closed:
            raise RuntimeError("the SQLite writer thread is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._in_session, work)

    def _in_session(self, work: Callable[[Session], T]) -> T:
        with self._sessions() as session:
            return work(session)

    async def close(self) -> None:
        """Let queued work finish, stop the thread, close the connection; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        self._engine.dispose()
