"""The check-in write queue for SQLite: presses that arrive together are written in one transaction.

SQLite runs one writer at a time, and every statement through the async driver costs a thread
hop. Here one thread owns one connection; presses queue up while a batch is being written and
the next batch takes all of them: one ``BEGIN IMMEDIATE … COMMIT`` and one hop per batch, each
press in its own savepoint so one failing press does not undo the others. The rules are the same
as on the general path (bot/core/checkins.py): ``INSERT … ON CONFLICT DO NOTHING`` for the
check-in, running totals (member_points) added in the same transaction.

The writer's connection never checkpoints the WAL on commit (SQLite's default does, every 1,000
pages, and that commit then waits for the copy and its fsync: 25–100 ms on a busy disk, for every
press in the batch). A second thread with its own connection checkpoints instead, about a second
after writes, while the writer goes on (a PASSIVE checkpoint takes no writer lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import Date, TextClause, bindparam, text
from sqlalchemy.exc import IntegrityError

from bot.db.types import UTCDateTime

log = logging.getLogger(__name__)

# Seconds between WAL checkpoints while presses are written (one runs this long after the first write).
CHECKPOINT_AFTER_S = 1.0

# The statements of one press, with named parameters: sqlite3 runs them as they are here; the general
# path (PostgreSQL) runs the same text through SQLAlchemy with typed parameters (``statement``).
MEMBER_UPSERT = (
    "INSERT INTO member (club_id, user_id, display_name, hidden, role_ids, created_at) "
    "VALUES (:club_id, :user_id, :display_name, FALSE, :role_ids, :at) "
    "ON CONFLICT (club_id, user_id) DO UPDATE SET display_name = excluded.display_name, "
    # Only a press from inside the server shows that a member who left is back (not a button in a DM).
    "role_ids = excluded.role_ids, left_at = CASE WHEN :in_server THEN NULL ELSE member.left_at END RETURNING id"
)
CHECKIN_INSERT = (
    "INSERT INTO checkin (member_id, club_id, kind, local_date, period_key, points, created_at) "
    "VALUES (:member_id, :club_id, :kind, :local_date, :period_key, :points, :at) "
    "ON CONFLICT DO NOTHING RETURNING id"
)
WEEK_POINTS = "SELECT points FROM member_points WHERE member_id = :member_id AND period = :period"
AHEAD = "SELECT count(*) FROM member_points WHERE club_id = :club_id AND period = :period AND points > :points"
ROUTINE_WEEKS = "SELECT period_key FROM checkin WHERE member_id = :member_id AND kind = 'routine'"


# PostgreSQL: one press in one statement (one round trip): member, check-in, running totals, then the
# week standing and the routine weeks. Parameters: club_id, user_id, display_name, role_ids, at, kind,
# local_date, period_key, points, routines, week, in_server, p0…p2 (the three running-total periods).
PG_PRESS = """
WITH m AS (
  INSERT INTO member (club_id, user_id, display_name, hidden, role_ids, created_at)
  VALUES (:club_id, :user_id, :display_name, FALSE, :role_ids, :at)
  ON CONFLICT (club_id, user_id) DO UPDATE
    SET display_name = excluded.display_name, role_ids = excluded.role_ids,
        left_at = CASE WHEN CAST(:in_server AS BOOLEAN) THEN NULL ELSE member.left_at END
  RETURNING id
), c AS (
  INSERT INTO checkin (member_id, club_id, kind, local_date, period_key, points, created_at)
  SELECT m.id, CAST(:club_id AS INTEGER), CAST(:kind AS VARCHAR), CAST(:local_date AS DATE),
         CAST(:period_key AS VARCHAR), CAST(:points AS INTEGER), CAST(:at AS TIMESTAMPTZ) FROM m
  ON CONFLICT DO NOTHING
  RETURNING member_id, period_key
), t AS (
  INSERT INTO member_points (member_id, period, club_id, points, routines, reached)
  SELECT c.member_id, p.period, CAST(:club_id AS INTEGER), CAST(:points AS INTEGER), CAST(:routines AS INTEGER),
         CAST(:at AS TIMESTAMPTZ)
  FROM c CROSS JOIN (VALUES (CAST(:p0 AS VARCHAR)), (CAST(:p1 AS VARCHAR)), (CAST(:p2 AS VARCHAR))) AS p(period)
  ON CONFLICT (member_id, period) DO UPDATE SET points = member_points.points + excluded.points,
    routines = member_points.routines + excluded.routines,
    reached = greatest(member_points.reached, excluded.reached)
  RETURNING period, points
), mine AS (
  SELECT coalesce(
    (SELECT t.points FROM t WHERE t.period = CAST(:week AS VARCHAR)),
    (SELECT mp.points FROM member_points mp JOIN m ON mp.member_id = m.id WHERE mp.period = CAST(:week AS VARCHAR)),
    0) AS points
)
SELECT (SELECT id FROM m) AS member_id,
       (SELECT count(*) FROM c) AS counted,
       (SELECT points FROM mine) AS week_points,
       (SELECT count(*) FROM member_points WHERE club_id = CAST(:club_id AS INTEGER)
          AND period = CAST(:week AS VARCHAR) AND points > (SELECT points FROM mine)) AS ahead,
       ARRAY(SELECT period_key FROM checkin WHERE member_id = (SELECT id FROM m) AND kind = 'routine'
             UNION SELECT c.period_key FROM c WHERE CAST(:kind AS VARCHAR) = 'routine') AS weeks
