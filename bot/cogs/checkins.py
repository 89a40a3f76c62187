"""`/checkin`, `/undo`, the Done button, `/leaderboard` and `/me`."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.content.schema import Content
from bot.core.checkins import CheckinService
from bot.core.history import HistoryService
from bot.core.leaderboard import LeaderboardService, Period
from bot.core.members import Who
from bot.core.points import Kind, rules_text
from bot.core.routines import RoutineService
from bot.core.stats import StatsService
from bot.discord_ui.checkin_reply import checkin_reply
from bot.discord_ui.interactions import answer_soon, guarded, texts_of, who_from
from bot.discord_ui.views import picture_kwargs
from bot.features import Feature, FeatureContext
from bot.i18n import ENGLISH, N_
from bot.pictures.service import PictureService
from bot.render.boards import KIND_LABELS, board_embed, stats_embed
from bot.render.chart_words import card_words

DONE_PREFIX = "gc:done:"
DONE_LABEL = N_("Done ✅")


async def _recorded(
    checkins: CheckinService, routines: RoutineService, who: Who, kind: str, content: Content,
    feel_button: type[Any] | None, when: str = "today", interaction: discord.Interaction | None = None,
) -> dict[str, Any]:
    """The check-in, then the keyword arguments of its reply (in the member's language). An extra session counts
    only within the days the member's own plan asks for."""
    if kind == Kind.EXTRA:
        await routines.check_extra(who, when)
    result = await checkins.record(who, kind, when=when)
    # After the press: the club's row (and language) is in the row cache by now.
    tr = texts_of(interaction) if interaction is not None else ENGLISH
    return checkin_reply(result, who.user_id, content, feel_button, tr)


def make_done_button(
    checkins: CheckinService, routines: RoutineService, content: Content, feel_button: type[Any] | None = None
) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """The Done button class, bound to the check-in service. Its custom id survives restarts.

    In a DM (a nudge), the custom id also names the club, since a DM carries no server.
    """

    class DoneButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=DONE_PREFIX + r"(?P<kind>routine|extra|stretch)(?::(?P<guild>\d{1,20}))?",
    ):
        def __init__(
            self, kind: str = Kind.ROUTINE.value, guild_id: int | None = None,
            pressed: discord.ui.Button[Any] | None = None,
        ) -> None:
            suffix = f":{guild_id}" if guild_id is not None else ""
            super().__init__(
                pressed or discord.ui.Button(
                    label=DONE_LABEL, style=discord.ButtonStyle.success, custom_id=f"{DONE_PREFIX}{kind}{suffix}"
                )
            )
            self.kind = kind
            self.guild_id = guild_id

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any
        ) -> DoneButton:
            # The button discord.py already made from the pressed message: making another (some 30 k instructions)
            # would be wasted work on every press.
            return cls(match["kind"], int(match["guild"]) if match["guild"] else None, pressed=item)

        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            # Anyone may press Done on any post: it records for whoever pressed it.
            feel = feel_button
            if interaction.guild_id is None and self.guild_id is not None:
                # Pressed in a DM: keep the stored name and roles rather than wiping them. The feel
                # buttons need the server, so a DM check-in gets the text alone.
                who = await checkins.who_in_dm(self.guild_id, interaction.user.id, interaction.user.display_name)
                feel = None
            else:
                who = who_from(interaction)
            await answer_soon(interaction, _recorded(checkins, routines, who, self.kind, content, feel,
                                                     interaction=interaction))

    return DoneButton


class CheckinCog(commands.Cog):
    def __init__(
        self,
        checkins: CheckinService,
        routines: RoutineService,
        boards: LeaderboardService,
        stats: StatsService,
        content: Content,
        feel_button: type[Any] | None = None,
        *,
        pictures: PictureService,
        history: HistoryService,
    ) -> None:
        self.pictures = pictures
        self.history = history
        self.checkins = checkins
        self.routines = routines
        self.boards = boards
        self.stats = stats
        self.content = content
        self.feel_button = feel_button

    @app_commands.command(name="checkin", description="Log the routine, an extra session or a stretch")
    @app_commands.describe(kind="What you did", when="Today, or yesterday if you forgot to log it")
    @app_commands.choices(
        kind=[
            app_commands.Choice(name="weekly routine (10 pts, once a week)", value="routine"),
            app_commands.Choice(name="extra session (5 pts, on the extra days your plan asks for)", value="extra"),
            app_commands.Choice(name="stretch (2 pts, once a day)", value="stretch"),
            app_commands.Choice(name="show the rules", value="rules"),
        ],
        when=[
            app_commands.Choice(name="today", value="today"),
            app_commands.Choice(name="yesterday", value="yesterday"),
        ],
    )
    async def checkin(self, interaction: discord.Interaction, kind: str, when: str = "today") -> None:
        if kind == "rules":
            await interaction.response.send_message(rules_text(texts_of(interaction)), ephemeral=True)
            return
        who = who_from(interaction)
        await answer_soon(
            interaction, _recorded(self.checkins, self.routines, who, kind, self.content, self.feel_button, when,
                                   interaction=interaction)
        )

    @app_commands.command(name="undo", description="Undo your last check-in (within 10 minutes)")
    async def undo(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        undone = await self.checkins.undo(who)
        tr = texts_of(interaction)
        text = tr.t("Undone: {what} on {day} (−{points}).", what=tr.t(KIND_LABELS[undone.kind]),
                    day=tr.date(undone.local_date), points=undone.points)
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="leaderboard", description="The club's board: this week, last week, month or all time")
    @app_commands.choices(
        period=[
            app_commands.Choice(name="this week", value=Period.WEEK.value),
            app_commands.Choice(name="last week", value=Period.LAST_WEEK.value),
            app_commands.Choice(name="this month", value=Period.MONTH.value),
            app_commands.Choice(name="all time", value=Period.ALL.value),
        ]
    )
    async def leaderboard(self, interaction: discord.Interaction, period: str = Period.WEEK.value) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        board = await self.boards.board(who.guild_id, period, caller_user_id=who.user_id)
        await interaction.followup.send(embed=board_embed(board, tr=texts_of(interaction)), ephemeral=True)

    @app_commands.command(name="me", description="Your points, streak and last self-test (only you see it)")
    async def me(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        stats = await self.stats.me(who)
        tr = texts_of(interaction)
        test_name = outcome = None
        if stats.last_test:
            test = self.content.localized(tr.language).selftests.get(stats.last_test.test_slug)
            if test:
                test_name = test.name
                outcome = next((o.label for o in test.outcomes if o.id == stats.last_test.outcome), None)
        embed = stats_embed(stats, test_name, outcome, tr=tr)
        days = await self.history.member_days(who)
        picture = await self.pictures.member_card(who.user_id, who.display_name, days,
                                                  card_words(tr, who.display_name, days))
        await interaction.followup.send(embed=embed, ephemeral=True, **picture_kwargs(picture, embed))


def setup(ctx: FeatureContext) -> Feature:
    """Check-ins: /checkin, /undo, /leaderboard, /me, and the Done button (shared: the weekly post carries it)."""
    services = ctx.services
    feel_button = ctx.shared["feel_button"]
    done_button = make_done_button(services.checkins, services.routines, services.content, feel_button)
    ctx.shared["done_button"] = done_button
    cog = CheckinCog(services.checkins, services.routines, services.boards, services.stats, services.content,
                     feel_button,
                     pictures=services.pictures, history=services.history)
    return Feature("checkins", cogs=[cog], dynamic_items=[done_button])
