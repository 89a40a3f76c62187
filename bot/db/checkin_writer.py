"""The check-in write queue for SQLite: presses that arrive together are written in one transaction.

SQLite runs one writer at a time, and every statement through the async driver costs a thread
hop. Here one thread owns one connection; presses queue up while a batch is being written and
the next batch takes all of them: one ``BEGIN IMMEDIATE … COMMIT`` and one hop per batch, each
press in its own savepoint so one failing press does not undo the others. The rules are the same
as on the general path (bot/core/checkins.py): ``INSERT … ON CONFLICT DO NOTHING`` for the
check-in, running totals (member_points) added in the same transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError

_MEMBER_UPSERT = (
    "INSERT INTO member (club_id, user_id, display_name, hidden, role_ids, created_at) VALUES (?, ?, ?, 0, ?, ?) "
    "ON CONFLICT (club_id, user_id) DO UPDATE SET display_name = excluded.display_name, "
    "role_ids = excluded.role_ids, left_at = NULL RETURNING id"
)
_CHECKIN_INSERT = (
    "INSERT INTO checkin (member_id, club_id, kind, local_date, period_key, points, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id"
)
_TOTALS_ADD = (
    "INSERT INTO member_points (member_id, period, club_id, points, routines, reached) VALUES {values} "
    "ON CONFLICT (member_id, period) DO UPDATE SET points = member_points.points + excluded.points, "
    "routines = member_points.routines + excluded.routines, "
    "reached = max(member_points.reached, excluded.reached) RETURNING period, points"
)
_WEEK_POINTS = "SELECT points FROM member_points WHERE member_id = ? AND period = ?"
_AHEAD = "SELECT count(*) FROM member_points WHERE club_id = ? AND period = ? AND points > ?"
_ROUTINE_WEEKS = "SELECT period_key FROM checkin WHERE member_id = ? AND kind = 'routine'"


@dataclass(frozen=True)
class Press:
    club_id: int
    user_id: int
    member_id: int | None  # known from the row cache, else created/refreshed from the fields below
    display_name: str
    role_ids: str
    kind: str
    local_date: date
    slot_keys: tuple[str, ...]  # period keys to try in order (stand-ups have several slots a day)
    points: int
    routine: bool
    total_periods: tuple[str, ...]
    this_week: str
    at: datetime


@dataclass(frozen=True)
class Outcome:
    member_id: int
    counted: bool
    week_points: int
    place: int | None
    routine_weeks: tuple[str, ...]


def _stamp(value: datetime) -> str:
    """An aware instant as SQLAlchemy stores it on SQLite (UTC, naive text)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class SqliteCheckinWriter:
    def __init__(self, path: str) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkin-writer")
        self._conn: sqlite3.Connection | None = None
        self._pending: list[tuple[Press, asyncio.Future[Outcome]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, press: Press) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((press, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="checkin-writer-flush")
        return await future

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close_conn)
        self._executor.shutdown(wait=True)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await loop.run_in_executor(self._executor, self._write_batch, [p for p, _ in batch])
            except BaseException as error:  # the whole batch failed: every press hears why
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                if isinstance(error, asyncio.CancelledError):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    # -- in the writer thread -----------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=5000")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
        return self._conn

    def _close_conn(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _write_batch(self, presses: list[Press]) -> list[Outcome | BaseException]:
        conn = self._connection()
        results: list[Outcome | BaseException] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for press in presses:
                conn.execute("SAVEPOINT press")
                try:
                    results.append(self._write_one(conn, press))
                    conn.execute("RELEASE press")
                except sqlite3.IntegrityError as error:  # e.g. a member row deleted under a cached id
                    conn.execute("ROLLBACK TO press")
                    conn.execute("RELEASE press")
                    results.append(IntegrityError(str(error), None, error))
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
            member = (p.club_id, p.user_id, p.display_name, p.role_ids, at)
            member_id = conn.execute(_MEMBER_UPSERT, member).fetchone()[0]
        totals: dict[str, int] = {}
        counted = False
        day = p.local_date.isoformat()
        for key in p.slot_keys:
            row = conn.execute(_CHECKIN_INSERT, (member_id, p.club_id, p.kind, day, key, p.points, at)).fetchone()
            if row is None:
                continue
            counted = True
            values = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in p.total_periods)
            params: list[object] = []
            for period in p.total_periods:
                params += [member_id, period, p.club_id, p.points, 1 if p.routine else 0, at]
            totals = dict(conn.execute(_TOTALS_ADD.format(values=values), params).fetchall())
            break
        week_points = totals.get(p.this_week)
        if week_points is None:
            found = conn.execute(_WEEK_POINTS, (member_id, p.this_week)).fetchone()
            week_points = found[0] if found else 0
        place = None
        if week_points:
            place = conn.execute(_AHEAD, (p.club_id, p.this_week, week_points)).fetchone()[0] + 1
        weeks = tuple(key for (key,) in conn.execute(_ROUTINE_WEEKS, (member_id,)))
        return Outcome(member_id, counted, int(week_points), place, weeks)
