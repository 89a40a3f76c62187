"""The stand-up reminder DM with its buttons, written in the member's language (their stored Discord locale,
then the club's language, then English); the closed-DM notice in the club's channel is in the club's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import discord

from bot.core.delivery import ChannelNotice
from bot.core.standup_state import DueReminder
from bot.delivery.discord_output import DiscordOutput
from bot.i18n import Languages, Texts
from bot.render.standups import button_labels, dm_closed_text, reminder_text

DynamicButton = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]


class StandupDmSender:
    """Delivers stand-up reminder DMs; ``buttons`` are Stood up, Snooze, Skip today, in that order."""

    def __init__(self, output: DiscordOutput, buttons: Sequence[DynamicButton], languages: Languages) -> None:
        self.output = output
        self.buttons = list(buttons)
        self.languages = languages

    def texts(self, due: DueReminder) -> Texts:
        return self.languages.texts(due.locale, due.club_language)

    def view(self, tr: Texts, guild_id: int, user_id: int) -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        labels = list(button_labels(tr).values())
        for button, label in zip(self.buttons, labels, strict=True):
            view.add_item(button(guild_id, user_id, label))  # type: ignore[call-arg]
        return view

    async def __call__(self, due: DueReminder) -> int:
        tr = self.texts(due)
        view = self.view(tr, due.guild_id, due.user_id)
        message = await self.output.dm(due.user_id, content=reminder_text(tr, due), view=view, nonce=due.nonce)
        return message.id

    async def find(self, due: DueReminder, since: datetime) -> int | None:
        """The id of this reminder's DM if an earlier attempt delivered it after all (by its nonce)."""
        text = reminder_text(self.texts(due), due)
        return await self.output.find_dm(due.user_id, due.nonce, since, lambda m: m.content == text)

    def closed_dm_notice(self, due: DueReminder) -> ChannelNotice | None:
        if due.channel_id is None:
            return None
        tr = self.languages.texts(due.club_language)
        return ChannelNotice(due.channel_id, dm_closed_text(tr, due.user_id), due.user_id)

    @staticmethod
    def describe(due: DueReminder) -> str:
        return f"reminder {due.standup_id} for user {due.user_id}"
