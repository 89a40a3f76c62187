"""`/standup …` and the stand-up tick: reminders by DM, with buttons that survive restarts."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import guarded, who_from
from bot.core.checkins import Who
from bot.core.errors import NotAllowed
from bot.core.standups import CLAIM_BATCH, DueReminder, StandupService
from bot.core.timeutil import suggest_timezones
from bot.render.boards import checkin_text
from bot.render.limits import AUTOCOMPLETE_MAX
from bot.render.standups import (
    dm_closed_text,
    outcome_line,
    paused_text,
    reminder_text,
    skipped_text,
    snooze_text,
    status_embed,
    turned_off_text,
    turned_on_text,
)

log = logging.getLogger(__name__)

PREFIX = "gc:su:"
# Discord's "Cannot send messages to this user": DMs closed, or no shared server.
DMS_CLOSED = 50007
# A tick keeps claiming while rows are due, but hands the rest to the next tick after this many batches.
MAX_BATCHES_PER_TICK = 20

StandupButton = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]
Action = Callable[[int, int, discord.Interaction], Awaitable[str]]


def _button_class(action: str, label: str, style: discord.ButtonStyle, act: Action) -> StandupButton:
    class Button(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=PREFIX + action + r":(?P<guild>\d{1,20}):(?P<user>\d{1,20})",
    ):
        # DMs carry no guild, so the custom id names the club as well as the owner.
        def __init__(self, guild_id: int, user_id: int) -> None:
            super().__init__(
                discord.ui.Button(label=label, style=style, custom_id=f"{PREFIX}{action}:{guild_id}:{user_id}")
            )
            self.guild_id = guild_id
            self.user_id = user_id

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
        ) -> Button:
            return cls(int(match["guild"]), int(match["user"]))

        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            if interaction.user.id != self.user_id:
                raise NotAllowed("These buttons belong to someone else's reminder.")
            await interaction.response.defer()
            outcome = await act(self.guild_id, self.user_id, interaction)
            original = interaction.message.content if interaction.message else ""
            # One press per reminder: the buttons go, the answer stays on the message.
            await interaction.edit_original_response(content=outcome_line(original, outcome), view=None)

    Button.__name__ = Button.__qualname__ = f"Standup{action.title()}Button"
    return Button


def make_standup_buttons(standups: StandupService) -> list[StandupButton]:
    """The reminder's buttons, in display order, bound to the service: Stood up, Snooze, Skip today."""

    async def stood_up(guild_id: int, user_id: int, interaction: discord.Interaction) -> str:
        who = Who(guild_id=guild_id, user_id=user_id, display_name=interaction.user.display_name, in_server=False)
        return checkin_text(await standups.stood_up(who))

    async def snooze(guild_id: int, user_id: int, interaction: discord.Interaction) -> str:
        return snooze_text(await standups.snooze(user_id, guild_id))

    async def skip(guild_id: int, user_id: int, interaction: discord.Interaction) -> str:
        return skipped_text(await standups.skip_today(user_id, guild_id))

    return [
        _button_class("up", "Stood up ✅", discord.ButtonStyle.success, stood_up),
        _button_class("snooze", "Snooze 10 min", discord.ButtonStyle.secondary, snooze),
        _button_class("skip", "Skip today", discord.ButtonStyle.secondary, skip),
    ]


