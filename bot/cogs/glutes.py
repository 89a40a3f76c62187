"""`/glutes …`: the week's routine and exercise instructions."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import NotAllowed
from bot.core.routines import RoutineService
from bot.render.plan import plan_embed


class GlutesCog(commands.Cog):
    glutes = app_commands.Group(name="glutes", description="The weekly glute routine and how to do each exercise")

    def __init__(self, routines: RoutineService) -> None:
        self.routines = routines

    @glutes.command(name="today", description="This week's routine with this week's dose")
    async def today(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            raise NotAllowed("`/glutes today` follows your club's routine, so use it inside the club's server.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        plan = await self.routines.week_plan(interaction.guild_id)
        await interaction.followup.send(embed=plan_embed(plan), ephemeral=True)
