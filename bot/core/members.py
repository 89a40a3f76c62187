"""Who is acting, and the step every member-facing service starts with: make sure club and member exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from bot.core.errors import NotFound, TryAgain
from bot.db.models import Club, Member
from bot.db.repo import ensure_club, ensure_member, get_member
from bot.i18n import N_

# A button in a DM pressed by someone the club keeps no row for (they used `/privacy forget`).
FORGOTTEN = N_(
    "Nothing is stored about you in that server's club any more, and a button in a DM does not start it again. "
    "Use a command or a button in the server to take part."
)
# The member's row went away (forgotten or purged) between this action's read and its write.
CHANGED_MEANWHILE = N_("Your club records changed at the same moment (were they just deleted?). Please try again.")


@dataclass(frozen=True)
class Who:
    """The member as Discord shows them right now."""

    guild_id: int
    user_id: int
    display_name: str
    role_ids: tuple[int, ...] = ()
    # False when the interaction does not show the member is in the server now (a button in a DM).
    in_server: bool = True
    # The member's Discord locale on this interaction ("de", "es-ES"); None when it is not known (a job).
    locale: str | None = None


async def ensure_club_and_member(session: AsyncSession, who: Who, now: datetime) -> tuple[Club, Member]:
    """Club and member rows for ``who`` (created on first use), with the name and roles snapshot refreshed.

    A button in a DM (``who.in_server`` False) creates no member: a forgotten member stays forgotten."""
    club = await ensure_club(session, who.guild_id, now)
    if not who.in_server:
        assert club.id is not None
        if await get_member(session, club.id, who.user_id) is None:
            raise NotFound(FORGOTTEN)
    try:
        member = await ensure_member(session, club, who.user_id, who.display_name, now, in_server=who.in_server,
                                     locale=who.locale)
        roles = ",".join(str(r) for r in sorted(who.role_ids))
        if member.role_ids != roles:
            member.role_ids = roles
            session.add(member)
            await session.flush()
    except StaleDataError:
        # The row was read, then deleted by another transaction (the member's own /privacy forget, or a
        # purge) before this one wrote to it: nothing is half done, and the same action again starts afresh.
        raise TryAgain(CHANGED_MEANWHILE) from None
    return club, member
