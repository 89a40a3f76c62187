"""A member's control over their own data: hide, export, forget; and leaving members."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from bot.core.clock import Clock
from bot.core.members import Who, ensure_club_and_member
from bot.db.engine import SessionFactory
from bot.db.models import BoardArchive, Checkin, Member, MemberProgression, Standup, TestResult
from bot.db.repo import get_club, get_member


@dataclass(frozen=True)
class Forgotten:
    checkins: int
    test_results: int


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class PrivacyService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def set_hidden(self, who: Who, hidden: bool) -> None:
        async with self._sessions() as session:
            _club, member = await ensure_club_and_member(session, who, self._clock.now())
            member.hidden = hidden
            session.add(member)
            await session.commit()

    async def export(self, who: Who) -> bytes:
        """Everything stored about the member in this club, as JSON."""
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
            data: dict[str, Any] = {"guild_id": str(who.guild_id), "user_id": str(who.user_id), "member": None}
            if member is not None:
                checkins = (
                    await session.execute(
                        select(Checkin).where(Checkin.member_id == member.id).order_by(Checkin.created_at)
                    )
                ).scalars()
                tests = (
                    await session.execute(
                        select(TestResult).where(TestResult.member_id == member.id).order_by(TestResult.created_at)
                    )
                ).scalars()
                data["member"] = {
                    "display_name": member.display_name,
                    "hidden_from_boards": member.hidden,
                    "joined_at": _iso(member.created_at),
                }
                data["checkins"] = [
                    {
                        "kind": c.kind,
                        "local_date": c.local_date.isoformat(),
                        "points": c.points,
                        "recorded_at": _iso(c.created_at),
                    }
                    for c in checkins
                ]
                data["self_tests"] = [
                    {"test": t.test_slug, "side": t.side, "outcome": t.outcome, "recorded_at": _iso(t.created_at)}
                    for t in tests
                ]
                extra = await self._extra_export(session, member)
                data.update(extra)
        return json.dumps(data, indent=2).encode()

    async def _extra_export(self, session: Any, member: Member) -> dict[str, Any]:
        return {**await self._standup_export(session, member), **await self._progression_export(session, member)}

    async def _progression_export(self, session: Any, member: Member) -> dict[str, Any]:
        row = (
            await session.execute(select(MemberProgression).where(MemberProgression.member_id == member.id))
        ).scalar_one_or_none()
        if row is None:
            return {"progression": None}
        return {
            "progression": {
                "routine": row.routine_slug,
                "step": row.step + 1,
                "easy_weeks_in_a_row": row.easy_weeks,
                "hard_weeks_in_a_row": row.hard_weeks,
                "offered_step": row.offered_step + 1 if row.offered_step is not None else None,
                "last_feel": row.last_feel,
                "last_week": row.last_week[1:] if row.last_week else None,
                "updated_at": _iso(row.updated_at),
            }
        }

    async def _standup_export(self, session: Any, member: Member) -> dict[str, Any]:
        standup = (await session.execute(select(Standup).where(Standup.member_id == member.id))).scalar_one_or_none()
        if standup is None:
            return {"standup_reminders": None}
        return {
            "standup_reminders": {
                "enabled": standup.enabled,
                "every_minutes": standup.every_minutes,
                "window": f"{standup.window_start}-{standup.window_end}",
                "days": standup.days,
                "timezone": standup.timezone,
                "dms_closed": standup.dm_blocked,
                "paused_until": _iso(standup.paused_until),
            }
        }

    async def forget(self, who: Who) -> Forgotten:
        """Delete every row about the member in this club, including their lines in archived boards."""
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
            if member is None:
                return Forgotten(0, 0)
            checkins = (
                await session.execute(select(func.count()).where(Checkin.member_id == member.id))
            ).scalar_one()
            tests = (
                await session.execute(select(func.count()).where(TestResult.member_id == member.id))
            ).scalar_one()
            archives = (
                await session.execute(select(BoardArchive).where(BoardArchive.club_id == member.club_id))
            ).scalars()
            for archive in archives:
                rows = [r for r in archive.board["rows"] if r["member_id"] != member.id]
                if len(rows) != len(archive.board["rows"]):
                    archive.board = {**archive.board, "rows": rows}
                    session.add(archive)
            # Rows hanging off the member go with it (ON DELETE CASCADE); progression is named to be sure.
            await session.execute(delete(MemberProgression).where(MemberProgression.member_id == member.id))
            await session.execute(delete(Member).where(Member.id == member.id))
            await session.commit()
        return Forgotten(checkins=int(checkins), test_results=int(tests))

    async def member_left(self, guild_id: int, user_id: int) -> None:
        """Keep the history, but take the member off the boards."""
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            if club is None:
                return
            await session.execute(
                update(Member)
                .where(Member.club_id == club.id, Member.user_id == user_id, Member.left_at.is_(None))
                .values(left_at=self._clock.now())
            )
            await session.commit()

    async def purge_left(self, guild_id: int) -> int:
        """Delete members who left the server, with all their rows. Returns how many."""
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            if club is None:
                return 0
            result = await session.execute(
                delete(Member).where(Member.club_id == club.id, Member.left_at.is_not(None))
            )
            await session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
