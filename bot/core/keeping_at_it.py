"""What `/privacy export` shows of the nudge, the winner role, the re-test reminders and the scheduled
messages about a member: every column of their rows, like the rest of the export.

`/privacy forget` needs nothing from here: every one of these rows cascades with the member (a stand-up
claim with its series, by a trigger; a winner role the member holds is taken back first, see
:meth:`bot.core.winner_role.WinnerRoleService.forget`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.challenges import challenge_export
from bot.db.models import Member, Nudge, RetestReminder, SendClaim, Standup, WinnerHolder
from bot.db.repo import columns


async def keeping_at_it_export(session: AsyncSession, member: Member) -> dict[str, Any]:
    nudge = (await session.execute(select(Nudge).where(Nudge.member_id == member.id))).scalar_one_or_none()
    # A stand-up claim is the member's through its series (it carries no member_id, see migration 0017).
    series = select(Standup.id).where(Standup.member_id == member.id)
    claims = (await session.execute(
        select(SendClaim).where(or_(
            SendClaim.member_id == member.id,
            and_(SendClaim.kind == "standup", SendClaim.subject_id.in_(series)),  # type: ignore[attr-defined]
        )).order_by(SendClaim.claimed_at, SendClaim.id)
    )).scalars()
    retests = (await session.execute(
        select(RetestReminder).where(RetestReminder.member_id == member.id).order_by(RetestReminder.id)
    )).scalars()
    holders = (await session.execute(
        select(WinnerHolder).where(WinnerHolder.member_id == member.id).order_by(WinnerHolder.id)
    )).scalars()
    return {
        "challenges": await challenge_export(session, member.id) if member.id else [],
        "retest_reminders": [columns(r) for r in retests],
        "weekly_nudge": columns(nudge) if nudge is not None else None,
        "weekly_winner_role": [columns(h) for h in holders],
        "scheduled_messages": [columns(c) for c in claims],
    }
