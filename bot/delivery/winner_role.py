"""The weekly winner role on Discord: checks at setup, and handing it over after each board post."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.core.club_posts import ClubPost, PostKind
from bot.core.errors import InvalidInput
from bot.core.winner_role import RoleChanges, WinnerRoleService, validate_winners
from bot.render.winner_role import winner_role_cleared_text, winner_role_saved_text

log = logging.getLogger(__name__)

REASON = "gluteclub weekly winner role"


def role_problem(guild: discord.Guild, role: discord.Role) -> str | None:
    """Precisely what stops the bot from handing ``role`` out, or None."""
    if role.is_default():
        return "@everyone can't be a winner role: pick or create a role of its own."
    if role.managed:
        return f"{role.mention} is managed by an integration, so no one can hand it out. Pick another role."
    me = guild.me
    missing = []
    if not me.guild_permissions.manage_roles:
        missing.append(
            "I need the **Manage Roles** permission to hand out the winner role: give it to my role "
            f"{me.top_role.mention} in Server Settings → Roles."
        )
    if role.position >= me.top_role.position:
        missing.append(
            f"{role.mention} is not below my highest role {me.top_role.mention}, so Discord won't let me give it. "
            f"Drag {me.top_role.mention} above {role.mention} in Server Settings → Roles."
        )
    return " ".join(missing) or None


class WinnerRoles:
    """Applies the service's role changes through Discord's REST API (no member cache needed)."""

    def __init__(self, bot: discord.Client, service: WinnerRoleService) -> None:
        self.bot = bot
        self.service = service

    async def validate(self, guild: discord.Guild, role: discord.Role | None, winners: int | None) -> None:
        """Refuse bad options before anything is saved."""
        validate_winners(winners)
        if role is None:
            setting = await self.service.get(guild.id)
            if setting is None:
                raise InvalidInput("Pick the `winner_role` as well: `winners` alone has no role to give.")
            role = guild.get_role(setting.role_id)
            if role is None:
                raise InvalidInput("The winner role set earlier no longer exists: pick a new `winner_role`.")
        problem = role_problem(guild, role)
        if problem:
            raise InvalidInput(problem)

    async def configure(self, guild_id: int, role: discord.Role | None, winners: int | None) -> str:
        if role is None:
            current = await self.service.get(guild_id)
            assert current is not None  # validate() made sure
            role_id = current.role_id
            winners = winners if winners is not None else current.winners
        else:
            role_id = role.id
        setting = await self.service.configure(guild_id, role_id, winners)
        return winner_role_saved_text(setting)

    async def clear(self, guild_id: int) -> str:
        changes = await self.service.clear(guild_id)
        _given, failed = await self.apply(changes)
        return winner_role_cleared_text(changes, failed)

    async def apply(self, changes: RoleChanges) -> tuple[int, int]:
        """Give and take the role; returns (given, failed). Failures are logged, never raised."""
        given = failed = 0
        http = self.bot.http
        for user_id, add in [(u, False) for u in changes.remove] + [(u, True) for u in changes.add]:
            try:
                if add:
                    await http.add_role(changes.guild_id, user_id, changes.role_id, reason=REASON)
                    given += 1
                else:
                    await http.remove_role(changes.guild_id, user_id, changes.role_id, reason=REASON)
            except discord.NotFound:
                continue  # the member left the server
            except discord.HTTPException as error:
                failed += 1
                log.warning("winner role %s for user %s in guild %s: HTTP %s (code %s) %s", changes.role_id,
                            user_id, changes.guild_id, error.status, error.code, error.text)
        return given, failed

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
        if post.kind is PostKind.LEADERBOARD and post.board is not None:
            try:
                changes = await self._roles.service.rotate(post.guild_id, post.board)
                if changes is not None:
                    await self._roles.apply(changes)
            except Exception:
                # The board is out and its claim must say so; the role waits for next week.
                log.exception("handing over the winner role in guild %s failed", post.guild_id)
        return message_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
