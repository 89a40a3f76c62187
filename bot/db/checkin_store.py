"""Where check-ins are written: one interface, one implementation per backend, chosen once at start.

``CheckinStore.write(press)`` stores one press (member, check-in, running totals) and reads back what the
reply shows; ``last`` and ``remove`` are an undo's two steps, in the caller's transaction. What a press is
(its points, period keys, which periods it adds to) is decided by the check-in rules (bot/core/checkins.py);
the SQL is in bot/db/checkin_sql.py.

- SQLite (a file): presses go through the write queue (bot/db/sqlite_batches.py), one thread and one
  connection, the presses waiting together in one transaction.
- PostgreSQL: one statement per press in autocommit, on the press path's own connections
  (bot/db/press_pool.py). Stand-ups too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db import checkin_sql as sql
from bot.db.press_pool import PressPool
from bot.db.sqlite_batches import SqliteBatchWriter
from bot.db.totals import PeriodRange
from bot.db.totals import recount as recount_totals


# Press and Outcome are NamedTuples: immutable like a frozen dataclass, and a third of the cost to build on a path
# that builds one of each per press.
class Press(NamedTuple):
    club_id: int
    user_id: int
    member_id: int | None  # known from the row cache, else created/refreshed (or, in a DM, found) from below
    display_name: str
    role_ids: str
    in_server: bool  # False for a button in a DM: the member is found, never created, and stays "left"
    kind: str
    local_date: date
    slot_keys: tuple[str, ...]  # period keys to try in order (stand-ups have several slots a day)
    points: int
    routine: bool
    total_periods: tuple[str, str, str]  # all time, month, club-week
    this_week: str
    at: datetime


class Outcome(NamedTuple):
    member_id: int | None  # None: a press in a DM of someone with no member row (forgotten): nothing stored
    counted: bool
    week_points: int
    place: int | None
    routine_weeks: Sequence[str]


NOBODY = Outcome(None, False, 0, None, ())


class Stored(NamedTuple):
    """A member's check-in as an undo sees it."""

    id: int
    kind: str
    local_date: date
    period_key: str
    points: int
    created_at: datetime


class CheckinStore:
    """The interface, and an undo's two steps (the same SQL on both backends, in the caller's session)."""

    lock_member = False
    # Whether a press with a known member id (``Press.member_id``, from the row cache) skips the member
    # statement. PostgreSQL's one statement upserts the member anyway (and so takes their row lock).
    knows_members = True

    async def write(self, press: Press) -> Outcome:
        raise NotImplementedError

    async def close(self) -> None:
        """Let what was handed in finish, then let go of threads and connections."""

    async def last(self, session: AsyncSession, member_id: int) -> Stored | None:
        """The member's newest check-in. On PostgreSQL the member's row is locked first, as a press locks it,
        so no press of theirs is half-way while the undo counts."""
        if self.lock_member:
            await session.execute(sql.statement(sql.MEMBER_LOCK), {"member_id": member_id})
        row = (await session.execute(sql.statement(sql.LAST_CHECKIN), {"member_id": member_id})).first()
        if row is None:
            return None
        return Stored(row.id, row.kind, _day(row.local_date), row.period_key, row.points, _aware(row.created_at))

    async def remove(
        self, session: AsyncSession, club_id: int, member_id: int, checkin: Stored, periods: dict[str, PeriodRange]
    ) -> None:
        """Delete ``checkin`` and recount the running totals of its ``periods`` from what is left."""
        await session.execute(sql.statement(sql.CHECKIN_DELETE), {"id": checkin.id})
        await recount_totals(session, club_id=club_id, member_id=member_id, periods=periods)


class SqliteCheckinStore(CheckinStore):
    def __init__(self, path: str) -> None:
        self._writer: SqliteBatchWriter[Press, Outcome] = SqliteBatchWriter(path, _write_one, "checkin")
        # The queue's own ``write``: no coroutine of this class's in between, on the path every press takes.
        self.write = self._writer.write  # type: ignore[method-assign]

    async def write(self, press: Press) -> Outcome:
        return await self._writer.write(press)

    async def close(self) -> None:
        await self._writer.close()


PG_ARGS = ("club_id", "user_id", "display_name", "role_ids", "at", "in_server", "slot_keys", "kind", "local_date",
           "points", "routines", "p0", "p1", "p2", "week")
