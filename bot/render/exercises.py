"""Embeds for exercises, lists and the explainer."""

from __future__ import annotations

import discord

from bot.content.schema import Content, Exercise
from bot.render.limits import clip
from bot.render.plan import COLOUR

LIST_PAGE_SIZE = 10


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1))


def _variant(content: Content, value: str | None) -> str | None:
    if not value:
        return None
    linked = content.exercises.get(value)
    return f"**{linked.name}**" if linked else value


def exercise_embed(content: Content, exercise: Exercise) -> discord.Embed:
    muscles = ", ".join(content.guide.muscle_names.get(m, m) for m in exercise.muscles)
    equipment = ", ".join(exercise.equipment)
    embed = discord.Embed(
        title=clip(exercise.name, 256),
        description=clip(
            f"{exercise.summary}\n\n**Dose:** {exercise.dose.render()}\n"
            f"**Works:** {muscles}\n**Kit:** {equipment} · **Position:** {exercise.position}",
            4096,
        ),
        colour=COLOUR,
    )
    embed.add_field(name="How to", value=clip(_numbered(exercise.steps), 1024), inline=False)
    embed.add_field(name="Cues", value=clip(_bullets(exercise.cues), 1024), inline=False)
    if exercise.mistakes:
        embed.add_field(name="Common mistakes", value=clip(_bullets(exercise.mistakes), 1024), inline=False)
    easier, harder = _variant(content, exercise.easier), _variant(content, exercise.harder)
    if easier or harder:
        lines = [f"Easier: {easier}" if easier else "", f"Harder: {harder}" if harder else ""]
        embed.add_field(name="Make it easier or harder", value=clip("\n".join(x for x in lines if x), 1024),
                        inline=False)
    embed.add_field(name="⚠️ Safety", value=clip(_bullets(exercise.safety), 1024), inline=False)
    if not exercise.source_dose:
        embed.set_footer(text="Dose: a cautious starting point; adjust to how it feels.")
    return embed


def list_embed(exercises: list[Exercise], page: int, title: str) -> discord.Embed:
    pages = max(1, -(-len(exercises) // LIST_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = exercises[page * LIST_PAGE_SIZE : (page + 1) * LIST_PAGE_SIZE]
    lines = [f"**{e.name}** · {e.dose.render()} · _{e.type}_" for e in chunk]
    embed = discord.Embed(
        title=clip(title, 256),
        description=clip("\n".join(lines) or "No exercise matches those filters.", 4096),
        colour=COLOUR,
    )
    embed.set_footer(text=f"Page {page + 1}/{pages} · {len(exercises)} exercises · /glutes exercise for details")
    return embed


def why_embed(content: Content) -> discord.Embed:
    guide = content.guide
    embed = discord.Embed(title="Why glutes matter for runners", description=clip(guide.intro, 4096), colour=COLOUR)
    for slug, text in list(guide.muscles.items())[:5]:
        embed.add_field(name=clip(guide.muscle_names[slug], 256), value=clip(text, 1024), inline=False)
    embed.add_field(name="Linked to weak glutes", value=clip(_bullets(guide.injuries), 1024), inline=False)
    embed.add_field(name="If you sit a lot", value=clip(guide.sitting, 1024), inline=False)
    embed.set_footer(text=clip(guide.disclaimer, 2048))
    return embed
