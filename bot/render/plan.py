"""Embeds for a week's routine: the club post (base routine) and a member's own step."""

from __future__ import annotations

import discord

from bot.content.schema import SUGGESTED_LEGEND, SUGGESTED_MARK
from bot.core.routines import WeekPlan
from bot.render.limits import clip

COLOUR = discord.Colour.from_rgb(232, 93, 4)


def bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def per_week_text(times: int, suggested: bool) -> str:
    text = "once a week" if times == 1 else f"{times} days a week"
    return f"{text} {SUGGESTED_MARK}" if suggested else text


def footer(*parts: str | None) -> str:
    """A footer from its non-empty parts, one per line; the caution line goes last so it is never cut."""
    lines = [p for p in parts if p]
    text = "\n".join(lines)
    if len(text) <= 2048:
        return text
    last = lines[-1]
    return clip("\n".join(lines[:-1]), 2047 - len(last)) + "\n" + last


def plan_embed(plan: WeekPlan, *, title_prefix: str = "This week") -> discord.Embed:
    title = f"{title_prefix}: {plan.routine_name}"
    if plan.personal:
        title += f" · your step {plan.step + 1} of {plan.step_count}"
    timing = f"⏱️ about {plan.minutes} min"
    if plan.lead_in is not None:
        timing += " with the lead-in set"
    embed = discord.Embed(
        title=clip(title, 256),
        description=clip(
            f"{plan.summary}\n{timing} · {per_week_text(plan.sessions_per_week, plan.frequency_suggested)}", 4096
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
    if plan.why:
        embed.add_field(name="Why this routine", value=clip(plan.why, 1024), inline=False)
    if plan.personal:
        mark = f" {SUGGESTED_MARK}" if plan.note_suggested else ""
        grow = (
            f"**Now:** {plan.note}{mark}\n{plan.progression}\n"
            "After you log the routine, tell me how it felt (Easy / Just right / Hard). "
            "`/glutes progression reset` takes you back to the start."
        )
        embed.add_field(name="How it grows", value=clip(grow, 1024), inline=False)
        if plan.assumptions:
            embed.add_field(name="Not from the articles", value=clip(bullets(plan.assumptions), 1024), inline=False)
    else:
        grow = "Each member climbs at their own pace: `/glutes today` shows your step."
        embed.add_field(name="How it grows", value=clip(f"{plan.progression}\n{grow}", 1024), inline=False)
    marked = plan.any_suggested or any(SUGGESTED_MARK in step for step in plan.next_steps)
    legend = SUGGESTED_LEGEND if marked else None
    embed.set_footer(text=footer(None if plan.personal else plan.note, legend, plan.caution))
    return embed
