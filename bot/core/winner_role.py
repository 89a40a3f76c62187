"""The weekly winner role: who should hold it after a week's board, and who held it before.

The weekly leaderboard post is claimed exactly once per club and week; right after it is out (sent, or
found in the channel after an ambiguous failure), :meth:`WinnerRoleService.rotate` works out the week's
winners (rank ≤ ``winners``, so ties are included; at least one point; never hidden, gone, or holding an
excluded role), stores them as the holders, and schedules each change as a send-once claim (kind
``winner_role``, :mod:`bot.db.send_claims`): one per member, role and week, with its attempts and outcome.
A removal that failed (the role above the bot's for a while) is scheduled again at the next board until
one goes through. Changing the role moves it (taken from the holders, given anew), and a holder who uses
``/privacy forget`` has it taken away before their rows go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.delivery import Outcome
from bot.core.errors import InvalidInput, NotFound
from bot.core.leaderboard import Board
from bot.db import send_claims
from bot.db.engine import SessionFactory
from bot.db.models import Club, Member, SendClaim, WinnerHolder, WinnerRole
from bot.db.repo import ensure_club, get_club
from bot.db.send_claims import Claim, ClaimKey
from bot.i18n import N_

KIND = "winner_role"

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


@dataclass(frozen=True)
class RoleChange:
    """One claimed change on Discord: give (``add``) or take the role of one user."""

    claim: Claim
    club_id: int
    guild_id: int
    user_id: int
    role_id: int
    add: bool


def change_key(role_id: int, add: bool, tag: str) -> str:
    """The claim's period: ``+role:week`` or ``-role:week`` (a week key, or a moment for a change by hand)."""
    return f"{'+' if add else '-'}{role_id}:{tag}"


def _parse_key(key: str) -> tuple[int, bool, str]:
    role, _, tag = key[1:].partition(":")
    return int(role), key.startswith("+"), tag


def moment_tag(now: datetime) -> str:
    """A short tag for changes made by hand (clear, a new role, forget): base 36 of the second."""
    n, digits = int(now.timestamp()), ""
    while n:
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
    return "t" + (digits or "0")


async def schedule_changes(
    session: AsyncSession, club_id: int, changes: Sequence[tuple[int, int, bool]], tag: str, now: datetime
) -> None:
    """Schedule (user id, role id, add) changes as claims due now; the caller commits."""
    keys = [ClaimKey(user_id, change_key(role_id, add, tag), club_id=club_id) for user_id, role_id, add in changes]
    await send_claims.schedule(session, KIND, keys, now)


async def _unsettled_removals(session: AsyncSession, club_id: int) -> dict[int, int]:
    """Users whose last removal failed: {user id: role id}. They may still hold the role."""
    rows = await session.execute(
        select(SendClaim.subject_id, SendClaim.period_key).where(
            SendClaim.kind == KIND, SendClaim.club_id == club_id, SendClaim.period_key.like("-%"),
            SendClaim.status == Outcome.FAILED.value,
        )
    )
    return {user_id: _parse_key(key)[0] for user_id, key in rows}


async def forget_holder(session: AsyncSession, member: Member, now: datetime) -> None:
    """Before a member's rows are deleted: take back the winner role they hold (the claim outlives them)."""
    await forget_holders(session, member.club_id, [member.id] if member.id is not None else [], now)


async def forget_holders(session: AsyncSession, club_id: int, member_ids: Sequence[int], now: datetime) -> None:
    """Before these members' rows are deleted (forget, purge-left): take back the winner role they hold."""
    if not member_ids:
        return
    held = (await session.execute(
        select(Member.user_id, WinnerHolder.role_id).join(Member, Member.id == WinnerHolder.member_id)
        .where(WinnerHolder.member_id.in_(member_ids))  # type: ignore[attr-defined]
    )).all()
    changes = [(user_id, role_id, False) for user_id, role_id in held if role_id is not None]
    await schedule_changes(session, club_id, changes, moment_tag(now), now)