"""


def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``:name`` parameters turned into asyncpg's ``$1, $2…``, and the names in that order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"(?<![:\w]):([a-z_][a-z0-9_]*)", number, sql), tuple(names)


PG_PRESS_POSITIONAL, PG_PRESS_PARAMS = positional(PG_PRESS)


def totals_add(periods: int, dialect: str) -> str:
    """Add one check-in to ``periods`` running-total rows (parameters :p0, :p1, …)."""
    later = "greatest" if dialect == "postgresql" else "max"
    values = ", ".join(f"(:member_id, :p{n}, :club_id, :points, :routines, :at)" for n in range(periods))
    return (
        f"INSERT INTO member_points (member_id, period, club_id, points, routines, reached) VALUES {values} "
        "ON CONFLICT (member_id, period) DO UPDATE SET points = member_points.points + excluded.points, "
        "routines = member_points.routines + excluded.routines, "
        f"reached = {later}(member_points.reached, excluded.reached) RETURNING period, points"
    )


@functools.cache
def statement(sql: str) -> TextClause:
    """``sql`` for SQLAlchemy, with the instant and the day typed as the models store them."""
    clause = text(sql)
    typed = [bindparam("at", type_=UTCDateTime()), bindparam("local_date", type_=Date())]
    present = [b for b in typed if f":{b.key}" in sql]
    return clause.bindparams(*present) if present else clause


# Press and Outcome are NamedTuples: immutable like a frozen dataclass, and a third of the cost to build on a path
# that builds one of each per press.
class Press(NamedTuple):
    club_id: int
    user_id: int
    member_id: int | None  # known from the row cache, else created/refreshed from the fields below
    display_name: str
    role_ids: str
    in_server: bool
    kind: str
    local_date: date
    slot_keys: tuple[str, ...]  # period keys to try in order (stand-ups have several slots a day)
    points: int
    routine: bool
    total_periods: tuple[str, ...]
    this_week: str
    at: datetime


class Outcome(NamedTuple):
    member_id: int
    counted: bool
    week_points: int
    place: int | None
    routine_weeks: tuple[str, ...]


def _stamp(value: datetime) -> str:
    """An aware instant as SQLAlchemy stores it on SQLite (UTC, naive text: ``2026-11-30 10:41:01.036140``)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class SqliteCheckinWriter:
    """The write queue. On the event loop: presses wait in ``_pending`` while one batch is in the writer
    thread; when it comes back, the next batch (all that waited) goes. The thread hands each batch's results
    back with one ``call_soon_threadsafe``: no executor, no task, no future of its own per batch."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._pending: list[tuple[Press, asyncio.Future[Outcome]]] = []
        self._in_flight: list[tuple[Press, asyncio.Future[Outcome]]] | None = None
        self._batches: queue.SimpleQueue[list[Press] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drained: asyncio.Future[None] | None = None
        self._stopped: asyncio.Future[None] | None = None
        self._closed = False
        # The WAL checkpoints: their own thread and connection, one at a time, after writes.
        self._checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkin-checkpoint")
        self._checkpoint_conn: sqlite3.Connection | None = None
        self._checkpoint_timer: asyncio.TimerHandle | None = None
        self._checkpoint: asyncio.Future[None] | None = None
        self._dirty = False

    async def write(self, press: Press) -> Outcome:
        if self._closed:
            raise RuntimeError("the check-in writer is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._pending.append((press, future))
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
        if self._checkpoint_timer is not None:
            self._checkpoint_timer.cancel()
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        await loop.run_in_executor(self._checkpointer, self._close_checkpoint_conn)
        self._checkpointer.shutdown(wait=True)
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
            self._thread = threading.Thread(target=self._serve, name="checkin-writer", daemon=True)
            self._thread.start()
        self._batches.put([press for press, _ in batch])

    def _written(self, results: list[Outcome | BaseException] | BaseException) -> None:
        """On the loop: a batch came back from the thread; answer its presses and send the next batch."""
        batch, self._in_flight = self._in_flight or [], None
        if isinstance(results, BaseException):  # the whole batch failed: every press hears why
            for _, future in batch:
                if not future.done():
                    future.set_exception(results)
        else:
            self._dirty = True
            self._checkpoint_soon()
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

    def _checkpoint_soon(self) -> None:
        """Checkpoint about a second from now, unless one is already due or running."""
        if self._checkpoint_timer is None and not self._closed:
            loop = asyncio.get_running_loop()
            self._checkpoint_timer = loop.call_later(CHECKPOINT_AFTER_S, self._start_checkpoint)

    def _start_checkpoint(self) -> None:
        self._checkpoint_timer = None
        if self._closed or (self._checkpoint is not None and not self._checkpoint.done()):
            if not self._closed:
                self._checkpoint_soon()  # the one running may have missed the latest writes
            return
        self._dirty = False
        self._checkpoint = asyncio.get_running_loop().run_in_executor(self._checkpointer, self._run_checkpoint)
        self._checkpoint.add_done_callback(self._checkpoint_done)

    def _checkpoint_done(self, done: asyncio.Future[None]) -> None:
        if not done.cancelled() and done.exception() is not None:
            log.warning("checkpointing the check-in log failed: %r", done.exception())
        if self._dirty:
            self._checkpoint_soon()

    # -- in the writer thread -----------------------------------------------------------------

    def _serve(self) -> None:
        assert self._loop is not None
        loop = self._loop
        while (presses := self._batches.get()) is not None:
            results: list[Outcome | BaseException] | BaseException
            try:
                results = self._write_batch(presses)
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

    # -- in the checkpoint thread -------------------------------------------------------------

    def _run_checkpoint(self) -> None:
        if self._checkpoint_conn is None:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=5000")
            self._checkpoint_conn = conn
        self._checkpoint_conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _close_checkpoint_conn(self) -> None:
        if self._checkpoint_conn is not None:
            self._checkpoint_conn.close()
            self._checkpoint_conn = None

    def _close_conn(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _write_batch(self, presses: list[Press]) -> list[Outcome | BaseException]:
        conn = self._connection()
        # Each press in its own savepoint, so one failing press does not undo the others; a lone press needs none.
        isolate = len(presses) > 1
        results: list[Outcome | BaseException] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for press in presses:
                if isolate:
                    conn.execute("SAVEPOINT press")
                try:
                    results.append(self._write_one(conn, press))
                    if isolate:
                        conn.execute("RELEASE press")
                except sqlite3.IntegrityError as error:  # e.g. a member row deleted under a cached id
                    if isolate:
                        conn.execute("ROLLBACK TO press")
                        conn.execute("RELEASE press")
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

    def _write_one(self, conn: sqlite3.Connection, p: Press) -> Outcome:
        at = _stamp(p.at)
        member_id = p.member_id
        if member_id is None:
            member = {"club_id": p.club_id, "user_id": p.user_id, "display_name": p.display_name,
                      "role_ids": p.role_ids, "at": at, "in_server": 1 if p.in_server else 0}
            member_id = conn.execute(MEMBER_UPSERT, member).fetchone()[0]
        totals: dict[str, int] = {}
        counted = False
        row = {"member_id": member_id, "club_id": p.club_id, "kind": p.kind, "local_date": p.local_date.isoformat(),
               "points": p.points, "at": at}
        for key in p.slot_keys:
            if conn.execute(CHECKIN_INSERT, {**row, "period_key": key}).fetchone() is None:
                continue
            counted = True
            params = {"member_id": member_id, "club_id": p.club_id, "points": p.points,
                      "routines": 1 if p.routine else 0, "at": at}
            params.update({f"p{n}": period for n, period in enumerate(p.total_periods)})
            totals = dict(conn.execute(totals_add(len(p.total_periods), "sqlite"), params).fetchall())
            break
        week_points = totals.get(p.this_week)
        if week_points is None:
            found = conn.execute(WEEK_POINTS, {"member_id": member_id, "period": p.this_week}).fetchone()
            week_points = found[0] if found else 0
        place = None
        if week_points:
            ahead = conn.execute(AHEAD, {"club_id": p.club_id, "period": p.this_week, "points": week_points})
            place = ahead.fetchone()[0] + 1
        weeks = tuple(key for (key,) in conn.execute(ROUTINE_WEEKS, {"member_id": member_id}))
        return Outcome(member_id, counted, int(week_points), place, weeks)
