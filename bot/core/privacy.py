"""A member's control over their own data: hide, export, forget; and leaving members."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from bot.core.clock import Clock
from bot.core.keeping_at_it import keeping_at_it_export
from bot.core.members import Who, ensure_club_and_member
from bot.core.winner_role import forget_holder, forget_holders
from bot.db.engine import SessionFactory
from bot.db.models import BoardArchive, Checkin, Member, MemberProgression, Standup, TestResult
from bot.db.repo import columns, get_club, get_member
from bot.db.rowcache import RowCache


@dataclass(frozen=True)
class Forgotten:
    checkins: int
    test_results: int


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def _scrub_archives(session: Any, club_id: int, member_ids: set[int]) -> None:
    """Take these members' lines out of every frozen board of the club."""
    archives = (await session.execute(select(BoardArchive).where(BoardArchive.club_id == club_id))).scalars()
    for archive in archives:
        rows = [r for r in archive.board["rows"] if r["member_id"] not in member_ids]
        if len(rows) != len(archive.board["rows"]):
            archive.board = {**archive.board, "rows": rows}
            session.add(archive)


class PrivacyService:
    def __init__(self, sessions: SessionFactory, clock: Clock, rows: RowCache | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self._rows = rows or RowCache()

    async def set_hidden(self, who: Who, hidden: bool) -> None:
        async with self._sessions() as session:
            _club, member = await ensure_club_and_member(session, who, self._clock.now())
            member.hidden = hidden
            session.add(member)
            await session.commit()
        self._rows.drop_member(who.guild_id, who.user_id)

    async def export(self, who: Who) -> bytes:
        """Everything stored about the member in this club, as JSON: every column of every row.

        Rows are exported column by column from the tables themselves, so a field added to a
        table later is in the export without anyone remembering to add it here.
        """
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
            data: dict[str, Any] = {"guild_id": str(who.guild_id), "user_id": str(who.user_id), "member": None}
            if member is not None:
                data["member"] = columns(member)
                data["checkins"] = [
                    columns(c)
                    for c in (
                        await session.execute(
                            select(Checkin).where(Checkin.member_id == member.id).order_by(Checkin.created_at)
                        )
                    ).scalars()
                ]
                data["self_tests"] = [
                    columns(t)
                    for t in (
                        await session.execute(
                            select(TestResult)
                            .where(TestResult.member_id == member.id)
                            .order_by(TestResult.created_at)
                        )
                    ).scalars()
                ]
                standup = (
                    await session.execute(select(Standup).where(Standup.member_id == member.id))
                ).scalar_one_or_none()
                data["standup_reminders"] = columns(standup) if standup is not None else None
                progression = (
                    await session.execute(select(MemberProgression).where(MemberProgression.member_id == member.id))
                ).scalar_one_or_none()
                data["progression"] = columns(progression) if progression is not None else None
                data["archived_boards"] = await self._archived_lines(session, member)
                data.update(await keeping_at_it_export(session, member))
        return json.dumps(data, indent=2).encode()

    async def _archived_lines(self, session: Any, member: Member) -> list[dict[str, Any]]:
        """The member's own line in each frozen board of the club."""
        archives = (
            await session.execute(
                select(BoardArchive).where(BoardArchive.club_id == member.club_id).order_by(BoardArchive.period_key)
            )
        ).scalars()
        lines = []
        for archive in archives:
            for row in archive.board.get("rows", []):
                if row.get("member_id") == member.id:
                    line = {k: v for k, v in row.items() if k != "member_id"}
                    lines.append({"period_key": archive.period_key, "archived_at": _iso(archive.created_at), **line})
        return lines

    async def forget(self, who: Who) -> Forgotten:
        """Delete every row about the member in this club, including their lines in archived boards."""
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
            if member is None:
                return Forgotten(0, 0)
            assert member.id is not None
            checkins = (
                await session.execute(select(func.count()).where(Checkin.member_id == member.id))
            ).scalar_one()
            tests = (
                await session.execute(select(func.count()).where(TestResult.member_id == member.id))
            ).scalar_one()
            await _scrub_archives(session, member.club_id, {member.id})
            # A winner role they hold is taken back: the claim outlives the member's rows.
            await forget_holder(session, member, self._clock.now())
            # Rows hanging off the member go with it (ON DELETE CASCADE: running totals too);
            # progression is named to be sure.
            await session.execute(delete(MemberProgression).where(MemberProgression.member_id == member.id))
            await session.execute(delete(Member).where(Member.id == member.id))
            await session.commit()
        self._rows.drop_member(who.guild_id, who.user_id)
        return Forgotten(checkins=int(checkins), test_results=int(tests))

    async def member_joined(self, guild_id: int, user_id: int) -> None:
        """A member who left and came back is on the boards again (and out of reach of purge-left)."""
        await self._set_left(guild_id, user_id, left=False)

    async def member_left(self, guild_id: int, user_id: int) -> None:
        """Keep the history, but take the member off the boards."""
        await self._set_left(guild_id, user_id, left=True)

    async def _set_left(self, guild_id: int, user_id: int, *, left: bool) -> None:
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            if club is None:
                return
            now_in = Member.left_at.is_(None) if left else Member.left_at.is_not(None)
            await session.execute(
                update(Member)
                .where(Member.club_id == club.id, Member.user_id == user_id, now_in)
                .values(left_at=self._clock.now() if left else None)
            )
            await session.commit()
        self._rows.drop_member(guild_id, user_id)

    async def purge_left(self, guild_id: int) -> int:
        """Delete members who left the server, with all their rows. Returns how many."""
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            if club is None:
                return 0
            # Running totals go with the member rows (ON DELETE CASCADE).
            gone = set(
                (
                    await session.execute(
                        select(Member.id).where(Member.club_id == club.id, Member.left_at.is_not(None))
                    )
                ).scalars()
            )
            if not gone:
                await session.commit()
                return 0
            assert club.id is not None
            await _scrub_archives(session, club.id, gone)
            # Winner role holders among them have the role taken back (the claims outlive the members).
            await forget_holders(session, club.id, sorted(gone), self._clock.now())
            await session.execute(delete(Member).where(Member.id.in_(gone)))
            await session.commit()
            self._rows.drop_guild_members(guild_id)
            return len(gone)
