"""Running totals per member and period (``member_points``), kept in step with the check-ins.

A check-in adds to its periods in the statement that stores it (bot/db/checkin_sql.py), an undo
recounts the member's affected periods from their own check-ins (``recount``), and a change of the
club's week start rebuilds the club's week rows (``rebuild``). Forgetting or purging a member needs nothing
here: their rows go with the member row (ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.checkin_sql import recount as recount_sql
from bot.db.checkin_sql import statement
from bot.db.models import Checkin, MemberPoints

ROUTINE = "routine"
_table = MemberPoints.__table__  # type: ignore[attr-defined]
PeriodRange = tuple[date | None, date | None]


def _insert(session: AsyncSession) -> Any:
    return pg_insert(_table) if session.get_bind().dialect.name == "postgresql" else sqlite_insert(_table)


async def recount(session: AsyncSession, *, club_id: int, member_id: int, periods: Mapping[str, PeriodRange]) -> None:
    """Set the member's rows for ``periods`` (key → [start, end) dates, None for all time) from their check-ins.

    Each row is written from the sums by one statement, and deleted only where no check-in is left; on
    PostgreSQL the caller holds the member's row lock (bot/db/checkin_store.py), so no press of theirs
    commits in between."""
    for period, (start, end) in periods.items():
        ranged = start is not None and end is not None
        upsert, remove = recount_sql(ranged)
        params: dict[str, object] = {"member_id": member_id, "club_id": club_id, "period": period}
        if ranged:
            params.update(start=start, end=end)
        await session.execute(statement(upsert), params)
        await session.execute(statement(remove), params)


async def rebuild(session: AsyncSession, *, club_id: int, prefix: str, key_of: Callable[[date], str]) -> int:
    """Recompute every row of the club whose period starts with ``prefix`` (e.g. weeks after a week-start
    change), with ``key_of(local_date)`` giving a check-in's period. Returns the rows written."""
    await session.execute(delete(_table).where(_table.c.club_id == club_id, _table.c.period.startswith(prefix)))
    totals: dict[tuple[int, str], list[Any]] = {}
    rows = await session.execute(
        select(Checkin.member_id, Checkin.local_date, Checkin.kind, Checkin.points, Checkin.created_at).where(
            Checkin.club_id == club_id
        )
    )
    for member_id, day, kind, points, created in rows:
        entry = totals.setdefault((member_id, key_of(day)), [0, 0, created])
        entry[0] += points
        entry[1] += kind == ROUTINE
        entry[2] = max(entry[2], created)
    values = [
        {"member_id": m, "club_id": club_id, "period": p, "points": v[0], "routines": v[1], "reached": v[2]}
        for (m, p), v in totals.items()
    ]
    for start in range(0, len(values), 2000):
        await session.execute(_insert(session).values(values[start:start + 2000]))
    return len(values)
