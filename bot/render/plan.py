"""Embeds for a week's routine: the club post (base routine) and a member's own step."""

from __future__ import annotations

import discord

from bot.content.schema import REST_NOTE, SUGGESTED_LEGEND, SUGGESTED_MARK, Dose, RoutineStep, minutes_for
from bot.core.routines import WeekPlan
from bot.render.limits import clip

COLOUR = discord.Colour.from_rgb(232, 93, 4)
# The footer where the message's own safety lines already say when to stop.
NOT_ADVICE = "Not medical advice. More in /glutes safety."


def bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def per_week_text(times: int, suggested: bool) -> str:
    text = "once a week" if times == 1 else f"{times} days a week"
    return f"{text} {SUGGESTED_MARK}" if suggested else text


def step_time_text(step: RoutineStep) -> str:
    """The member's own step, its time and its days: ``step 2 of 5: about 7 min, once a week``."""
    often = per_week_text(step.sessions_per_week, step.frequency_suggested)
    return f"step {step.index + 1} of {step.count}: about {minutes_for(step.seconds)} min, {often}"


def source_text(dose: Dose) -> str:
    """`` _(article 004)_`` after a sourced dose, like the cards show it; nothing for the bot's own."""
    return f" _(article {dose.source[:3]})_" if dose.source else ""


def legend(*texts: str | None) -> str | None:
    """The † legend, when any of ``texts`` carries the mark."""
    return SUGGESTED_LEGEND if any(SUGGESTED_MARK in (t or "") for t in texts) else None


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
        source = f" _(article {item.source})_" if item.source else ""
        embed.add_field(
            name=clip(f"{number}. {item.name}", 256),
            value=clip(f"**{item.dose}**{source}\n{item.cue}", 1024),
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
    texts = [embed.description, *(f"{f.name} {f.value}" for f in embed.fields), REST_NOTE]
    marked = legend(*texts) if not plan.any_suggested else SUGGESTED_LEGEND
    embed.set_footer(text=footer(None if plan.personal else plan.note, marked, REST_NOTE, plan.caution))
    return embed
