"""Interaction helpers the cogs share: who is asking, who may manage the club, guarded button callbacks,
answering within Discord's 3 s."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.core.errors import NotAllowed
from bot.core.members import Who
from bot.core.timeutil import DAY_NAMES, suggest_timezones
from bot.i18n import N_
from bot.render.limits import AUTOCOMPLETE_MAX
from bot.tree import guard, texts_for, texts_of

__all__ = ["texts_for", "texts_of"]

T = TypeVar("T")

# How long a press may wait for its result before the bot defers and follows up instead
# (Discord drops an interaction not answered within 3 s).
ANSWER_BUDGET_S = 1.5

DAY_CHOICES = [app_commands.Choice(name=d.title(), value=d) for d in DAY_NAMES]


def who_from(interaction: discord.Interaction) -> Who:
    """The member behind an interaction, with their Discord locale; only usable inside a server. The services
    that ensure the member's row store the locale, so the DMs a job sends later (stand-ups, nudges, re-tests)
    are written in the member's language."""
    if interaction.guild_id is None:
        raise NotAllowed(N_("That works inside your club's server, not in direct messages."))
    user = interaction.user
    roles: tuple[int, ...] = ()
    if isinstance(user, discord.Member):
        roles = tuple(role.id for role in user.roles if role.id != interaction.guild_id)
    return Who(
        guild_id=interaction.guild_id, user_id=user.id, display_name=user.display_name, role_ids=roles,
        locale=str(interaction.locale) if interaction.locale else None,
    )



def require_manager(interaction: discord.Interaction) -> None:
    """Run-time check on top of default_permissions: server owners can re-grant commands to anyone."""
    if interaction.guild_id is None:
        raise NotAllowed(N_("Club settings live in a server, not in direct messages."))
    if not interaction.permissions.manage_guild:
        raise NotAllowed(N_("Only members with **Manage Server** can change the club's settings."))


async def timezone_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for a time-zone option."""
    return [app_commands.Choice(name=n, value=n) for n in suggest_timezones(current[:64], AUTOCOMPLETE_MAX)]


def guarded(
    callback: Callable[..., Awaitable[None]],
) -> Callable[..., Awaitable[None]]:
    """Give a button callback the same friendly error handling as slash commands."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction, *args: Any) -> None:
        await guard(interaction, callback(self, interaction, *args))

    return wrapper


async def answer_soon(
    interaction: discord.Interaction, work: Awaitable[dict[str, Any]], *, budget: float = ANSWER_BUDGET_S
) -> None:
    """Answer with the result in one callback when ``work`` finishes within ``budget``; else defer, then follow up.

    ``work`` gives the reply's keyword arguments (content, view…). The reply is ephemeral either way.
    An error from ``work`` propagates (to the friendly error handler), after any deferral has gone out.

    The work runs in this task; a timer sends the deferral if the budget runs out first. That is one timer
    per press, where a task of its own and a wait on it cost several objects and loop turns on the path
    every member's press takes.
    """
    loop = asyncio.get_running_loop()
    deferral: asyncio.Task[Any] | None = None

    def defer() -> None:
        nonlocal deferral
        deferral = loop.create_task(interaction.response.defer(ephemeral=True, thinking=True),
                                    name="answer-soon-defer")

    timer = loop.call_later(budget, defer)
    try:
        reply = await work
    except BaseException:
        timer.cancel()
        if deferral is not None:
            # The error's reply goes as a follow-up when the deferral went out: let it land first.
            await asyncio.gather(deferral, return_exceptions=True)
        raise
    timer.cancel()
    if deferral is None:
        await interaction.response.send_message(**reply, ephemeral=True)
        return
    await deferral
    await interaction.followup.send(**reply, ephemeral=True)
