"""The SQLite write queue: items that arrive together are written in one transaction, in one thread.

SQLite runs one writer at a time, and every statement through the async driver costs a thread
hop. Here one thread owns one connection; items queue up while a batch is being written and
the next batch takes all of them: one ``BEGIN IMMEDIATE … COMMIT`` and one hop per batch, each
item in its own savepoint so one failing item does not undo the others. What an item is and how
it is written is the owner's (``write_one``): the check-in store hands in presses
(bot/db/checkin_store.py).

The writer's connection never checkpoints the WAL on commit (SQLite's default does, every 1,000
pages, and that commit then waits for the copy and its fsync: 25–100 ms on a busy disk, for every
item in the batch). The file's checkpoint thread does it instead, about a second after writes, while
the writer goes on (bot/db/sqlite_checkpoint.py, the same for every connection of the process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError

from bot.db.sqlite_checkpoint import checkpointer_for

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class SqliteBatchWriter(Generic[T, R]):
    """The write queue. On the event loop: items wait in ``_pending`` while one batch is in the writer
    thread; when it comes back, the next batch (all that waited) goes. The thread hands each batch's results
    back with one ``call_soon_threadsafe``: no executor, no task, no future of its own per batch.

    ``write_one(connection, item)`` runs in the writer thread inside the batch's transaction; an
    ``sqlite3.IntegrityError`` it raises fails that item alone (as SQLAlchemy's ``IntegrityError``)."""

    def __init__(self, path: str, write_one: Callable[[sqlite3.Connection, T], R], name: str) -> None:
        self._path = path
        self._write_one = write_one
        self._name = name
        self._conn: sqlite3.Connection | None = None
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._in_flight: list[tuple[T, asyncio.Future[R]]] | None = None
        self._batches: queue.SimpleQueue[list[T] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drained: asyncio.Future[None] | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._closed = False
        # The WAL checkpoints: the file's own thread, after writes.
        self._checkpointer = checkpointer_for(path)

    async def write(self, item: T) -> R:
        if self._closed:
            raise RuntimeError(f"the {self._name} writer is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._pending.append((item, future))
        if self._in_flight is None:
            self._send(loop)
        return await future

    async def close(self) -> None:
        """Finish the batches handed in, close the connections, stop the threads; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        while self._in_flight is not None:  # each batch that comes back sends the next, until none waits
            self._drained = loop.create_future()
            await self._drained
        # The writer's connection is the last to close: SQLite checkpoints what is left as it closes.
        if self._thread is not None:
            self._stopped = loop.create_future()
            self._batches.put(None)
            await self._stopped
            self._thread.join()

    def _send(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._pending = self._pending, []
        self._in_flight = batch
        if self._thread is None:
            self._loop = loop
            self._thread = threading.Thread(target=self._serve, name=f"{self._name}-writer", daemon=True)
            self._thread.start()
        self._batches.put([item for item, _ in batch])

    def _written(self, results: list[R | BaseException] | BaseException) -> None:
        """On the loop: a batch came back from the thread; answer its items and send the next batch."""
        batch, self._in_flight = self._in_flight or [], None
        if isinstance(results, BaseException):  # the whole batch failed: every item hears why
            for _, future in batch:
                if not future.done():
                    future.set_exception(results)
        else:
            self._checkpointer.wrote()
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
        if self._pending:
            assert self._loop is not None
            self._send(self._loop)
        elif self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    # -- in the writer thread -----------------------------------------------------------------

    def _serve(self) -> None:
        assert self._loop is not None
        loop = self._loop
        while (items := self._batches.get()) is not None:
            results: list[R | BaseException] | BaseException
            try:
                results = self._write_batch(items)
            except Exception as error:
                results = error
            try:
                loop.call_soon_threadsafe(self._written, results)
            except RuntimeError:  # the loop closed without closing the writer: nobody waits any more
                break
        self._close_conn()
        if self._stopped is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._stopped.set_result, None)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpoint thread does it, off the commit path
            self._conn = conn
        return self._conn

    def _close_conn(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _write_batch(self, items: list[T]) -> list[R | BaseException]:
        conn = self._connection()
        # Each item in its own savepoint, so one failing item does not undo the others; a lone item needs none.
        isolate = len(items) > 1
        results: list[R | BaseException] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for item in items:
                if isolate:
                    conn.execute("SAVEPOINT item")
                try:
                    results.append(self._write_one(conn, item))
                    if isolate:
                        conn.execute("RELEASE item")
                except sqlite3.IntegrityError as error:  # e.g. a member row deleted under a cached id
                    if isolate:
                        conn.execute("ROLLBACK TO item")
                        conn.execute("RELEASE item")
                    else:
                        conn.execute("ROLLBACK")
                    results.append(IntegrityError(str(error), None, error))
            if conn.in_transaction:
                conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return results
