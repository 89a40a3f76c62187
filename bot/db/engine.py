"""Async engine and session factory; SQLite gets WAL, a busy timeout and foreign keys."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from bot.db.sqlite_checkpoint import BACKSTOP_PAGES, checkpointer_for
from bot.tasks import finish_tasks

SessionFactory = async_sessionmaker[AsyncSession]

# On the way out, how long a task still holding a connection may take to give it back.
RELEASE_GRACE = 5.0

log = logging.getLogger(__name__)

# Errors that mean "the database is not there (yet)", worth waiting for at start-up.
UNREACHABLE = (OSError, TimeoutError, SQLAlchemyError)
MAX_CONNECT_DELAY = 30.0

T = TypeVar("T")

# PostgreSQL's SQLSTATEs for "not now": serialization failure, deadlock, lock wait or statement timeout,
# no connection slot left.
CONTENTION_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57014", "53300"})


# How long a SQLite statement waits for another connection's write lock before it fails as "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions (see _sqlite_begin), so savepoints work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # The WAL is checkpointed by a thread of its own, not inside whichever commit crosses 1,000 pages
    # (bot/db/sqlite_checkpoint.py); this is the backstop for when that thread is not running.
    cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
    cursor.close()


def watch_sqlite_file(sync_engine: Any, url: Any) -> None:
    """Each commit through ``sync_engine`` on a SQLite file asks for a checkpoint soon after, off its path."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    checkpointer = checkpointer_for(database)
    event.listen(sync_engine, "commit", lambda _connection: checkpointer.wrote())


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock up front: a read that later upgrades to a write would get
    # SQLITE_BUSY under WAL when another writer got in between, instead of waiting.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Build the async engine for ``url`` (``sqlite+aiosqlite`` or ``postgresql+asyncpg``)."""
    # Statement parameters hold names and ids: keep them out of logs and error messages.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        watch_sqlite_file(engine.sync_engine, engine.url)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _ensure_sqlite_dir(url: str) -> None:
    from pathlib import Path

    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


class ConnectionHolders:
    """Which tasks have a connection of this engine checked out right now."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._by_record: dict[int, asyncio.Task[Any]] = {}
        event.listen(engine.sync_engine, "checkout", self._checkout)
        event.listen(engine.sync_engine, "checkin", self._checkin)

    def _checkout(self, _dbapi: Any, record: Any, _proxy: Any) -> None:
        try:
            task = asyncio.current_task()
        except RuntimeError:  # used from a thread without a loop (e.g. migrations)
            return
        if task is not None:
            self._by_record[id(record)] = task

    def _checkin(self, _dbapi: Any, record: Any) -> None:
        self._by_record.pop(id(record), None)

    def tasks(self) -> list[asyncio.Task[Any]]:
        return [t for t in self._by_record.values() if not t.done()]


def is_contention(error: BaseException) -> bool:
    """Whether the database refused only for the moment: SQLite still busy after its busy timeout, a PostgreSQL
    lock wait, deadlock or serialization failure, or no pooled connection free in time. The same transaction
    may succeed when run again; nothing of it was stored."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    if sqlstate in CONTENTION_SQLSTATES:
        return True
    # sqlite3 reports SQLITE_BUSY and SQLITE_LOCKED as "database is locked" / "database table is locked".
    return type(orig).__name__ == "OperationalError" and "is locked" in str(orig)


async def retry_on_contention(
    work: Callable[[], Awaitable[T]], delays: Sequence[float],
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """``work()`` (one whole transaction, safe to run twice), and again after each of ``delays`` while the
    database refuses it for contention (:func:`is_contention`); any other error, or the last one, is raised."""
    for delay in (*delays, None):
        try:
            return await work()
        except Exception as error:
            if delay is None or not is_contention(error):
                raise
            log.warning("the database was busy (%s); trying again in %g s", type(error.orig if isinstance(
                error, DBAPIError) else error).__name__, delay)
            await sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


async def ping(url: str) -> None:
    """Connect once and run ``SELECT 1``; raises what the driver raises when that fails."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def wait_for_database(
    url: str,
    attempts: int,
    first_delay: float,
    *,
    probe: Callable[[str], Awaitable[None]] = ping,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> BaseException | None:
    """Try ``probe(url)`` up to ``attempts`` times with doubling waits; None once it answers.

    Each failure is one WARNING line naming the database (password hidden) and the error, no
    traceback. Returns the last error when the database never answered.
    """
    where = make_url(url).render_as_string(hide_password=True)
    delay = first_delay
    last: BaseException | None = None
    for attempt in range(1, attempts + 1):
        try:
            await probe(url)
        except UNREACHABLE as error:
            last = error
            reason = f"{type(error).__name__}: {error}".splitlines()[0][:300]
            if attempt == attempts:
                break
            log.warning(
                "database %s not reachable (attempt %d of %d: %s); trying again in %.0f s",
                where, attempt, attempts, reason, delay,
            )
            await sleep(delay)
            delay = min(delay * 2, MAX_CONNECT_DELAY)
        else:
            if attempt > 1:
                log.info("database %s reachable after %d attempts", where, attempt)
            return None
    return last


@asynccontextmanager
async def open_engine(url: str) -> AsyncIterator[AsyncEngine]:
    """``async with open_engine(url) as engine`` disposes of the pool on the way out.

    Disposal only closes connections that are back in the pool; one still checked out by a task (cancelled
    mid-query, say) would be closed later by that task, possibly after the event loop is gone. So tasks that
    still hold a connection get to finish (or are cancelled and awaited) first.
    """
    engine = make_engine(url)
    holders = ConnectionHolders(engine)
    try:
        yield engine
    finally:
        await finish_tasks(holders.tasks(), grace=RELEASE_GRACE, what="task(s) holding a database connection")
        await engine.dispose()
