"""What the scheduler side sends for a club: the weekly club post, rendered in the club's language and
delivered through :class:`~bot.delivery.discord_output.DiscordOutput`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import discord

from bot.core.club_posts import ClubPost, PostKind
from bot.core.delivery import DeliveryError, Problem
from bot.delivery.discord_output import DiscordOutput
from bot.discord_ui.pictures import PostPictures
from bot.discord_ui.views import button_row_view, labelled
from bot.i18n import ENGLISH, Languages, Texts
from bot.render.club import post_content, post_embed, post_problem_text

DynamicButton = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]

log = logging.getLogger(__name__)


class ClubPostSender:
    """Sends a weekly post to its club's channel; finds it again after an ambiguous failure."""

    def __init__(
        self, output: DiscordOutput, done_button: DynamicButton, pictures: PostPictures | None = None,
        languages: Languages | None = None,
    ) -> None:
        self.output = output
        self.done_button = done_button
        self.pictures = pictures
        self.languages = languages
        # Each club's language as its last post had it: the DM about a post only an admin can fix is in it.
        self._club_language: dict[int, str | None] = {}

    def texts(self, language: str | None) -> Texts:
        """A post's texts: the club's language (English when it has none, or no catalogues are given)."""
        if self.languages is None or not language:
            return ENGLISH
        return self.languages.texts(language)

    async def __call__(self, post: ClubPost) -> int:
        mentions = discord.AllowedMentions(roles=[discord.Object(post.role_id)] if post.role_id else False,
                                           everyone=False, users=False)
        self._club_language[post.guild_id] = post.language
        tr = self.texts(post.language)
        embed = post_embed(post, tr)
        kwargs: dict[str, Any] = {"content": post_content(post, tr), "embed": embed, "allowed_mentions": mentions}
        if post.nonce:
            kwargs["nonce"] = post.nonce
        if post.kind is PostKind.ROUTINE:
            # Not listening: the registered Done button routes its clicks, so the post's view is not stored.
            # Its label in the club's language; the custom id is the same in every language.
            kwargs["view"] = button_row_view(labelled(self.done_button(), tr))
        if self.pictures is not None:
            kwargs.update(await self.pictures.kwargs_for(post, embed, tr))
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
        title = post_embed(post, self.texts(post.language)).title

        def looks_like(message: discord.Message) -> bool:
            return any(embed.title == title for embed in message.embeds)

        return await self.output.find_post(post.channel_id, post.nonce or "", since, looks_like, post.guild_id)

    async def tell_admin(self, user_id: int, guild_id: int, reason: str, language: str | None = None) -> None:
        guild = self.output.bot.get_guild(guild_id)
        tr = self.texts(language or self._club_language.get(guild_id))
        text = post_problem_text(guild.name if guild else tr.t("your server"), reason, tr)
        await self.output.dm(user_id, content=text, allowed_mentions=discord.AllowedMentions.none())

