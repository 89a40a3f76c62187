"""`/test …`: guided self-tests with answer buttons that survive restarts, and the "Remind me in 4 weeks" button
under a weak result (the retests feature sends the reminder when it is due)."""

from __future__ import annotations

import dataclasses
import re
import secrets
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.content.schema import SUGGESTED_MARK, Content, SelfTest
from bot.core.checkins import CheckinService
from bot.core.errors import NotAllowed
from bot.core.history import HistoryService
from bot.core.members import Who
from bot.core.retests import RetestService
from bot.core.selftests import SelfTestService
from bot.discord_ui.interactions import guarded, texts_for, who_from
from bot.discord_ui.views import button_row_view, picture_kwargs
from bot.features import Feature, FeatureContext
from bot.i18n import N_, Languages, Texts
from bot.pictures.service import INTERACTIVE_TIMEOUT, PictureService
from bot.render.limits import clip
from bot.render.retests import remind_button_label, remind_set_text
from bot.render.selftests import (
    answer_label,
    history_embed,
    history_words,
    local_test,
    recommendation_embed,
    test_embed,
)

PREFIX = "gc:t:"
SIDE_CODES = {"l": "left", "r": "right", "b": "both"}
REMIND_PREFIX = "gc:rt:"

Button = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]


async def who_pressing(interaction: discord.Interaction, checkins: CheckinService | None,
                      guild_id: int | None) -> Who:
    """The member behind a press: in the server from the interaction, in a DM from the stored row; with the
    interaction's locale either way (stored for the DMs jobs send)."""
    if interaction.guild_id is None and guild_id is not None and checkins is not None:
        who = await checkins.who_in_dm(guild_id, interaction.user.id, interaction.user.display_name)
        return dataclasses.replace(who, locale=str(interaction.locale) if interaction.locale else None)
    return who_from(interaction)


def make_remind_button(retests: RetestService, checkins: CheckinService, languages: Languages) -> Button:
    """ "Remind me in 4 weeks" under a weak result; the custom id names the owner, the club and the test."""

    class RemindButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=REMIND_PREFIX + r"(?P<user>\d{1,20}):(?P<guild>\d{1,20}):(?P<test>[a-z0-9-]{1,40})",
    ):
        def __init__(self, user_id: int, guild_id: int, test: str, label: str | None = None) -> None:
            super().__init__(
                discord.ui.Button(label=label or f"Remind me in 4 weeks {SUGGESTED_MARK}", emoji="⏰",
                                  style=discord.ButtonStyle.secondary,
                                  custom_id=f"{REMIND_PREFIX}{user_id}:{guild_id}:{test}")
            )
            self.user_id, self.guild_id, self.test = user_id, guild_id, test

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
        ) -> RemindButton:
            return cls(int(match["user"]), int(match["guild"]), match["test"])

        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            if interaction.user.id != self.user_id:
                raise NotAllowed(N_("That reminder button belongs to someone else's result. "
                                    "Take a test with `/test`."))
            who = await who_pressing(interaction, checkins, self.guild_id)
            await interaction.response.defer(ephemeral=True, thinking=True)
            tr = texts_for(interaction, languages)
            await interaction.followup.send(remind_set_text(tr, await retests.remind_later(who, self.test)),
                                            ephemeral=True)

    return RemindButton


def make_answer_button(
    content: Content,
    selftests: SelfTestService,
    languages: Languages,
    *,
    checkins: CheckinService | None = None,
    remind_button: type[Any] | None = None,
) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """Answer buttons; the custom id names the owner, the run, the test, the side and the outcome.

    Sent in a DM (a re-test reminder), the custom id also names the club (``:g<guild>``).
    A weak result carries a "Remind me in 4 weeks" button when ``remind_button`` is given.
    """

    class AnswerButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=PREFIX
        + r"(?P<user>\d{1,20}):(?P<run>[0-9a-f]{8}):(?P<test>[a-z0-9-]+):(?P<side>[lrb]):(?P<outcome>[a-z0-9-]+)"
        + r"(?::g(?P<guild>\d{1,20}))?",
    ):
        def __init__(
            self, user_id: int, run: str, test: str, side: str, outcome: str, label: str = "?",
            guild_id: int | None = None,
        ) -> None:
            suffix = f":g{guild_id}" if guild_id is not None else ""
            super().__init__(
                discord.ui.Button(
                    label=clip(label, 80),
                    style=discord.ButtonStyle.primary,
                    custom_id=f"{PREFIX}{user_id}:{run}:{test}:{side}:{outcome}{suffix}",
                )
            )
            self.user_id, self.run, self.test, self.side, self.outcome = user_id, run, test, side, outcome
            self.guild_id = guild_id

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
        ) -> AnswerButton:
            guild = int(match["guild"]) if match["guild"] else None
            return cls(int(match["user"]), match["run"], match["test"], match["side"], match["outcome"],
                       guild_id=guild)

        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            if interaction.user.id != self.user_id:
                raise NotAllowed(N_("These buttons belong to someone else's self-test. Start your own with `/test`."))
            who = await who_pressing(interaction, checkins, self.guild_id)
            await interaction.response.defer(ephemeral=True, thinking=True)
            rec = await selftests.record(who, self.test, SIDE_CODES[self.side], self.outcome, self.run)
            tr = texts_for(interaction, languages)
            kwargs: dict[str, Any] = {"embed": recommendation_embed(tr, content, rec), "ephemeral": True}
            if rec.outcome.weak and remind_button is not None:
                kwargs["view"] = button_row_view(
                    remind_button(self.user_id, who.guild_id, self.test, remind_button_label(tr))
                )
            await interaction.followup.send(**kwargs)

    return AnswerButton


