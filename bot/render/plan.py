"""Embeds for a week's routine."""

from __future__ import annotations

import discord

from bot.core.routines import WeekPlan
from bot.render.limits import clip

COLOUR = discord.Colour.from_rgb(232, 93, 4)


def _minutes(value: float) -> str:
    return f"{value:g}"


def plan_embed(plan: WeekPlan, *, title_prefix: str = "This week") -> discord.Embed:
    sessions = "once" if plan.sessions_per_week == 1 else f"{plan.sessions_per_week}×"
    embed = discord.Embed(
        title=clip(f"{title_prefix}: {plan.routine_name} · week {plan.week_number}", 256),
        description=clip(
            f"{plan.summary}\n⏱️ about {_minutes(plan.minutes)} min · {sessions} this week", 4096
        ),
        colour=COLOUR,
    )
    items = list(plan.items)
    if plan.lead_in is not None:
        items.insert(0, plan.lead_in)
    for number, item in enumerate(items, start=1):
        embed.add_field(
            name=clip(f"{number}. {item.name}", 256),
            value=clip(f"**{item.dose}**\n{item.cue}", 1024),
            inline=False,
        )
    if plan.done:
        embed.add_field(
            name="✅ Done this week",
            value=clip("\n".join(f"• {step}" for step in plan.next_steps) or "Nice work.", 1024),
            inline=False,
        )
    if plan.note:
        embed.set_footer(text=clip(plan.note, 2048))
    return embed
