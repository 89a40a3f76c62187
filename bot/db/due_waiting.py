"""How many scheduled items are past their due time and not yet handled, by kind (for ``/metrics``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal, select, union_all

from bot.db.engine import SessionFactory
from bot.db.models import Challenge, Nudge, RetestReminder, SendClaim, Standup
from bot.db.send_claims import due_again


async def due_waiting(sessions: SessionFactory, now: datetime) -> dict[str, int]:
    """Rows whose due time has passed: stand-ups, nudges, re-test reminders, challenge results, and send claims
    waiting to be tried again (pending at their next try, or claimed past their lease), by their kind.

    Each count is a range scan over the table's partial index of live rows (claims: their retake index).
    """
    counts = [
        select(literal(kind).label("kind"), func.count().label("n")).where(column.is_not(None), column <= now)
        for kind, column in (
            ("standup", Standup.next_due_at),
            ("nudge", Nudge.next_due_at),
            ("retest", RetestReminder.next_due_at),
            ("challenge", Challenge.next_due_at),
        )
    ]
    work = (
        select(SendClaim.kind, func.count())
        .where(due_again(now))
        .group_by(SendClaim.kind)
    )
    async with sessions() as session:
        rows = (await session.execute(union_all(*counts, work))).all()
    waiting: dict[str, int] = {}
    for kind, n in rows:
        waiting[str(kind)] = waiting.get(str(kind), 0) + int(n)
    return waiting
