"""Which picture goes with which answer or post; the drawing itself is in bot/pictures."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.core.club_posts import ClubPost, PostKind
from bot.core.history import HistoryService
from bot.core.routines import WeekPlan
from bot.discord_ui.views import picture_kwargs
from bot.i18n import ENGLISH, Texts
from bot.pictures.service import Picture, PictureService
from bot.render.chart_words import club_title, club_words

log = logging.getLogger(__name__)


async def plan_picture(pictures: PictureService, plan: WeekPlan, timeout: float | None = None,
                       tr: Texts = ENGLISH) -> Picture | None:
    """The plan's moves side by side, numbered as the embed lists them (the lead-in first); the alt text in the
    language of ``tr``, the plan's (its names are already in it)."""
    items = ([plan.lead_in] if plan.lead_in is not None else []) + list(plan.items)
    extra = {"timeout": timeout} if timeout is not None else {}
    return await pictures.routine_strip([i.slug for i in items], [i.name for i in items], texts=tr, **extra)


class PostPictures:
    """The picture of a weekly post: the routine's moves, or the club's last 12 weeks under the board."""

    def __init__(self, pictures: PictureService, history: HistoryService) -> None:
        self.pictures = pictures
        self.history = history

    async def picture(self, post: ClubPost, tr: Texts = ENGLISH) -> Picture | None:
        """The post's picture, its words in ``tr``'s language (the club's)."""
        if post.kind is PostKind.ROUTINE and post.plan is not None:
            return await plan_picture(self.pictures, post.plan, tr=tr)
        if post.kind is PostKind.LEADERBOARD:
            weeks = await self.history.club_weeks(post.guild_id)
            return await self.pictures.club_chart(post.guild_id, club_title(tr), weeks, club_words(tr, weeks))
        return None

    async def kwargs_for(self, post: ClubPost, embed: discord.Embed, tr: Texts = ENGLISH) -> dict[str, Any]:
        """Send arguments that attach the post's picture as ``embed``'s image; empty without one."""
        try:
            picture = await self.picture(post, tr)
        except Exception:
            log.exception("the picture of the %s post of guild %s failed; it goes out without", post.kind,
                          post.guild_id)
            picture = None
        return picture_kwargs(picture, embed)
