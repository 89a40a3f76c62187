"""Stand-up queries: the tick's claim and the batched advance, row lookups. Dialect-specific SQL lives here."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, bindparam, case, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Club, Member, Standup
from bot.db.types import UTCDateTime


def claimable(now: datetime) -> list[Any]:
    return [
        Standup.next_due_at <= now,
        Standup.enabled.is_(True),
        Standup.dm_blocked.is_(False),
        or_(Standup.paused_until.is_(None), Standup.paused_until <= now),
    ]


def due_query(now: datetime, limit: int) -> Any:
    """The tick's claim: due rows, oldest first, locked; rows another process holds are skipped.

    Standup columns only: joining members here lets PostgreSQL choose a hash join over the
    whole member table, which costs more than the rest of the claim.
    """
    return (
        select(
            Standup.id,
            Standup.member_id,
            Standup.every_minutes,
            Standup.window_start,
            Standup.window_end,
            Standup.days,
            Standup.timezone,
            Standup.snoozed,
            case((Standup.snoozed.is_(True), Standup.next_slot_at), else_=None).label("resume_at"),
            Standup.next_due_at,
        )
        .where(*claimable(now))
        .order_by(Standup.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


# Claimed rows each move to their own next slot. One statement carrying all of them beats a
# thousand single-row UPDATEs, whose driver and ORM overhead dwarfs the database work.
_ADVANCE_POSTGRES = text(
    "UPDATE standup SET next_due_at = v.next, next_slot_at = v.next, snoozed = false, "
    "last_reminded_at = CASE WHEN v.sent THEN :now ELSE standup.last_reminded_at END, updated_at = :now "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:nexts AS timestamptz[]), CAST(:sent AS boolean[])) "
    "AS v(id, next, sent) "
    # The second, redundant condition lets the planner fetch just these rows by primary key
    # instead of hashing the whole table.
    "WHERE standup.id = v.id AND standup.id = ANY(CAST(:ids AS integer[]))"
).bindparams(bindparam("now", type_=UTCDateTime()))
_ADVANCE_SQLITE = text(
    "UPDATE standup SET next_due_at = json_extract(v.value, '$[1]'), next_slot_at = json_extract(v.value, '$[1]'), "
    "snoozed = 0, last_reminded_at = CASE WHEN json_extract(v.value, '$[2]') THEN :now ELSE last_reminded_at END, "
    "updated_at = :now FROM json_each(:rows) AS v WHERE standup.id = json_extract(v.value, '$[0]')"
).bindparams(bindparam("now", type_=UTCDateTime()))
async def people(session: AsyncSession, member_ids: list[int]) -> dict[int, Any]:
    """Discord ids, channel, whether they left, and the member's locale and club's language (the DM's
    language), for the claimed rows' members."""
    query = select(
        Member.id, Member.user_id, Member.left_at, Club.guild_id, Club.channel_id, Member.locale, Club.language
    ).join(
        Club, Club.id == Member.club_id
    )
    # One array (PostgreSQL) or JSON (SQLite) parameter rather than a thousand.
    if (await session.connection()).dialect.name == "postgresql":
        query = query.where(Member.id == any_(bindparam("ids", member_ids, type_=ARRAY(Integer))))
    else:
        listed = func.json_each(json.dumps(member_ids)).table_valued("value")
        query = query.where(Member.id.in_(select(listed.c.value)))
    return {member_id: rest for member_id, *rest in await session.execute(query)}


async def advance(session: AsyncSession, moves: list[tuple[int, datetime, bool]], now: datetime) -> None:
    """Set each claimed row's next due time (and ``last_reminded_at`` for those being sent)."""
    dialect = (await session.connection()).dialect
    if dialect.name == "postgresql":
        ids, nexts, sent = (list(column) for column in zip(*moves, strict=True))
        await session.execute(_ADVANCE_POSTGRES, {"ids": ids, "nexts": nexts, "sent": sent, "now": now})
    else:
        # SQLite. Stored exactly as the column type would store them, so text comparisons stay right.
        stored = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
        assert stored is not None
        texts: dict[datetime, str] = {}  # many rows share their next slot
        rows = json.dumps(
            [[row_id, texts.get(nxt) or texts.setdefault(nxt, stored(nxt)), send] for row_id, nxt, send in moves]
        )
        await session.execute(_ADVANCE_SQLITE, {"rows": rows, "now": now})


async def row_of_member(session: AsyncSession, member_id: int, *, lock: bool = True) -> Standup | None:
    query = select(Standup).where(Standup.member_id == member_id)
    if lock:
        query = query.with_for_update(of=Standup)
    return (await session.execute(query)).scalar_one_or_none()

async def row_of(session: AsyncSession, guild_id: int, user_id: int) -> Standup | None:
    result = await session.execute(
        select(Standup)
        .join(Member, Member.id == Standup.member_id)
        .join(Club, Club.id == Member.club_id)
        .where(Club.guild_id == guild_id, Member.user_id == user_id)
        .with_for_update(of=Standup)
    )
    return result.scalar_one_or_none()
