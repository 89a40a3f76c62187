"""Exactly-once claims for scheduled work: one ``due_claim`` row per (kind, subject, period).

A feature's tick selects its due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` makes the claiming transaction exclusive), then calls :func:`claim_once`
in the same transaction. Only the keys whose claim row this call inserted are handed out;
a key claimed before (by another process, before a restart) is silently left alone. After
delivery, :func:`finish_claims` records the outcome on each claim row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import SessionFactory
from bot.db.models import DueClaim

ERROR_MAX = 300


class Outcome(StrEnum):
    SENT = "sent"
    FALLBACK = "fallback"  # DMs closed: the member was told in the club's channel instead
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class ClaimKey:
    subject_id: int
    period_key: str
    member_id: int | None = None


@dataclass(frozen=True, slots=True)
class Finished:
    claim_id: int
    outcome: Outcome
    error: str | None = None


async def claim_once(
    session: AsyncSession, kind: str, keys: Sequence[ClaimKey], now: datetime
) -> dict[tuple[int, str], int]:
    """Insert claim rows for ``keys``; return ``{(subject_id, period_key): claim_id}`` for those won.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` on both backends: a key that already has a
    claim row returns nothing, so no exception and no savepoint per row.
    """
    if not keys:
        return {}
    dialect = (await session.connection()).dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = DueClaim.__table__  # type: ignore[attr-defined]
    unique = {(k.subject_id, k.period_key): k for k in keys}
    rows = [
        {
            "kind": kind,
            "subject_id": k.subject_id,
            "period_key": k.period_key,
            "member_id": k.member_id,
            "status": "claimed",
            "claimed_at": now,
        }
        for k in unique.values()
    ]
    statement = (
        insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["kind", "subject_id", "period_key"])
        .returning(table.c.id, table.c.subject_id, table.c.period_key)
    )
    won = await session.execute(statement)
    return {(subject, period): claim_id for claim_id, subject, period in won}


_FINISH = (
    update(DueClaim.__table__)  # type: ignore[attr-defined]
    .where(DueClaim.__table__.c.id == bindparam("b_id"))  # type: ignore[attr-defined]
    .values(status=bindparam("b_status"), error=bindparam("b_error"), finished_at=bindparam("b_now"))
)


async def block_dms_once(
    sessions: SessionFactory, model: Any, row_id: int, now: datetime, **also: Any
) -> bool:
    """Mark a DM-driven row (``dm_blocked``, ``next_due_at``) as unreachable; True only the first time."""
    async with sessions() as session:
        result = await session.execute(
            update(model)
            .where(model.id == row_id, model.dm_blocked.is_(False))
            .values(dm_blocked=True, next_due_at=None, updated_at=now, **also)
        )
        await session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish_claims(sessions: SessionFactory, finished: Sequence[Finished], now: datetime) -> None:
    """Record each claim's outcome (one executemany)."""
    if not finished:
        return
    params = [
        {"b_id": f.claim_id, "b_status": f.outcome.value, "b_error": (f.error or None) and f.error[:ERROR_MAX],
         "b_now": now}
        for f in finished
    ]
    async with sessions() as session:
        await session.execute(_FINISH, params)
        await session.commit()
