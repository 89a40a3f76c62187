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
from bot.core.nudges import KIND, DueNudge, NudgeService
from bot.core.sending import LOOK_BACK, RETRY_DELAYS
from bot.db.engine import SessionFactory
from bot.delivery.discord_output import DiscordOutput
from bot.discord_ui.interactions import DAY_CHOICES, texts_for, timezone_choices, who_from
from bot.discord_ui.views import labelled
from bot.features import Feature, FeatureContext
from bot.i18n import Languages
from bot.render.nudges import nudge_fallback_text, nudge_text, status_text, turned_off_text, turned_on_text
from bot.scheduling.claim_source import ClaimSource
from bot.scheduling.due import DueJob

DoneButton = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]


class NudgeCog(commands.Cog):
    nudge_group = app_commands.Group(
        name="nudge", description="One DM before your club week closes, if the routine is not in", guild_only=True
    )

    def __init__(self, nudges: NudgeService, languages: Languages) -> None:
        self.nudges = nudges
        self.languages = languages

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
        tr = texts_for(interaction, self.languages)
        await interaction.followup.send(turned_on_text(tr, settings), ephemeral=True)

    @nudge_group.command(name="off", description="Stop the weekly nudge (your day and time are kept)")
    async def turn_off(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(
            turned_off_text(texts_for(interaction, self.languages), await self.nudges.turn_off(who)), ephemeral=True
        )

    @nudge_group.command(name="status", description="Your weekly nudge and whether this week's routine is in")
    async def status(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(
            status_text(texts_for(interaction, self.languages), await self.nudges.status(who)), ephemeral=True
        )


def nudge_job(
    nudges: NudgeService, done_button: DoneButton, output: DiscordOutput, sessions: SessionFactory, clock: Clock,
    step_for: Callable[[int, int], Awaitable[RoutineStep]], languages: Languages,
    retry_delays: Sequence[float] = RETRY_DELAYS,
) -> DueJob[DueNudge]:
    """Due nudges, each a DM with a Done button, the member's own step (``step_for(guild, user)``) and its
    claim's nonce, in the member's language (stored locale, then the club's, then English); closed DMs get
    one channel mention, in the club's language, through the runner."""

    async def text_for(due: DueNudge) -> str:
        tr = languages.texts(due.locale, due.club_language)
        return nudge_text(tr, due, await step_for(due.guild_id, due.user_id))

    async def deliver(due: DueNudge) -> int:
        view = discord.ui.View(timeout=None)
        tr = languages.texts(due.locale, due.club_language)
        view.add_item(labelled(done_button("routine", due.guild_id), tr))  # type: ignore[call-arg]
        text = await text_for(due)
        return (await output.dm(due.user_id, content=text, view=view, nonce=due.claim.nonce)).id

    async def find(due: DueNudge) -> int | None:
        text = await text_for(due)
        since = (due.claim.claimed_at or clock.now()) - LOOK_BACK
        return await output.find_dm(due.user_id, due.claim.nonce, since, lambda m: m.content == text)

    def notice(due: DueNudge) -> ChannelNotice | None:
        if due.channel_id is None:
            return None
        return ChannelNotice(due.channel_id, nudge_fallback_text(languages.texts(due.club_language), due), due.user_id)

    source = ClaimSource(
        KIND, lambda now, limit: nudges.claim_due(now, limit), nudges.has_due, nudges.rebuild,
        lambda due: nudges.mark_dm_blocked(due.nudge_id), sessions, clock,
    )
    return DueJob(KIND, source, deliver, find=find, notice=notice, retry_delays=retry_delays,
                  describe=lambda due: f"nudge for user {due.user_id}")


def setup(ctx: FeatureContext) -> Feature:
    """/nudge and its due-work job."""
    services = ctx.services
    job = nudge_job(services.nudges, ctx.shared["done_button"], ctx.output, services.sessions, services.clock,
                    services.progression.step_for, services.languages, ctx.settings.send_retry_delays)
    return Feature("nudges", cogs=[NudgeCog(services.nudges, services.languages)], due_jobs=[job])