def validate_winners(winners: int | None) -> int:
    if winners is None:
        return DEFAULT_WINNERS
    if not WINNERS_MIN <= winners <= WINNERS_MAX:
        raise InvalidInput(
            N_("The winner role goes to the top {low} to {high} members; `{winners}` is outside that."),
            low=WINNERS_MIN, high=WINNERS_MAX, winners=winners,
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
                # The role moves: taken from its holders, given to them anew.
                assert club.id is not None
                held = (await session.execute(
                    select(Member.user_id, WinnerHolder.role_id).join(Member, Member.id == WinnerHolder.member_id)
                    .where(WinnerHolder.club_id == club.id)
                )).all()
                changes = [(user_id, old or row.role_id, False) for user_id, old in held]
                changes += [(user_id, role_id, True) for user_id, _old in held]
                await schedule_changes(session, club.id, changes, moment_tag(now), now)
                await session.execute(
                    update(WinnerHolder).where(WinnerHolder.club_id == club.id).values(role_id=role_id)
                )
            row.role_id = role_id
            row.winners = count
            row.updated_at = now
            session.add(row)
            await session.commit()
            return WinnerSetting(row.role_id, row.winners)

    async def clear(self, guild_id: int) -> RoleChanges:
        """Stop the winner role; returns the current holders, from whom the role is taken (scheduled)."""
        now = self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            row = await self._setting(session, guild_id)
            if club is None or club.id is None or row is None:
                raise NotFound(N_("No winner role is set up. `/club setup winner_role:` sets one."))
            holders = await _holder_user_ids(session, club)
            tag = moment_tag(now)
            await schedule_changes(session, club.id, [(u, row.role_id, False) for u in holders], tag, now)
            await session.execute(delete(WinnerHolder).where(WinnerHolder.club_id == club.id))
            await session.delete(row)
            await session.commit()
            return RoleChanges(guild_id, row.role_id, add=(), remove=tuple(holders), period_key=tag)

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
            assert club.id is not None
            # Members whose removal failed before may still hold a role: taken again now.
            stuck = await _unsettled_removals(session, club.id)
            await session.execute(delete(WinnerHolder).where(WinnerHolder.club_id == club.id))
            for member_id in winners:
                assert member_id is not None
                session.add(WinnerHolder(club_id=club.id, member_id=member_id, period_key=board.period_key,
                                         role_id=setting.role_id, granted_at=now))
            new = set(winners.values())
            add = sorted(set(winners.values()) - set(before))
            remove = dict.fromkeys(set(before) - new, setting.role_id)
            remove.update({u: role for u, role in stuck.items() if u not in new or role != setting.role_id})
            changes = [(u, setting.role_id, True) for u in add] + [(u, r, False) for u, r in remove.items()]
            await schedule_changes(session, club.id, changes, board.period_key, now)
            await session.commit()
        return RoleChanges(
            guild_id, setting.role_id, add=tuple(add), remove=tuple(sorted(remove)), period_key=board.period_key,
        )

    async def still_held(self, changes: RoleChanges) -> int:
        """How many of these removals have not gone through (yet)."""
        async with self._sessions() as session:
            club = await get_club(session, changes.guild_id)
            if club is None:
                return 0
            keys = [change_key(changes.role_id, False, changes.period_key)]
            rows = await session.execute(
                select(SendClaim.status).where(
                    SendClaim.kind == KIND, SendClaim.club_id == club.id, SendClaim.period_key.in_(keys),
                    SendClaim.subject_id.in_(changes.remove),
                )
            )
            return sum(status != Outcome.SENT.value for (status,) in rows)

    async def rebuild(self, claims: Sequence[tuple[SendClaim, Claim]]) -> list[RoleChange]:
        """The role changes of claims due (scheduled, or taken again)."""
        clubs: dict[int, int | None] = {}
        changes = []
        async with self._sessions() as session:
            for row, claim in claims:
                if row.club_id is None:
                    continue
                if row.club_id not in clubs:
                    club = await session.get(Club, row.club_id)
                    clubs[row.club_id] = club.guild_id if club else None
                guild_id = clubs[row.club_id]
                if guild_id is None:
                    continue
                role_id, add, _tag = _parse_key(row.period_key)
                if add and claim.attempts and not await _holds(session, row.club_id, row.subject_id, role_id):
                    continue  # tried before, and no longer a winner meanwhile: nothing to give
                changes.append(RoleChange(claim, row.club_id, guild_id, row.subject_id, role_id, add))
            await session.commit()
        return changes

    async def removed(self, change: RoleChange) -> None:
        """A removal went through: earlier failed removals of that role from that user are settled by it."""
        async with self._sessions() as session:
            await session.execute(
                update(SendClaim).where(
                    SendClaim.kind == KIND, SendClaim.club_id == change.club_id,
                    SendClaim.subject_id == change.user_id, SendClaim.status == Outcome.FAILED.value,
                    SendClaim.period_key.like(f"-{change.role_id}:%"),
                ).values(status=Outcome.SKIPPED.value, error="settled by a later removal")
            )
            await session.commit()

    async def _setting(self, session: AsyncSession, guild_id: int) -> WinnerRole | None:
        result = await session.execute(
            select(WinnerRole).join(Club, Club.id == WinnerRole.club_id).where(Club.guild_id == guild_id)
        )
        return result.scalar_one_or_none()


async def _holds(session: AsyncSession, club_id: int, user_id: int, role_id: int) -> bool:
    found = await session.execute(
        select(WinnerHolder.id).join(Member, Member.id == WinnerHolder.member_id)
        .where(WinnerHolder.club_id == club_id, WinnerHolder.role_id == role_id, Member.user_id == user_id).limit(1)
    )
    return found.first() is not None


async def _holder_user_ids(session: AsyncSession, club: Club) -> list[int]:
    rows = await session.execute(
        select(Member.user_id).join(WinnerHolder, WinnerHolder.member_id == Member.id)
        .where(WinnerHolder.club_id == club.id)
    )
    return [user_id for (user_id,) in rows]