def answer_view(
    tr: Texts, test: SelfTest, user_id: int, button_cls: type[Any], *, guild_id: int | None = None
) -> discord.ui.View:
    """The answer buttons, labelled in ``tr``'s language (``test`` as the content in that language writes it)."""
    buttons = []
    run = secrets.token_hex(4)
    sides = ["l", "r"] if test.one_sided else ["b"]
    for row, code in enumerate(sides):
        for outcome in test.outcomes:
            label = answer_label(tr, test, SIDE_CODES[code], outcome)
            button = button_cls(user_id, run, test.slug, code, outcome.id, label, guild_id=guild_id)
            button.item.row = row
            buttons.append(button)
    return button_row_view(*buttons)


class SelfTestCog(commands.Cog):
    test_group = app_commands.Group(name="test", description="Quick self-tests of your glutes", guild_only=True)

    def __init__(
        self, content: Content, selftests: SelfTestService, answer_button: type[Any], pictures: PictureService,
        history: HistoryService, languages: Languages,
    ) -> None:
        self.languages = languages
        self.content = content
        self.pictures = pictures
        self.history = history
        self.selftests = selftests
        self.answer_button = answer_button

    async def _start(self, interaction: discord.Interaction, slug: str) -> None:
        who_from(interaction)
        tr = texts_for(interaction, self.languages)
        test = local_test(self.content, tr, self.selftests.test(slug))
        embed = test_embed(tr, test, self.content.localized(tr.language).guide.caution)
        picture = await self.pictures.selftest_figure(slug, timeout=INTERACTIVE_TIMEOUT, texts=tr)
        await interaction.response.send_message(
            embed=embed,
            view=answer_view(tr, test, interaction.user.id, self.answer_button),
            ephemeral=True,
            **picture_kwargs(picture, embed),
        )

    @test_group.command(name="hamstring-vs-glute", description="Which fires first when you lift your leg?")
    async def hamstring_vs_glute(self, interaction: discord.Interaction) -> None:
        await self._start(interaction, "hamstring-vs-glute")

    @test_group.command(name="single-leg-squat", description="A mini squat on one leg: does your hip hold?")
    async def single_leg_squat(self, interaction: discord.Interaction) -> None:
        await self._start(interaction, "single-leg-squat")

    @test_group.command(name="hip-drop", description="Stand on one leg: does the other hip drop?")
    async def hip_drop(self, interaction: discord.Interaction) -> None:
        await self._start(interaction, "hip-drop")

    @test_group.command(name="history", description="Your self-test results over time (only you see them)")
    async def history(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        tr = texts_for(interaction, self.languages)
        embed = history_embed(tr, await self.selftests.history(who), self.content)
        picture = await self.pictures.test_history(who.user_id, await self.history.test_entries(who),
                                                   self.content.localized(tr.language), history_words(tr))
        await interaction.followup.send(embed=embed, ephemeral=True, **picture_kwargs(picture, embed))


def setup(ctx: FeatureContext) -> Feature:
    """/test: self-tests with answer buttons."""
    services = ctx.services
    # A weak result offers a re-test reminder; the retests feature (set up later) sends it when due.
    remind_button = make_remind_button(services.retests, services.checkins, services.languages)
    answer_button = make_answer_button(
        services.content, services.selftests, services.languages, checkins=services.checkins,
        remind_button=remind_button,
    )
    ctx.shared["answer_button"] = answer_button
    ctx.shared["answer_view"] = answer_view
    cog = SelfTestCog(services.content, services.selftests, answer_button, services.pictures, services.history,
                      services.languages)
    return Feature("selftests", cogs=[cog], dynamic_items=[answer_button, remind_button])
