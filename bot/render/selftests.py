"""Embeds for self-tests and their results (always shown privately)."""

from __future__ import annotations

import discord

from bot.content.schema import SUGGESTED_LEGEND, Content, SelfTest, minutes_for
from bot.core.selftests import HistoryEntry, Recommendation, StagedExercise
from bot.render.limits import clip
from bot.render.plan import COLOUR, footer, per_week_text


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def test_embed(test: SelfTest, caution: str) -> discord.Embed:
    embed = discord.Embed(title=clip(f"Self-test: {test.name}", 256), description=clip(test.summary, 4096),
                          colour=COLOUR)
    steps = "\n".join(f"{n}. {s}" for n, s in enumerate(test.steps, start=1))
    embed.add_field(name="How to", value=clip(steps, 1024), inline=False)
    embed.add_field(name="What to look for", value=clip(_bullets(test.look_for), 1024), inline=False)
    embed.add_field(name="⚠️ Safety", value=clip(_bullets(test.safety), 1024), inline=False)
    sides = "Answer for each side with the buttons below." if test.one_sided else "Answer with a button below."
    embed.set_footer(text=footer(f"{sides} Only you see this, and results never go on a board.", caution))
    return embed


def _line(content: Content, item: StagedExercise) -> str:
    return f"**{content.exercises[item.slug].name}** · {item.dose.render()}"


def recommendation_embed(content: Content, rec: Recommendation) -> discord.Embed:
    side = "" if rec.side == "both" else f" ({rec.side} side)"
    mark = "⚠️" if rec.outcome.weak else "✅"
    embed = discord.Embed(
        title=clip(f"{mark} {rec.test.name}{side}: {rec.outcome.label}", 256),
        description=clip(rec.outcome.recommendation, 4096),
        colour=COLOUR,
    )
    suggested = False
    if rec.lead_in is not None:
        minutes = minutes_for(rec.lead_in.dose.seconds())
        embed.add_field(
            name=clip(f"Before your routine · 1 set, about {minutes} min", 256),
            value=clip(f"{_line(content, rec.lead_in)}\n`/glutes today` adds it in front of your routine.", 1024),
            inline=False,
        )
        suggested |= rec.lead_in.dose.suggested
    for stage in rec.stages:
        minutes = minutes_for(stage.seconds)
        name = f"{stage.title} · {per_week_text(stage.per_week, stage.per_week_suggested)} · about {minutes} min"
        lines = [_line(content, item) for item in stage.exercises]
        embed.add_field(name=clip(name, 256), value=clip("\n".join(lines), 1024), inline=False)
        suggested |= stage.per_week_suggested or any(item.dose.suggested for item in stage.exercises)
    text = "Saved privately. See /test history; repeat the test in a few weeks to see the change."
    if rec.points_counted:
        text += " +3 points."
    embed.set_footer(text=footer(text, SUGGESTED_LEGEND if suggested else None, content.guide.caution))
    return embed


def history_embed(entries: list[HistoryEntry]) -> discord.Embed:
    if not entries:
        text = "No self-tests yet. Try `/test hip-drop`."
    else:
        lines = []
        for e in entries:
            side = "" if e.side == "both" else f" ({e.side})"
            mark = "⚠️" if e.weak else "✅"
            lines.append(f"{discord.utils.format_dt(e.at, 'd')} · {e.test_name}{side}: {mark} {e.outcome_label}")
        text = "\n".join(lines)
    return discord.Embed(title="Your self-test history", description=clip(text, 4096), colour=COLOUR)
