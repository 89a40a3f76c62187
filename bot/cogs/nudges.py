"""`/nudge …`, and the nudge tick that DMs members whose routine is not in before the week closes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.content.schema import RoutineStep
from bot.core.clock import Clock
from bot.core.delivery import ChannelNotice
from bot.core.nudges import DueNudge, NudgeService
from bot.db.engine import SessionFactory
from bot.delivery.discord_output import DiscordOutput
from bot.discord_ui.interactions import DAY_CHOICES, timezone_choices, who_from
from bot.features import Feature, FeatureContext
from bot.render.nudges import nudge_fallback_text, nudge_text, status_text, turned_off_text, turned_on_text
from bot.scheduling.claim_source import ClaimSource
from bot.scheduling.due import DueJob
from bot.scheduling.retrying import RETRY_DELAYS, with_retries

DoneButton = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]


class NudgeCog(commands.Cog):
    nudge_group = app_commands.Group(
        name="nudge", description="One DM before your club week closes, if the routine is not in", guild_only=True
    )

    def __init__(self, nudges: NudgeService) -> None:
        self.nudges = nudges

    @nudge_group.command(name="on", description="Get one DM before the week closes if your routine is not in")
    @app_commands.describe(
        day="Which day (default the last day of the club week)",
        time="What time, HH:MM (default 18:00)",
        timezone="Your time zone, e.g. Europe/London (default the club's)",
    )
    @app_commands.choices(day=DAY_CHOICES)
    @app_commands.autocomplete(timezone=timezone_choices)
    async def turn_on(
        self,
        interaction: discord.Interaction,
        day: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
    ) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await self.nudges.turn_on(who, day, time, timezone)
        await interaction.followup.send(turned_on_text(settings), ephemeral=True)

    @nudge_group.command(name="off", description="Stop the weekly nudge (your day and time are kept)")
    async def turn_off(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(turned_off_text(await self.nudges.turn_off(who)), ephemeral=True)

    @nudge_group.command(name="status", description="Your weekly nudge and whether this week's routine is in")
    async def status(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(status_text(await self.nudges.status(who)), ephemeral=True)


def nudge_job(
    nudges: NudgeService, done_button: DoneButton, output: DiscordOutput, sessions: SessionFactory, clock: Clock,
    step_for: Callable[[int, int], Awaitable[RoutineStep]], retry_delays: Sequence[float] = RETRY_DELAYS,
) -> DueJob[DueNudge]:
    """Due nudges, each a DM with a Done button and the member's own step (``step_for(guild, user)``); closed
    DMs get one channel mention through the runner. A transient failure is tried again a few times first."""

    async def deliver(due: DueNudge) -> int:
        text = nudge_text(due, await step_for(due.guild_id, due.user_id))

        async def send() -> int:
            view = discord.ui.View(timeout=None)
            view.add_item(done_button("routine", due.guild_id))  # type: ignore[call-arg]
            return (await output.dm(due.user_id, content=text, view=view)).id

        return await with_retries(send, retry_delays)

    def notice(due: DueNudge) -> ChannelNotice | None:
        if due.channel_id is None:
            return None
        return ChannelNotice(due.channel_id, nudge_fallback_text(due), due.user_id)

    source = ClaimSource(
        lambda now, limit: nudges.claim_due(now, limit), nudges.has_due,
        lambda due: nudges.mark_dm_blocked(due.nudge_id), lambda due: due.claim_id, sessions, clock,
    )
    return DueJob("nudge", source, deliver, notice=notice, describe=lambda due: f"nudge for user {due.user_id}")


def setup(ctx: FeatureContext) -> Feature:
    """/nudge and its due-work job."""
    services = ctx.services
    job = nudge_job(services.nudges, ctx.shared["done_button"], ctx.output, services.sessions, services.clock,
                    services.progression.step_for, ctx.settings.send_retry_delays)
    return Feature("nudges", cogs=[NudgeCog(services.nudges)], due_jobs=[job])
