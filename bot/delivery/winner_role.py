"""The weekly winner role on Discord: checks at setup, and handing it over after each board post."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import discord

from bot.core.clock import Clock
from bot.core.club_posts import ClubPost, PostKind
from bot.core.errors import InvalidInput
from bot.core.sending import RETRY_DELAYS
from bot.core.winner_role import KIND, RoleChange, WinnerRoleService, validate_winners
from bot.db.engine import SessionFactory
from bot.delivery.discord_output import DiscordOutput, translate
from bot.i18n import N_, Languages, Texts
from bot.render.winner_role import winner_role_cleared_text, winner_role_saved_text
from bot.scheduling.claim_source import ClaimSource
from bot.scheduling.due import DueJob

log = logging.getLogger(__name__)

REASON = "gluteclub weekly winner role"


_NO_PERMISSION = N_(
    "I need the **Manage Roles** permission to hand out the winner role: give it to my role "
    "{mine} in Server Settings → Roles."
)
_TOO_HIGH = N_(
    "{role} is not below my highest role {mine}, so Discord won't let me give it. "
    "Drag {mine} above {role} in Server Settings → Roles."
)
_BOTH = N_(
    "I need the **Manage Roles** permission to hand out the winner role: give it to my role "
    "{mine} in Server Settings → Roles. {role} is not below my highest role {mine}, so Discord won't let me "
    "give it. Drag {mine} above {role} in Server Settings → Roles."
)


def role_problem(guild: discord.Guild, role: discord.Role) -> InvalidInput | None:
    """Precisely what stops the bot from handing ``role`` out (an error to show in the admin's language),
    or None."""
    if role.is_default():
        return InvalidInput(N_("@everyone can't be a winner role: pick or create a role of its own."))
    if role.managed:
        return InvalidInput(N_("{role} is managed by an integration, so no one can hand it out. Pick another role."),
                            role=role.mention)
    me = guild.me
    no_permission = not me.guild_permissions.manage_roles
    too_high = role.position >= me.top_role.position
    if no_permission and too_high:
        return InvalidInput(_BOTH, mine=me.top_role.mention, role=role.mention)
    if no_permission:
        return InvalidInput(_NO_PERMISSION, mine=me.top_role.mention)
    if too_high:
        return InvalidInput(_TOO_HIGH, mine=me.top_role.mention, role=role.mention)
    return None


class WinnerRoles:
    """Applies the service's role changes through Discord's REST API (no member cache needed)."""

    def __init__(self, bot: discord.Client, service: WinnerRoleService) -> None:
        self.bot = bot
        self.service = service
        # Callers that do not say the admin's language get English: no catalogue needed for it.
        self.english = Languages(Path(os.devnull)).english

    async def validate(self, guild: discord.Guild, role: discord.Role | None, winners: int | None) -> None:
        """Refuse bad options before anything is saved."""
        validate_winners(winners)
        if role is None:
            setting = await self.service.get(guild.id)
            if setting is None:
                raise InvalidInput(N_("Pick the `winner_role` as well: `winners` alone has no role to give."))
            role = guild.get_role(setting.role_id)
            if role is None:
                raise InvalidInput(N_("The winner role set earlier no longer exists: pick a new `winner_role`."))
        problem = role_problem(guild, role)
        if problem:
            raise problem

    async def configure(self, guild_id: int, role: discord.Role | None, winners: int | None,
                        tr: Texts | None = None) -> str:
        """Save the setting; the answer is in ``tr``'s language (the admin's), English without."""
        if role is None:
            current = await self.service.get(guild_id)
            assert current is not None  # validate() made sure
            role_id = current.role_id
            winners = winners if winners is not None else current.winners
        else:
            role_id = role.id
        setting = await self.service.configure(guild_id, role_id, winners)
        return winner_role_saved_text(tr or self.english, setting)

    async def clear(self, guild_id: int, tr: Texts | None = None) -> str:
        changes = await self.service.clear(guild_id)
        await self.run_changes()
        failed = await self.service.still_held(changes)
        return winner_role_cleared_text(tr or self.english, changes, failed)

    async def run_changes(self) -> None:
        """Make the scheduled role changes now (the due tick would within a minute)."""
        due = getattr(self.bot, "due", None)
        if due is not None:
            await due.run(KIND)

    def wrap(self, send: Any) -> WinnerRoleSender:
        """A post sender that, after a weekly board went out, hands the winner role over."""
        return WinnerRoleSender(send, self)


class WinnerRoleSender:
    """The weekly post sender, plus the winner role's hand-over after each board post."""

    def __init__(self, inner: Any, roles: WinnerRoles) -> None:
        self._inner = inner
        self._roles = roles

    async def __call__(self, post: ClubPost) -> int:
        message_id: int = await self._inner(post)
        return message_id

    async def after_sent(self, post: ClubPost) -> None:
        """After a board is out (sent, or found in the channel after an ambiguous failure): the winners."""
        if post.kind is not PostKind.LEADERBOARD or post.board is None:
            return
        try:
            if await self._roles.service.rotate(post.guild_id, post.board) is not None:
                await self._roles.run_changes()
        except Exception:
            # The board is out and its claim says so; the changes are claims and go out on the next tick.
            log.exception("handing over the winner role in guild %s failed", post.guild_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def role_job(
    bot: discord.Client, service: WinnerRoleService, output: DiscordOutput, sessions: SessionFactory, clock: Clock,
    retry_delays: Sequence[float] = RETRY_DELAYS,
) -> DueJob[RoleChange]:
    """The winner role's changes as send-once claims: each through the shared pacer, a transient failure tried
    again in the tick and then later with a growing wait (an add also after a refusal), a refused removal
    recorded (and tried again at the next board)."""

    async def deliver(change: RoleChange) -> None:
        http = bot.http
        try:
            async with output.pacer.slot():
                if change.add:
                    await http.add_role(change.guild_id, change.user_id, change.role_id, reason=REASON)
                else:
                    await http.remove_role(change.guild_id, change.user_id, change.role_id, reason=REASON)
        except discord.NotFound:
            pass  # the member left the server (or the role is gone): nothing to change any more
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
            raise translate(error, f"the role {change.role_id} of user {change.user_id}") from error
        if not change.add:
            await service.removed(change)

    # A refused add (the role above the bot's, Manage Roles missing) is tried again later like a transient
    # failure, until an admin fixes it or the attempts run out; a refused removal waits for the next board.
    source = ClaimSource(KIND, _nothing_new, _never, service.rebuild, _no_dms, sessions, clock,
                         again=lambda change, _state: change.add)
    return DueJob(KIND, source, deliver, retry_delays=retry_delays,
                  describe=lambda c: f"{'giving' if c.add else 'taking'} role {c.role_id} of user {c.user_id}")


async def _nothing_new(_now: datetime, _limit: int) -> list[RoleChange]:
    return []  # every change is scheduled as a claim when it is decided


async def _never(_now: datetime) -> bool:
    return False


async def _no_dms(_change: RoleChange) -> bool:
    return False
