"""Running totals per member and period (``member_points``), kept in step with the check-ins.

The one place that changes them: a check-in adds to its periods (``add``), an undo recounts the
member's affected periods from their own check-ins (``recount``), and a change of the club's week
start rebuilds the club's week rows (``rebuild``). Forgetting or purging a member needs nothing
here: their rows go with the member row (ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.checkin_writer import statement, totals_add
from bot.db.models import Checkin, MemberPoints

ROUTINE = "routine"
_table = MemberPoints.__table__  # type: ignore[attr-defined]
PeriodRange = tuple[date | None, date | None]


def _insert(session: AsyncSession) -> Any:
    return pg_insert(_table) if session.get_bind().dialect.name == "postgresql" else sqlite_insert(_table)


async def add(
    session: AsyncSession, *, club_id: int, member_id: int, periods: Iterable[str], points: int, routine: bool,
    at: datetime,
) -> dict[str, int]:
    """Add one check-in to the member's rows for ``periods``; returns each period's new points."""
    keys = list(periods)
    sql = totals_add(len(keys), session.get_bind().dialect.name)
    params: dict[str, object] = {"member_id": member_id, "club_id": club_id, "points": points,
                                 "routines": 1 if routine else 0, "at": at}
    params.update({f"p{n}": period for n, period in enumerate(keys)})
    return {period: int(pts) for period, pts in (await session.execute(statement(sql), params)).all()}


async def recount(session: AsyncSession, *, club_id: int, member_id: int, periods: Mapping[str, PeriodRange]) -> None:
    """Set the member's rows for ``periods`` (key → [start, end) dates, None for all time) from their check-ins."""
    for period, (start, end) in periods.items():
        conditions = [Checkin.member_id == member_id]
        if start is not None and end is not None:
            conditions += [Checkin.local_date >= start, Checkin.local_date < end]
        pts, routines, reached, count = (
            await session.execute(
                select(
                    func.coalesce(func.sum(Checkin.points), 0),
                    func.coalesce(func.sum(case((Checkin.kind == ROUTINE, 1), else_=0)), 0),
                    func.max(Checkin.created_at),
                    func.count(),
                ).where(*conditions)
            )
        ).one()
        where = and_(_table.c.member_id == member_id, _table.c.period == period)
        if not count:
            await session.execute(delete(_table).where(where))
            continue
        stmt = _insert(session).values(
            member_id=member_id, club_id=club_id, period=period, points=int(pts), routines=int(routines),
            reached=_aware(reached),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["member_id", "period"],
            set_={"points": stmt.excluded.points, "routines": stmt.excluded.routines,
                  "reached": stmt.excluded.reached},
        )
        await session.execute(stmt)


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


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
