"""What the scheduler side sends: the weekly club post and the stand-up reminder DM, rendered and delivered
through :class:`~bot.delivery.discord_output.DiscordOutput`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import discord

from bot.core.club_posts import ClubPost, PostKind
from bot.core.delivery import ChannelNotice, DeliveryError, Problem
from bot.core.standup_state import DueReminder
from bot.delivery.discord_output import DiscordOutput
from bot.discord_ui.pictures import PostPictures
from bot.discord_ui.views import button_row_view
from bot.render.club import post_content, post_embed, post_problem_text
from bot.render.standups import dm_closed_text, reminder_text

DynamicButton = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]

log = logging.getLogger(__name__)


class ClubPostSender:
    """Sends a weekly post to its club's channel; finds it again after an ambiguous failure."""

    def __init__(self, output: DiscordOutput, done_button: DynamicButton, pictures: PostPictures | None = None) -> None:
        self.output = output
        self.done_button = done_button
        self.pictures = pictures

    async def __call__(self, post: ClubPost) -> int:
        mentions = discord.AllowedMentions(roles=[discord.Object(post.role_id)] if post.role_id else False,
                                           everyone=False, users=False)
        embed = post_embed(post)
        kwargs: dict[str, Any] = {"content": post_content(post), "embed": embed, "allowed_mentions": mentions}
        if post.nonce:
            kwargs["nonce"] = post.nonce
        if post.kind is PostKind.ROUTINE:
            # Not listening: the registered Done button routes its clicks, so the post's view is not stored.
            kwargs["view"] = button_row_view(self.done_button())
        if self.pictures is not None:
            kwargs.update(await self.pictures.kwargs_for(post, embed))
        try:
            message = await self.output.post(post.channel_id, guild_id=post.guild_id, **kwargs)
        except DeliveryError as error:
            if error.problem is not Problem.NO_ACCESS or "file" not in kwargs:
                raise
            # Perhaps only Attach Files is missing there: the post goes out without its picture.
            log.info("guild %s: the post with its picture was refused; sending it without", post.guild_id)
            kwargs.pop("file")
            embed.set_image(url=None)
            message = await self.output.post(post.channel_id, guild_id=post.guild_id, **kwargs)
        return message.id

    async def find(self, post: ClubPost, since: datetime) -> int | None:
        """The id of this post if an earlier attempt created it after all."""
        title = post_embed(post).title

        def looks_like(message: discord.Message) -> bool:
            return any(embed.title == title for embed in message.embeds)

        return await self.output.find_post(post.channel_id, post.nonce or "", since, looks_like, post.guild_id)

    async def tell_admin(self, user_id: int, guild_id: int, reason: str) -> None:
        guild = self.output.bot.get_guild(guild_id)
        text = post_problem_text(guild.name if guild else "your server", reason)
        await self.output.dm(user_id, content=text, allowed_mentions=discord.AllowedMentions.none())


class ReminderSender:
    """Delivers stand-up reminder DMs with their buttons; the closed-DM notice names the member."""

    def __init__(self, output: DiscordOutput, buttons: Sequence[DynamicButton]) -> None:
        self.output = output
        self.buttons = list(buttons)

    def view(self, guild_id: int, user_id: int) -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        for button in self.buttons:
            view.add_item(button(guild_id, user_id))  # type: ignore[call-arg]
        return view

    async def __call__(self, due: DueReminder) -> int:
        view = self.view(due.guild_id, due.user_id)
        message = await self.output.dm(due.user_id, content=reminder_text(due), view=view, nonce=due.nonce)
        return message.id

    async def find(self, due: DueReminder, since: datetime) -> int | None:
        """The id of this reminder's DM if an earlier attempt delivered it after all (by its nonce)."""
        text = reminder_text(due)
        return await self.output.find_dm(due.user_id, due.nonce, since, lambda m: m.content == text)

    @staticmethod
    def closed_dm_notice(due: DueReminder) -> ChannelNotice | None:
        if due.channel_id is None:
            return None
        return ChannelNotice(due.channel_id, dm_closed_text(due.user_id), due.user_id)

    @staticmethod
    def describe(due: DueReminder) -> str:
        return f"reminder {due.standup_id} for user {due.user_id}"
