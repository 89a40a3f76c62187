"""`/challenge …`, the persistent Join button, and the tick that posts each challenge's results once."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.challenges import KIND, ChallengeService, DueResults
from bot.core.clock import Clock
from bot.core.delivery import DeliveryError, Problem
from bot.core.sending import LOOK_BACK, RETRY_DELAYS
from bot.db.engine import SessionFactory
from bot.delivery.discord_output import DiscordOutput
from bot.discord_ui.interactions import guarded, require_manager, texts_for, who_from
from bot.discord_ui.views import picture_kwargs
from bot.features import Feature, FeatureContext
from bot.i18n import Languages, Texts
from bot.pictures.service import Picture, PictureService
from bot.render.challenges import (
    announcement_embed,
    cancelled_text,
    challenge_words,
    ended_text,
    join_label,
    joined_text,
    left_text,
    not_announced_text,
    results_text,
    started_text,
    status_embed,
)
from bot.scheduling.claim_source import ClaimSource
from bot.scheduling.due import DueJob

log = logging.getLogger(__name__)

JOIN_PREFIX = "gc:ch:join:"
NO_MENTIONS = discord.AllowedMentions.none()

Button = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]


def make_join_button(challenges: ChallengeService, languages: Languages) -> Button:
    class JoinButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=JOIN_PREFIX + r"(?P<id>\d{1,20})"):
        # ``label`` in the club's language on the announcement; a press is routed by the custom id.
        def __init__(self, challenge_id: int, label: str = "Join") -> None:
            super().__init__(discord.ui.Button(label=label, emoji="🏁", style=discord.ButtonStyle.success,
                                               custom_id=f"{JOIN_PREFIX}{challenge_id}"))
            self.challenge_id = challenge_id

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
        ) -> JoinButton:
            return cls(int(match["id"]))

        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            who = who_from(interaction)
            await interaction.response.defer(ephemeral=True, thinking=True)
            info, added = await challenges.join(who, self.challenge_id)
            await interaction.followup.send(joined_text(texts_for(interaction, languages), info, added),
                                            ephemeral=True)

    return JoinButton


class ChallengeCog(commands.Cog):
    challenge_group = app_commands.Group(name="challenge", description="Time-boxed club challenges",
                                         guild_only=True)

    def __init__(self, output: DiscordOutput, challenges: ChallengeService, join_button: Button,
                 post_results: Callable[[], Awaitable[int]], languages: Languages) -> None:
        self.languages = languages
        self.output = output
        self.challenges = challenges
        self.join_button = join_button
        self.post_results = post_results

    @challenge_group.command(name="start", description="Start a club challenge (Manage Server only)")
    @app_commands.describe(
        name="Up to 60 characters", weeks="How many club weeks, 1–12", goal="What counts",
        target="What each member aims for", start="This club week or the next one",
    )
    @app_commands.choices(
        goal=[app_commands.Choice(name="weekly routines", value="routines"),
              app_commands.Choice(name="points", value="points")],
        start=[app_commands.Choice(name="this week", value="this-week"),
               app_commands.Choice(name="next week", value="next-week")],
    )
    async def start(self, interaction: discord.Interaction, name: str, weeks: int, goal: str, target: int,
                    start: str = "this-week") -> None:
        require_manager(interaction)
        who = who_from(interaction)
        tr = texts_for(interaction, self.languages)
        await interaction.response.defer(ephemeral=True, thinking=True)
        info = await self.challenges.start(who, name, weeks, goal, target, start)
        channel_id, club_language = await self.challenges.post_place(info.id)
        club_tr = self.languages.texts(club_language)  # the announcement is public: the club's language
        view = discord.ui.View(timeout=None)
        view.add_item(self.join_button(info.id, join_label(club_tr)))  # type: ignore[call-arg]
        text = started_text(tr, info)
        try:
            await self.output.post(channel_id, embed=announcement_embed(club_tr, info), view=view,
                                   allowed_mentions=NO_MENTIONS)
        except DeliveryError:
            text += " " + not_announced_text(tr, channel_id)
        await interaction.followup.send(text, ephemeral=True)

    @challenge_group.command(name="join", description="Take part in the club's challenge")
    async def join(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        info, added = await self.challenges.join(who)
        await interaction.followup.send(joined_text(texts_for(interaction, self.languages), info, added),
                                        ephemeral=True)

    @challenge_group.command(name="leave", description="Leave the club's challenge")
    async def leave(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        tr = texts_for(interaction, self.languages)
        await interaction.followup.send(left_text(tr, await self.challenges.leave(who)), ephemeral=True)

    @challenge_group.command(name="status", description="The challenge, your progress and the club's")
    async def status(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        tr = texts_for(interaction, self.languages)
        await interaction.followup.send(embed=status_embed(tr, await self.challenges.status(who)), ephemeral=True)

    @challenge_group.command(name="end", description="End the challenge now and post its results (Manage Server)")
    async def end(self, interaction: discord.Interaction) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        info = await self.challenges.end_now(interaction.guild_id)
        await self.post_results()
        await interaction.followup.send(ended_text(texts_for(interaction, self.languages), info), ephemeral=True)

    @challenge_group.command(name="cancel", description="Drop the challenge without results (Manage Server)")
    async def cancel(self, interaction: discord.Interaction) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        info = await self.challenges.cancel(interaction.guild_id)
        await interaction.followup.send(cancelled_text(texts_for(interaction, self.languages), info),
                                        ephemeral=True)


def results_job(
    output: DiscordOutput, challenges: ChallengeService, sessions: SessionFactory, clock: Clock,
    retry_delays: Sequence[float] = RETRY_DELAYS, pictures: PictureService | None = None,
    languages: Languages | None = None,
) -> DueJob[DueResults]:
    """Posts each ended challenge's results once, with their chart when it can be drawn; the runner tries
    a transient failure again and looks for the results in the channel before posting them twice. The results
    are a public post: in the club's language."""
    languages = languages or Languages()

    def text_of(due: DueResults) -> str:
        return results_text(languages.texts(due.language), due.results)

    async def deliver(due: DueResults) -> int | None:
        if due.channel_id is None:
            return None
        channel_id = due.channel_id
        tr = languages.texts(due.language)
        picture = await results_picture(pictures, due, tr)
        text = results_text(tr, due.results)
        nonce = due.claim.nonce
        try:
            # A fresh file each attempt: a sent discord.File is used up.
            return (await output.post(channel_id, content=text, allowed_mentions=NO_MENTIONS, nonce=nonce,
                                      **picture_kwargs(picture))).id
        except DeliveryError as error:
            if picture is None or error.problem is not Problem.NO_ACCESS:
                raise
        # Perhaps only Attach Files is missing there: the results go out without their chart.
        log.info("guild %s: the results with their chart were refused; sending them without", due.guild_id)
        return (await output.post(channel_id, content=text, allowed_mentions=NO_MENTIONS, nonce=nonce)).id

    async def find(due: DueResults) -> int | None:
        if due.channel_id is None:
            return None
        text = text_of(due)
        since = (due.claim.claimed_at or clock.now()) - LOOK_BACK
        return await output.find_post(due.channel_id, due.claim.nonce, since, lambda m: m.content == text,
                                      due.guild_id)

    source = ClaimSource(
        KIND, lambda now, limit: challenges.claim_due(now, limit), challenges.has_due, challenges.rebuild,
        _no_dms, sessions, clock,
    )
    return DueJob(KIND, source, deliver, find=find, batch_size=100, retry_delays=retry_delays,
                  describe=lambda due: f"challenge results in guild {due.guild_id}")


async def results_picture(pictures: PictureService | None, due: DueResults, tr: Texts) -> Picture | None:
    """The results chart, or ``None`` (no pictures, or drawing failed): the text goes out alone then."""
    if pictures is None:
        return None
    try:
        return await pictures.challenge_chart(due.guild_id, due.results, challenge_words(tr, due.results))
    except Exception:
        log.exception("the results chart of guild %s failed; the results go out without it", due.guild_id)
        return None


async def _no_dms(_due: DueResults) -> bool:
    return False


def setup(ctx: FeatureContext) -> Feature:
    """/challenge, its Join button and the results job."""
    services = ctx.services
    join_button = make_join_button(services.challenges, services.languages)
    job = results_job(ctx.output, services.challenges, services.sessions, services.clock,
                      retry_delays=ctx.settings.send_retry_delays, pictures=services.pictures,
                      languages=services.languages)
    due = ctx.due
    cog = ChallengeCog(ctx.output, services.challenges, join_button, lambda: due.run(KIND), services.languages)
    return Feature("challenges", cogs=[cog], dynamic_items=[join_button], due_jobs=[job])
