"""Embeds for exercises, lists and the explainer."""

from __future__ import annotations

import discord

from bot.content.schema import SUGGESTED_LEGEND, Content, Exercise
from bot.render.limits import clip
from bot.render.plan import COLOUR, NOT_ADVICE, footer, legend

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
    dose_from = f" _(article {exercise.dose.source})_" if exercise.dose.source else ""
    embed = discord.Embed(
        title=clip(exercise.name, 256),
        description=clip(
            f"{exercise.summary}\n\n**Dose:** {exercise.dose.render()}{dose_from}\n"
            f"**Works:** {muscles}\n**Kit:** {equipment} · **Position:** {exercise.position}\n"
            f"**Source:** article {exercise.source}",
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
    marked = legend(embed.description, *(f.value for f in embed.fields))
    if exercise.dose.suggested:
        marked = SUGGESTED_LEGEND + " A cautious start: adjust it to how it feels."
    # A card whose safety lines say when to stop does not say it again in the footer.
    stops = any("stop" in line.lower() for line in exercise.safety)
    embed.set_footer(text=footer(marked, NOT_ADVICE if stops else content.guide.caution))
    return embed


def list_embed(exercises: list[Exercise], page: int, title: str, caution: str) -> discord.Embed:
    pages = max(1, -(-len(exercises) // LIST_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = exercises[page * LIST_PAGE_SIZE : (page + 1) * LIST_PAGE_SIZE]
    lines = [f"**{e.name}** · {e.dose.render()} · _{e.type}_" for e in chunk]
    embed = discord.Embed(
        title=clip(title, 256),
        description=clip("\n".join(lines) or "No exercise matches those filters.", 4096),
        colour=COLOUR,
    )
    legend = SUGGESTED_LEGEND if any(e.dose.suggested for e in chunk) else None
    embed.set_footer(
        text=footer(f"Page {page + 1}/{pages} · {len(exercises)} exercises · /glutes exercise for details", legend,
                    caution)
    )
    return embed


def why_embed(content: Content) -> discord.Embed:
    guide = content.guide
    embed = discord.Embed(title="Why glutes matter for runners", description=clip(guide.intro, 4096), colour=COLOUR)
    for slug, text in list(guide.muscles.items())[:5]:
        embed.add_field(name=clip(guide.muscle_names[slug], 256), value=clip(text, 1024), inline=False)
    embed.add_field(name="Linked to weak glutes", value=clip(_bullets(guide.injuries), 1024), inline=False)
    if guide.facts:
        embed.add_field(name="Worth knowing", value=clip(_bullets(guide.facts), 1024), inline=False)
    embed.add_field(name="If you sit a lot", value=clip(guide.sitting, 1024), inline=False)
    _safety_fields(content, embed)
    embed.set_footer(text=footer("More in /glutes safety.", guide.caution))
    return embed


def _after_run(content: Content) -> str:
    guide = content.guide
    stretches = [content.exercises[s] for s in guide.after_run_stretches if s in content.exercises]
    lines = [f"**{s.name}** · {s.dose.render()}" for s in stretches]
    text = "\n".join([guide.after_run or "", *(f"• {line}" for line in lines)]).strip()
    if any(s.dose.suggested for s in stretches):
        text += f"\n{SUGGESTED_LEGEND}"
    return text


def _safety_fields(content: Content, embed: discord.Embed) -> None:
    guide = content.guide
    embed.add_field(name="⚠️ Before you start", value=clip(guide.disclaimer, 1024), inline=False)
    if guide.screening:
        embed.add_field(name="Get screened", value=clip(guide.screening, 1024), inline=False)


def safety_embed(content: Content) -> discord.Embed:
    """The disclaimer, screening advice and after-run stretches in one place."""
    guide = content.guide
    embed = discord.Embed(
        title="Training safely",
        description=clip(f"**{guide.caution}**", 4096),
        colour=COLOUR,
    )
    _safety_fields(content, embed)
    after = _after_run(content)
    if after:
        embed.add_field(name="After every run", value=clip(after, 1024), inline=False)
    embed.add_field(name="If you sit a lot", value=clip(guide.sitting, 1024), inline=False)
    # The stop rule is the description: said once, not again in a footer.
    return embed


def stretch_advice(content: Content) -> str:
    """Shown where a member logs a stretch: the after-run stretches and their doses."""
    after = _after_run(content)
    return f"🧘 {after}" if after else ""
