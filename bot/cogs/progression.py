"""Feel buttons under a routine check-in, the step-up offer, and `/glutes progression reset`."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.content.schema import Content
from bot.core.errors import NotAllowed
from bot.core.progression import FEEL_LABELS, Feel, ProgressionService
from bot.discord_ui.checkin_reply import FEEL_PREFIX, HURT, feel_custom_id
from bot.discord_ui.interactions import guarded, texts_of, who_from
from bot.discord_ui.views import button_row_view, labelled
from bot.features import Feature, FeatureContext
from bot.i18n import N_
from bot.render.progression import HURT_LABEL, feel_text, hurt_text, step_taken_text

STEP_PREFIX = "gc:step:"
FEEL_STYLES = {Feel.EASY: discord.ButtonStyle.success, Feel.RIGHT: discord.ButtonStyle.primary,
               Feel.HARD: discord.ButtonStyle.danger}
NOT_YOURS = N_("These buttons belong to someone else's check-in. Log your own with `/checkin`.")
STEP_LABEL = N_("Take the next step ⬆️")


def make_progression_buttons(
    content: Content, progression: ProgressionService
) -> tuple[type[discord.ui.DynamicItem[discord.ui.Button[Any]]], type[discord.ui.DynamicItem[discord.ui.Button[Any]]]]:
    """(FeelButton, StepButton). Each custom id names its owner, so they work after a restart."""

    class StepButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]], template=STEP_PREFIX + r"(?P<user>\d{1,20}):(?P<to>\d{1,2})"
    ):
        def __init__(self, user_id: int, to_step: int) -> None:
            super().__init__(
                discord.ui.Button(label=STEP_LABEL, style=discord.ButtonStyle.success,
                                  custom_id=f"{STEP_PREFIX}{user_id}:{to_step}")
            )
            self.user_id, self.to_step = user_id, to_step

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
        ) -> StepButton:
            return cls(int(match["user"]), int(match["to"]))

        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            if interaction.user.id != self.user_id:
                raise NotAllowed(NOT_YOURS)
            step = await progression.take_step(who_from(interaction), self.to_step)
            tr = texts_of(interaction)
            await interaction.response.send_message(step_taken_text(step, tr), ephemeral=True)

    class FeelButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=FEEL_PREFIX + r"(?P<user>\d{1,20}):(?P<feel>easy|right|hard|hurt)",
    ):
        def __init__(self, user_id: int, feel: str) -> None:
            value = None if feel == HURT else Feel(feel)
            label = FEEL_LABELS[value] if value is not None else HURT_LABEL
            style = FEEL_STYLES[value] if value is not None else discord.ButtonStyle.secondary
            super().__init__(discord.ui.Button(label=label, style=style, custom_id=feel_custom_id(user_id, feel)))
            self.user_id, self.feel = user_id, value

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
        ) -> FeelButton:
            return cls(int(match["user"]), match["feel"])

        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            if interaction.user.id != self.user_id:
                raise NotAllowed(NOT_YOURS)
            who = who_from(interaction)
            tr = texts_of(interaction)
            local = content.localized(tr.language)
            if self.feel is None:
                step = await progression.step_for(who.guild_id, who.user_id)
                await interaction.response.send_message(hurt_text(step, local, tr), ephemeral=True)
                return
            result = await progression.feel(who, self.feel)
            text = feel_text(result, local, tr)
            if result.offered is not None:
                view = button_row_view(labelled(StepButton(self.user_id, result.offered.index), tr))
                await interaction.response.send_message(text, view=view, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)

    return FeelButton, StepButton


def setup(ctx: FeatureContext) -> Feature:
    """Progression: the feel buttons under a routine check-in (shared: check-ins put them there) and the step-up
    offer. `/glutes progression reset` lives with /glutes."""
    feel_button, step_button = make_progression_buttons(ctx.services.content, ctx.services.progression)
    ctx.shared["feel_button"] = feel_button
    return Feature("progression", dynamic_items=[feel_button, step_button])
