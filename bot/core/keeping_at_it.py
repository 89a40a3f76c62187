"""What `/privacy export` shows of the nudge, the winner role and the scheduled work about a member.

`/privacy forget` needs nothing from here: every one of these rows cascades with the member.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.challenges import challenge_export
from bot.core.winner_role import holder_export
from bot.db.models import DueClaim, Member, Nudge, RetestReminder


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def keeping_at_it_export(session: AsyncSession, member: Member) -> dict[str, Any]:
    nudge = (await session.execute(select(Nudge).where(Nudge.member_id == member.id))).scalar_one_or_none()
    claims = (
        await session.execute(select(DueClaim).where(DueClaim.member_id == member.id).order_by(DueClaim.claimed_at))
    ).scalars()
    retests = (
        await session.execute(select(RetestReminder).where(RetestReminder.member_id == member.id))
    ).scalars()
    return {
        "challenges": await challenge_export(session, member.id) if member.id else [],
        "retest_reminders": [
            {"test": r.test_slug, "due_at": _iso(r.next_due_at), "asked_at": _iso(r.created_at)} for r in retests
        ],
        "weekly_nudge": None
        if nudge is None
        else {
            "enabled": nudge.enabled,
            "day": nudge.day or "last day of the club week",
            "time": nudge.at_time,
            "timezone": nudge.timezone,
            "dms_closed": nudge.dm_blocked,
            "next_due_at": _iso(nudge.next_due_at),
        },
        "weekly_winner_role": await holder_export(session, member.id) if member.id else [],
        "scheduled_messages": [
            {"kind": c.kind, "period": c.period_key, "status": c.status, "at": _iso(c.claimed_at)} for c in claims
        ],
    }
