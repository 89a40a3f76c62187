"""Small data-access helpers shared by the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.db.models import Club, Member, TestResult

DISPLAY_NAME_MAX = 100


async def get_club(session: AsyncSession, guild_id: int) -> Club | None:
    result = await session.execute(select(Club).where(Club.guild_id == guild_id))
    return result.scalar_one_or_none()


async def ensure_club(session: AsyncSession, guild_id: int, now: datetime) -> Club:
    """The guild's club row, created with defaults the first time it is needed."""
    club = await get_club(session, guild_id)
    if club is not None:
        return club
    try:
        async with session.begin_nested():
            club = Club(guild_id=guild_id, created_at=now)
            session.add(club)
    except IntegrityError:
        # Another request created it first; use theirs.
        club = await get_club(session, guild_id)
        assert club is not None
    return club


async def get_member(session: AsyncSession, club_id: int, user_id: int) -> Member | None:
    result = await session.execute(
        select(Member).where(Member.club_id == club_id, Member.user_id == user_id)
    )
    return result.scalar_one_or_none()


def clean_name(display_name: str) -> str:
    """The display-name snapshot as stored."""
    return (display_name or "member").strip()[:DISPLAY_NAME_MAX] or "member"


async def ensure_member(
    session: AsyncSession, club: Club, user_id: int, display_name: str, now: datetime, *, in_server: bool = True,
    locale: str | None = None,
) -> Member:
    """The member row, its display-name snapshot refreshed.

    Only an interaction from inside the server (``in_server``) shows that a member who left is back;
    a button pressed in a DM does not, so it leaves ``left_at`` as it is. ``locale`` (the interaction's
    Discord locale) is stored when it changed, in the same flush as the name: no extra query.
    """
    name = clean_name(display_name)
    assert club.id is not None
    member = await get_member(session, club.id, user_id)
    if member is None:
        try:
            async with session.begin_nested():
                member = Member(club_id=club.id, user_id=user_id, display_name=name, locale=locale,
                                created_at=now)
                session.add(member)
        except IntegrityError:
            member = await get_member(session, club.id, user_id)
            assert member is not None
    back = in_server and member.left_at is not None
    new_locale = locale is not None and member.locale != locale
    if member.display_name != name or back or new_locale:
        member.display_name = name
        if new_locale:
            member.locale = locale
        if back:
            member.left_at = None
        session.add(member)
        await session.flush()
    return member


async def recent_test_results(session: AsyncSession, member_id: int, limit: int) -> list[TestResult]:
    """The member's self-test results, newest first."""
    result = await session.execute(
        select(TestResult)
        .where(TestResult.member_id == member_id)
        .order_by(TestResult.created_at.desc(), TestResult.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def latest_test_result(session: AsyncSession, member_id: int) -> TestResult | None:
    results = await recent_test_results(session, member_id, 1)
    return results[0] if results else None


# Keys that only link rows to each other; everything else in a row is the member's data.
LINK_COLUMNS = frozenset({"id", "member_id", "club_id"})


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def columns(row: Any) -> dict[str, Any]:
    """Every stored column of ``row`` except the links between rows, JSON-ready (``/privacy export``)."""
    table = row.__table__
    return {c.name: _plain(getattr(row, c.name)) for c in table.columns if c.name not in LINK_COLUMNS}
