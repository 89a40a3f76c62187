"""`/standup …` and the reminder buttons; the reminders themselves are due work (bot.scheduling.due)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.clock import Clock
from bot.core.errors import NotAllowed
from bot.core.members import Who
from bot.core.sending import LOOK_BACK
from bot.core.standup_state import DueReminder
from bot.core.standups import KIND, StandupService
from bot.core.timeutil import suggest_timezones
from bot.db.engine import SessionFactory
from bot.delivery.standup_dm import StandupDmSender
from bot.discord_ui.interactions import guarded, texts_for, who_from
from bot.features import Feature, FeatureContext
from bot.i18n import N_, Languages, Texts
from bot.render.limits import AUTOCOMPLETE_MAX
from bot.render.standups import (
    button_labels,
    outcome_line,
    paused_text,
    skipped_text,
    snooze_text,
    status_embed,
    stood_up_text,
    turned_off_text,
    turned_on_text,
)
from bot.scheduling.claim_source import ClaimSource
from bot.scheduling.due import DueJob

log = logging.getLogger(__name__)

PREFIX = "gc:su:"

StandupButton = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]
Action = Callable[[int, int, discord.Interaction, Texts], Awaitable[str]]


def _button_class(
    action: str, label: str, style: discord.ButtonStyle, act: Action, languages: Languages
) -> StandupButton:
    class Button(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=PREFIX + action + r":(?P<guild>\d{1,20}):(?P<user>\d{1,20})",
    ):
        # DMs carry no guild, so the custom id names the club as well as the owner.
        # ``shown`` is the label in the member's language (the sender's); a press is routed by the custom id.
        def __init__(self, guild_id: int, user_id: int, shown: str | None = None) -> None:
            super().__init__(
                discord.ui.Button(label=shown or label, style=style,
                                  custom_id=f"{PREFIX}{action}:{guild_id}:{user_id}")
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
                raise NotAllowed(N_("These buttons belong to someone else's reminder."))
            await interaction.response.defer()
            outcome = await act(self.guild_id, self.user_id, interaction, texts_for(interaction, languages))
            original = interaction.message.content if interaction.message else ""
            # One press per reminder: the buttons go, the answer stays on the message.
            await interaction.edit_original_response(content=outcome_line(original, outcome), view=None)

    Button.__name__ = Button.__qualname__ = f"Standup{action.title()}Button"
    return Button


def make_standup_buttons(standups: StandupService, languages: Languages) -> list[StandupButton]:
    """The reminder's buttons, in display order, bound to the service: Stood up, Snooze, Skip today.
    Their answers are in the language of the press (the member's Discord locale)."""

    async def stood_up(guild_id: int, user_id: int, interaction: discord.Interaction, tr: Texts) -> str:
        who = Who(guild_id=guild_id, user_id=user_id, display_name=interaction.user.display_name, in_server=False)
        return stood_up_text(tr, await standups.stood_up(who))

    async def snooze(guild_id: int, user_id: int, interaction: discord.Interaction, tr: Texts) -> str:
        return snooze_text(tr, await standups.snooze(user_id, guild_id))

    async def skip(guild_id: int, user_id: int, interaction: discord.Interaction, tr: Texts) -> str:
        return skipped_text(tr, await standups.skip_today(user_id, guild_id))

    labels = button_labels(languages.english)
    return [
        _button_class("up", labels["up"], discord.ButtonStyle.success, stood_up, languages),
        _button_class("snooze", labels["snooze"], discord.ButtonStyle.secondary, snooze, languages),
        _button_class("skip", labels["skip"], discord.ButtonStyle.secondary, skip, languages),
    ]


class StandupCog(commands.Cog):
    standup_group = app_commands.Group(
        name="standup", description="Reminders to stand up while you sit", guild_only=True
    )

    def __init__(self, standups: StandupService, languages: Languages) -> None:
        self.standups = standups
        self.languages = languages

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
        tr = texts_for(interaction, self.languages)
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await self.standups.turn_on(who, every, start, end, days, timezone)
        await interaction.followup.send(turned_on_text(tr, settings), ephemeral=True)

    @turn_on.autocomplete("timezone")
    async def _timezone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=n) for n in suggest_timezones(current[:64], AUTOCOMPLETE_MAX)]

    @standup_group.command(name="off", description="Stop stand-up reminders (your settings are kept)")
    async def turn_off(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        tr = texts_for(interaction, self.languages)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(turned_off_text(tr, await self.standups.turn_off(who)), ephemeral=True)

    @standup_group.command(name="status", description="Your reminder settings, the next one, and today's stand-ups")
    async def status(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        tr = texts_for(interaction, self.languages)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(embed=status_embed(tr, await self.standups.status(who)), ephemeral=True)

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
        tr = texts_for(interaction, self.languages)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(paused_text(tr, await self.standups.pause(who, for_)), ephemeral=True)


def reminder_job(
    standups: StandupService, sender: StandupDmSender, sessions: SessionFactory, clock: Clock,
    batch_size: int = 500, max_batches: int = 20,
) -> DueJob[DueReminder]:
    """The reminders as a send-once job: claimed in ``send_claim`` like every other kind; a sent claim is
    deleted (a row per reminder per member would pile up), a failed or skipped one kept a week."""

    async def find(due: DueReminder) -> int | None:
        return await sender.find(due, (due.claim.claimed_at or clock.now()) - LOOK_BACK)

    source = ClaimSource(
        KIND, standups.claim_due, standups.has_due, standups.rebuild,
        lambda due: standups.mark_dm_blocked(due.standup_id), sessions, clock, keep_sent=False,
    )
    return DueJob(KIND, source, deliver=sender, find=find, notice=sender.closed_dm_notice,
                  batch_size=batch_size, max_batches=max_batches, describe=sender.describe)


def setup(ctx: FeatureContext) -> Feature:
    """/standup, the reminder buttons, and the reminders as due work on the shared tick."""
    standups = ctx.services.standups
    languages = ctx.services.languages
    buttons = make_standup_buttons(standups, languages)
    sender = StandupDmSender(ctx.output, buttons, languages)
    settings = ctx.settings
    job = reminder_job(standups, sender, ctx.services.sessions, ctx.services.clock,
                       settings.standup_batch_size, settings.standup_max_batches)
    scheduler = ctx.scheduler

    async def schedule_prune() -> None:
        scheduler.add_job(standups.prune, "interval", hours=1, id="standup:prune", max_instances=1, coalesce=True,
                          replace_existing=True)

    return Feature("standups", cogs=[StandupCog(standups, languages)], dynamic_items=list(buttons), due_jobs=[job],
                   on_start=[schedule_prune])
