"""`/privacy …`: hide from boards, export your data, forget it; leaving members drop off boards."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.common import guarded, who_from
from bot.core.members import Who
from bot.core.privacy import PrivacyService
from bot.features import Feature, FeatureContext
from bot.tree import ClubView


class ForgetConfirm(ClubView):
    """A confirm button only the member who asked can press."""

    def __init__(self, privacy: PrivacyService, who: Who) -> None:
        super().__init__(timeout=120)
        self.privacy = privacy
        self.who = who

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.who.user_id:
            await interaction.response.send_message(
                "This button belongs to someone else's request, so it does nothing for you.", ephemeral=True
            )
            return False
        return True

    @discord.ui.button(label="Delete my data", style=discord.ButtonStyle.danger, custom_id="gc:forget:confirm")
    @guarded
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer(ephemeral=True)
        gone = await self.privacy.forget(self.who)
        self.stop()
        await interaction.edit_original_response(
            content=(
                f"Done. I deleted {gone.checkins} check-ins and {gone.test_results} self-test results and "
                "removed you from archived boards in this club. This cannot be undone."
            ),
            view=None,
        )

    @discord.ui.button(label="Keep my data", style=discord.ButtonStyle.secondary, custom_id="gc:forget:cancel")
    @guarded
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Nothing was deleted.", view=None)


class PrivacyCog(commands.Cog):
    privacy_group = app_commands.Group(name="privacy", description="Your data in this club", guild_only=True)

    def __init__(self, privacy: PrivacyService) -> None:
        self.privacy = privacy

    @privacy_group.command(name="hide", description="Leave the leaderboards (your own stats still count)")
    async def hide(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True)
        await self.privacy.set_hidden(who, True)
        await interaction.followup.send(
            "You are hidden from leaderboards. Your check-ins still count for `/me`.", ephemeral=True
        )

    @privacy_group.command(name="show", description="Appear on the leaderboards again")
    async def show(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True)
        await self.privacy.set_hidden(who, False)
        await interaction.followup.send("You are back on the leaderboards.", ephemeral=True)

    @privacy_group.command(name="export", description="Download everything stored about you in this club")
    async def export(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.privacy.export(who)
        await interaction.followup.send(
            "Here is everything I store about you in this club.",
            file=discord.File(io.BytesIO(data), filename="gluteclub-my-data.json"),
            ephemeral=True,
        )

    @privacy_group.command(name="forget", description="Delete all your data in this club (asks to confirm)")
    async def forget(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.send_message(
            "This deletes all your check-ins, self-test results and reminder settings in this club, "
            "for good. Are you sure?",
            view=ForgetConfirm(self.privacy, who),
            ephemeral=True,
        )

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.privacy.member_left(payload.guild_id, payload.user.id)


def setup(ctx: FeatureContext) -> Feature:
    """/privacy: hide, export, forget."""
    return Feature("privacy", cogs=[PrivacyCog(ctx.services.privacy)], custom_ids=["gc:forget:"])
