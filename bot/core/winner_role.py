"""The weekly winner role: who should hold it after a week's board, and who held it before.

The weekly leaderboard post is claimed exactly once per club and week; right after it is sent,
:meth:`WinnerRoleService.rotate` works out the week's winners (rank ≤ ``winners``, so ties are
included; at least one point; never hidden, gone, or holding an excluded role), stores them as
the holders, and returns whom to give the role to and whom to take it from.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.errors import InvalidInput, NotFound
from bot.core.leaderboard import Board
from bot.db.engine import SessionFactory
from bot.db.models import Club, Member, WinnerHolder, WinnerRole
from bot.db.repo import ensure_club, get_club

WINNERS_MIN = 1
WINNERS_MAX = 10
DEFAULT_WINNERS = 1


@dataclass(frozen=True)
class WinnerSetting:
    role_id: int
    winners: int


@dataclass(frozen=True)
class RoleChanges:
    """What the Discord side does after a board post: add the role to ``add``, take it from ``remove``."""

    guild_id: int
    role_id: int
    add: tuple[int, ...]
    remove: tuple[int, ...]
    period_key: str


def validate_winners(winners: int | None) -> int:
    if winners is None:
        return DEFAULT_WINNERS
    if not WINNERS_MIN <= winners <= WINNERS_MAX:
        raise InvalidInput(
            f"The winner role goes to the top {WINNERS_MIN} to {WINNERS_MAX} members; `{winners}` is outside that."
        )
    return winners


def _excluded(member: Member, club: Club) -> bool:
    excluded = {r for r in club.excluded_role_ids.split(",") if r}
    return bool(excluded & {r for r in member.role_ids.split(",") if r})


class WinnerRoleService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def get(self, guild_id: int) -> WinnerSetting | None:
        async with self._sessions() as session:
            row = await self._setting(session, guild_id)
            return WinnerSetting(row.role_id, row.winners) if row else None

    async def configure(self, guild_id: int, role_id: int, winners: int | None) -> WinnerSetting:
        """Set (or change) the role; a changed role leaves the old one with its holders until cleared."""
        count = validate_winners(winners)
        now = self._clock.now()
        async with self._sessions() as session:
            club = await ensure_club(session, guild_id, now)
            row = await self._setting(session, guild_id)
            if row is None:
                assert club.id is not None
                row = WinnerRole(club_id=club.id, role_id=role_id, winners=count, updated_at=now)
            elif row.role_id != role_id:
                # Holders of the old role are no longer tracked: the new role starts fresh next week.
                await session.execute(delete(WinnerHolder).where(WinnerHolder.club_id == club.id))
            row.role_id = role_id
            row.winners = count
            row.updated_at = now
            session.add(row)
            await session.commit()
            return WinnerSetting(row.role_id, row.winners)

    async def clear(self, guild_id: int) -> RoleChanges:
        """Stop the winner role; returns the current holders, from whom the role is taken."""
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            row = await self._setting(session, guild_id)
            if club is None or row is None:
                raise NotFound("No winner role is set up. `/club setup winner_role:` sets one.")
            holders = await _holder_user_ids(session, club)
            await session.execute(delete(WinnerHolder).where(WinnerHolder.club_id == club.id))
            await session.delete(row)
            await session.commit()
            return RoleChanges(guild_id, row.role_id, add=(), remove=tuple(holders), period_key="")

    async def rotate(self, guild_id: int, board: Board) -> RoleChanges | None:
        """Store this board's winners as the holders; None when the club has no winner role."""
        now = self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            setting = await self._setting(session, guild_id)
            if club is None or setting is None:
                return None
            ranked = [r.member_id for r in board.rows if r.rank <= setting.winners and r.points > 0]
            members = (
                (await session.execute(select(Member).where(Member.id.in_(ranked)))).scalars().all() if ranked else []
            )
            # Checked again now, not only when the board was built: hiding takes effect at once.
            winners = {
                m.id: m.user_id for m in members if not m.hidden and m.left_at is None and not _excluded(m, club)
            }
            before = await _holder_user_ids(session, club)
            await session.execute(delete(WinnerHolder).where(WinnerHolder.club_id == club.id))
            assert club.id is not None
            for member_id in winners:
                assert member_id is not None
                session.add(WinnerHolder(club_id=club.id, member_id=member_id, period_key=board.period_key,
                                         granted_at=now))
            await session.commit()
        new = set(winners.values())
        return RoleChanges(
            guild_id, setting.role_id, add=tuple(sorted(new)), remove=tuple(sorted(set(before) - new)),
            period_key=board.period_key,
        )

    async def _setting(self, session: AsyncSession, guild_id: int) -> WinnerRole | None:
        result = await session.execute(
            select(WinnerRole).join(Club, Club.id == WinnerRole.club_id).where(Club.guild_id == guild_id)
        )
        return result.scalar_one_or_none()


async def _holder_user_ids(session: AsyncSession, club: Club) -> list[int]:
    rows = await session.execute(
        select(Member.user_id).join(WinnerHolder, WinnerHolder.member_id == Member.id)
        .where(WinnerHolder.club_id == club.id)
    )
    return [user_id for (user_id,) in rows]
