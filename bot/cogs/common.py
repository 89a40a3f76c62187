"""Helpers the cogs share: who is asking, guarded button callbacks."""

from __future__ import annotations

import functools
import io
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

from bot.core.errors import NotAllowed
from bot.core.members import Who
from bot.pictures.service import Picture
from bot.tree import handle_interaction_error

T = TypeVar("T")


def who_from(interaction: discord.Interaction) -> Who:
    """The member behind an interaction; only usable inside a server."""
    if interaction.guild_id is None:
        raise NotAllowed("That works inside your club's server, not in direct messages.")
    user = interaction.user
    roles: tuple[int, ...] = ()
    if isinstance(user, discord.Member):
        roles = tuple(role.id for role in user.roles if role.id != interaction.guild_id)
    return Who(guild_id=interaction.guild_id, user_id=user.id, display_name=user.display_name, role_ids=roles)


def guarded(
    callback: Callable[..., Awaitable[None]],
) -> Callable[..., Awaitable[None]]:
    """Give a button callback the same friendly error handling as slash commands."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction, *args: Any) -> None:
        try:
            await callback(self, interaction, *args)
        except Exception as error:
            await handle_interaction_error(interaction, error)

    return wrapper


def button_row_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of DynamicItem buttons, ready to send and not listening itself.

    The bot registers its DynamicItems once at start and discord.py routes their clicks by custom id, so the
    view needs no listener. A listening view sent ephemerally would also get a 15-minute timeout task that
    outlives the bot's close.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


def picture_kwargs(picture: Picture | None, embed: discord.Embed | None = None) -> dict[str, Any]:
    """Send arguments for a picture: attached with its alt text, and shown as ``embed``'s image.

    Empty when there is no picture (rendering failed or none exists): the text goes out alone.
    """
    if picture is None:
        return {}
    if embed is not None:
        embed.set_image(url=f"attachment://{picture.filename}")
    return {"file": discord.File(io.BytesIO(picture.data), filename=picture.filename, description=picture.description)}