if sql.PG_PRESS_PARAMS != PG_ARGS:
    raise RuntimeError(f"PG_PRESS takes {sql.PG_PRESS_PARAMS}, not {PG_ARGS}")


class PostgresCheckinStore(CheckinStore):
    lock_member = True
    knows_members = False

    def __init__(self, engine: AsyncEngine) -> None:
        self._pool = PressPool(engine, warm=(sql.PG_PRESS_POSITIONAL,))

    async def write(self, press: Press) -> Outcome:
        # In the statement's order (``PG_ARGS``, checked against the statement when this module loads).
        all_time, month, week = press.total_periods
        values = (
            press.club_id, press.user_id, press.display_name, press.role_ids, press.at, press.in_server,
            ",".join(press.slot_keys), press.kind, press.local_date, press.points, 1 if press.routine else 0,
            all_time, month, week, press.this_week,
        )
        # A free slot taken by a press of the same member committing at the same moment (stand-ups, which
        # have several): look again; every other kind has one slot, and losing it means it is counted.
        for _ in press.slot_keys:
            # The driver directly: the statement is fixed, and the press path is where the CPU counts.
            row = await self._pool.fetchrow(sql.PG_PRESS_POSITIONAL, *values)
            assert row is not None
            if row["member_id"] is None:
                return NOBODY
            if row["counted"] or not row["free"] or len(press.slot_keys) == 1:
                break
        return Outcome(
            row["member_id"], bool(row["counted"]), int(row["week_points"]),
            int(row["ahead"]) + 1 if row["week_points"] else None, row["weeks"],
        )

    async def close(self) -> None:
        await self._pool.close()


def open_store(engine: AsyncEngine) -> CheckinStore:
    """The store for the engine's backend: chosen once, at start."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresCheckinStore(engine)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return SqliteCheckinStore(url.database)
    raise ValueError(f"check-ins need a SQLite file or PostgreSQL, not {url.render_as_string(hide_password=True)}")


# -- SQLite, in the writer thread -------------------------------------------------------------------------


def _stamp(value: datetime) -> str:
    """An aware instant as SQLAlchemy stores it on SQLite (UTC, naive text: ``2026-11-30 10:41:01.036140``)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _write_one(conn: sqlite3.Connection, p: Press) -> Outcome:
    at = _stamp(p.at)
    member_id = p.member_id
    if member_id is None:
        if p.in_server:
            member = {"club_id": p.club_id, "user_id": p.user_id, "display_name": p.display_name,
                      "role_ids": p.role_ids, "at": at}
            member_id = conn.execute(sql.MEMBER_UPSERT, member).fetchone()[0]
        else:
            found = conn.execute(sql.MEMBER_FIND, {"club_id": p.club_id, "user_id": p.user_id}).fetchone()
            if found is None:
                return NOBODY
            member_id = found[0]
    totals: dict[str, int] = {}
    counted = False
    row = {"member_id": member_id, "club_id": p.club_id, "kind": p.kind, "local_date": p.local_date.isoformat(),
           "points": p.points, "at": at}
    for key in p.slot_keys:
        if conn.execute(sql.CHECKIN_INSERT, {**row, "period_key": key}).fetchone() is None:
            continue
        counted = True
        p0, p1, p2 = p.total_periods
        params = {"member_id": member_id, "club_id": p.club_id, "points": p.points,
                  "routines": 1 if p.routine else 0, "at": at, "p0": p0, "p1": p1, "p2": p2}
        totals = dict(conn.execute(sql.TOTALS_ADD, params).fetchall())
        break
    week_points = totals.get(p.this_week)
    if week_points is None:
        found = conn.execute(sql.WEEK_POINTS, {"member_id": member_id, "period": p.this_week}).fetchone()
        week_points = found[0] if found else 0
    place = None
    if week_points:
        ahead = conn.execute(sql.AHEAD, {"club_id": p.club_id, "period": p.this_week, "points": week_points})
        place = ahead.fetchone()[0] + 1
    weeks = tuple(key for (key,) in conn.execute(sql.ROUTINE_WEEKS, {"member_id": member_id}))
    return Outcome(member_id, counted, int(week_points), place, weeks)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite's text, as SQLAlchemy stores it (UTC)
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