def reminder_view(buttons: Sequence[StandupButton], guild_id: int, user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(button(guild_id, user_id))  # type: ignore[call-arg]
    return view


class StandupCog(commands.Cog):
    standup_group = app_commands.Group(
        name="standup", description="Reminders to stand up while you sit", guild_only=True
    )

    def __init__(
        self,
        bot: commands.Bot,
        standups: StandupService,
        buttons: Sequence[StandupButton],
        *,
        batch_size: int = CLAIM_BATCH,
    ) -> None:
        self.bot = bot
        self.standups = standups
        self.buttons = list(buttons)
        self.batch_size = batch_size
        self._ticking = asyncio.Lock()

    # -- commands ----------------------------------------------------------------------------

    @standup_group.command(name="on", description="Get a DM nudge to stand up while you sit")
    @app_commands.describe(
        every="Minutes between reminders, 20–180 (default 45)",
        start="When your sitting day starts, HH:MM (default 09:00)",
        end="When it ends, HH:MM (default 17:30)",
        days="Which days, e.g. mon-fri, mon,wed,fri, weekdays, every day (default mon-fri)",
        timezone="Your time zone, e.g. Europe/London (default the club's)",
    )
    async def turn_on(
        self,
        interaction: discord.Interaction,
        every: int | None = None,
        start: str | None = None,
        end: str | None = None,
        days: str | None = None,
        timezone: str | None = None,
    ) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await self.standups.turn_on(who, every, start, end, days, timezone)
        await interaction.followup.send(turned_on_text(settings), ephemeral=True)

    @turn_on.autocomplete("timezone")
    async def _timezone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=n) for n in suggest_timezones(current[:64], AUTOCOMPLETE_MAX)]

    @standup_group.command(name="off", description="Stop stand-up reminders (your settings are kept)")
    async def turn_off(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(turned_off_text(await self.standups.turn_off(who)), ephemeral=True)

    @standup_group.command(name="status", description="Your reminder settings, the next one, and today's stand-ups")
    async def status(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(embed=status_embed(await self.standups.status(who)), ephemeral=True)

    @standup_group.command(name="pause", description="Take a break from stand-up reminders")
    @app_commands.rename(for_="for")
    @app_commands.describe(for_="How long (default an hour)")
    @app_commands.choices(
        for_=[
            app_commands.Choice(name="1 hour", value="1h"),
            app_commands.Choice(name="the rest of today", value="today"),
            app_commands.Choice(name="a week", value="week"),
        ]
    )
    async def pause(self, interaction: discord.Interaction, for_: str = "1h") -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(paused_text(await self.standups.pause(who, for_)), ephemeral=True)

    # -- the tick ----------------------------------------------------------------------------

    async def tick(self) -> int:
        """Claim what is due and send it; returns how many reminders went out. Runs every 30 s."""
        if self._ticking.locked():
            return 0
        sent = 0
        async with self._ticking:
            for _ in range(MAX_BATCHES_PER_TICK):
                batch = await self.standups.claim_due(limit=self.batch_size)
                if batch:
                    # Concurrent sends; discord.py's rate limiter does the pacing.
                    results = await asyncio.gather(*(self._deliver(d) for d in batch), return_exceptions=True)
                    for due, result in zip(batch, results, strict=True):
                        if isinstance(result, BaseException):
                            log.error("stand-up reminder %s for user %s failed", due.standup_id, due.user_id,
                                      exc_info=result)
                        elif result:
                            sent += 1
                if not await self.standups.has_due():
                    break
        if sent:
            log.info("stand-up tick: %d reminder(s) sent", sent)
        return sent

    async def _deliver(self, due: DueReminder) -> bool:
        try:
            channel = await self._dm_channel(due.user_id)
            await channel.send(reminder_text(due), view=reminder_view(self.buttons, due.guild_id, due.user_id))
        except discord.Forbidden as error:
            if error.code == DMS_CLOSED:
                await self._dms_closed(due)
            else:
                log.warning("stand-up DM to user %s refused: %s (code %s)", due.user_id, error.text, error.code)
            return False
        except discord.HTTPException as error:
            log.warning(
                "stand-up DM to user %s failed: HTTP %s (code %s) %s", due.user_id, error.status, error.code, error.text
            )
            return False
        return True

    async def _dm_channel(self, user_id: int) -> discord.abc.Messageable:
        user = self.bot.get_user(user_id)
        if user is not None:
            return user.dm_channel or await user.create_dm()
        # Users are rarely cached here (no member cache): open the DM directly rather than
        # fetching the user first, one request per reminder instead of two.
        return await self.bot.create_dm(discord.Object(id=user_id))

    async def _dms_closed(self, due: DueReminder) -> None:
        """Stop DMing this member, and tell them why in the club's channel, once."""
        first = await self.standups.mark_dm_blocked(due.standup_id)
        if not first or due.channel_id is None:
            return
        try:
            channel = self.bot.get_channel(due.channel_id) or await self.bot.fetch_channel(due.channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                return
            await channel.send(
                dm_closed_text(due.user_id),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(id=due.user_id)]
                ),
            )
        except discord.HTTPException as error:
            log.warning(
                "could not tell user %s in channel %s that their DMs are closed: HTTP %s (code %s)",
                due.user_id, due.channel_id, error.status, error.code,
            )
