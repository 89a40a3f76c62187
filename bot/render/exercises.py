"""Embeds for exercises, lists and the explainer."""

from __future__ import annotations

import discord

from bot.content.schema import SUGGESTED_LEGEND, Content, Exercise
from bot.i18n import ENGLISH, Texts
from bot.render.limits import clip
from bot.render.plan import COLOUR, NOT_ADVICE, article_text, footer, legend

LIST_PAGE_SIZE = 10


def fact_word(tr: Texts, kind: str, word: str) -> str:
    """A content fact (equipment, position, kind of exercise) in the language of ``tr``."""
    if tr.language == "en":
        return word
    words = {
        "equipment": {
            "none": tr.tc("equipment", "none"), "band": tr.tc("equipment", "band"),
            "dumbbell": tr.tc("equipment", "dumbbell"), "barbell": tr.tc("equipment", "barbell"),
            "wall": tr.tc("equipment", "wall"), "step": tr.tc("equipment", "step"),
            "mat": tr.tc("equipment", "mat"), "chair": tr.tc("equipment", "chair"),
        },
        "position": {
            "lying": tr.tc("position", "lying"), "side-lying": tr.tc("position", "side-lying"),
            "standing": tr.tc("position", "standing"), "plank": tr.tc("position", "plank"),
            "kneeling": tr.tc("position", "kneeling"), "seated": tr.tc("position", "seated"),
        },
        "exercise-type": {
            "activation": tr.tc("exercise-type", "activation"), "loaded": tr.tc("exercise-type", "loaded"),
            "stretch": tr.tc("exercise-type", "stretch"),
        },
    }
    return words[kind].get(word, word)


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1))


def _variant(content: Content, value: str | None) -> str | None:
    if not value:
        return None
    linked = content.exercises.get(value)
    return f"**{linked.name}**" if linked else value


def exercise_embed(content: Content, exercise: Exercise, *, tr: Texts = ENGLISH) -> discord.Embed:
    """An exercise's card; ``content`` and ``exercise`` already in the language of ``tr``."""
    muscles = ", ".join(content.guide.muscle_names.get(m, m) for m in exercise.muscles)
    equipment = ", ".join(fact_word(tr, "equipment", e) for e in exercise.equipment)
    dose_from = article_text(exercise.dose.source, tr)
    lines = [
        tr.t("**Dose:** {dose}", dose=exercise.dose.render(tr)) + dose_from,
        tr.t("**Works:** {muscles}", muscles=muscles),
        tr.t("**Kit:** {equipment} · **Position:** {position}", equipment=equipment,
             position=fact_word(tr, "position", exercise.position)),
        tr.t("**Source:** article {number}", number=exercise.source),
    ]
    embed = discord.Embed(
        title=clip(exercise.name, 256),
        description=clip(f"{exercise.summary}\n\n" + "\n".join(lines), 4096),
        colour=COLOUR,
    )
    embed.add_field(name=tr.t("How to"), value=clip(_numbered(exercise.steps), 1024), inline=False)
    embed.add_field(name=tr.t("Cues"), value=clip(_bullets(exercise.cues), 1024), inline=False)
    if exercise.mistakes:
        embed.add_field(name=tr.t("Common mistakes"), value=clip(_bullets(exercise.mistakes), 1024), inline=False)
    easier, harder = _variant(content, exercise.easier), _variant(content, exercise.harder)
    if easier or harder:
        lines = [tr.t("Easier: {name}", name=easier) if easier else "",
                 tr.t("Harder: {name}", name=harder) if harder else ""]
        embed.add_field(name=tr.t("Make it easier or harder"), value=clip("\n".join(x for x in lines if x), 1024),
                        inline=False)
    embed.add_field(name=tr.t("⚠️ Safety"), value=clip(_bullets(exercise.safety), 1024), inline=False)
    marked = legend(embed.description, *(f.value for f in embed.fields), tr=tr)
    if exercise.dose.suggested:
        marked = tr.t(SUGGESTED_LEGEND) + " " + tr.t("A cautious start: adjust it to how it feels.")
    # A card whose safety lines say when to stop does not say it again in the footer (the English lines are
    # the ones read: every language says the same).
    english = content.localized("en").exercises.get(exercise.slug, exercise) if tr.language != "en" else exercise
    stops = any("stop" in line.lower() for line in english.safety)
    embed.set_footer(text=footer(marked, tr.t(NOT_ADVICE) if stops else content.guide.caution))
    return embed


def list_embed(
    exercises: list[Exercise], page: int, title: str, caution: str, *, tr: Texts = ENGLISH
) -> discord.Embed:
    pages = max(1, -(-len(exercises) // LIST_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = exercises[page * LIST_PAGE_SIZE : (page + 1) * LIST_PAGE_SIZE]
    lines = [f"**{e.name}** · {e.dose.render(tr)} · _{fact_word(tr, 'exercise-type', e.type)}_" for e in chunk]
    embed = discord.Embed(
        title=clip(title, 256),
        description=clip("\n".join(lines) or tr.t("No exercise matches those filters."), 4096),
        colour=COLOUR,
    )
    legend = tr.t(SUGGESTED_LEGEND) if any(e.dose.suggested for e in chunk) else None
    embed.set_footer(
        text=footer(tr.t("Page {page}/{pages} · {count} exercises · /glutes exercise for details", page=page + 1,
                         pages=pages, count=len(exercises)), legend, caution)
    )
    return embed


def why_embed(content: Content, *, tr: Texts = ENGLISH) -> discord.Embed:
    guide = content.guide
    embed = discord.Embed(title=tr.t("Why glutes matter for runners"), description=clip(guide.intro, 4096),
                          colour=COLOUR)
    for slug, text in list(guide.muscles.items())[:5]:
        embed.add_field(name=clip(guide.muscle_names[slug], 256), value=clip(text, 1024), inline=False)
    embed.add_field(name=tr.t("Linked to weak glutes"), value=clip(_bullets(guide.injuries), 1024), inline=False)
    if guide.facts:
        embed.add_field(name=tr.t("Worth knowing"), value=clip(_bullets(guide.facts), 1024), inline=False)
    embed.add_field(name=tr.t("If you sit a lot"), value=clip(guide.sitting, 1024), inline=False)
    _safety_fields(content, embed, tr)
    embed.set_footer(text=footer(tr.t("More in /glutes safety."), guide.caution))
    return embed


def _after_run(content: Content, tr: Texts = ENGLISH) -> str:
    guide = content.guide
    stretches = [content.exercises[s] for s in guide.after_run_stretches if s in content.exercises]
    lines = [f"**{s.name}** · {s.dose.render(tr)}" for s in stretches]
    text = "\n".join([guide.after_run or "", *(f"• {line}" for line in lines)]).strip()
    if any(s.dose.suggested for s in stretches):
        text += f"\n{tr.t(SUGGESTED_LEGEND)}"
    return text


def _safety_fields(content: Content, embed: discord.Embed, tr: Texts = ENGLISH) -> None:
    guide = content.guide
    embed.add_field(name=tr.t("⚠️ Before you start"), value=clip(guide.disclaimer, 1024), inline=False)
    if guide.screening:
        embed.add_field(name=tr.t("Get screened"), value=clip(guide.screening, 1024), inline=False)


def safety_embed(content: Content, *, tr: Texts = ENGLISH) -> discord.Embed:
    """The disclaimer, screening advice and after-run stretches in one place."""
    guide = content.guide
    embed = discord.Embed(
        title=tr.t("Training safely"),
        description=clip(f"**{guide.caution}**", 4096),
        colour=COLOUR,
    )
    _safety_fields(content, embed, tr)
    after = _after_run(content, tr)
    if after:
        embed.add_field(name=tr.t("After every run"), value=clip(after, 1024), inline=False)
    embed.add_field(name=tr.t("If you sit a lot"), value=clip(guide.sitting, 1024), inline=False)
    # The stop rule is the description: said once, not again in a footer.
    return embed


def stretch_advice(content: Content, tr: Texts = ENGLISH) -> str:
    """Shown where a member logs a stretch: the after-run stretches and their doses."""
    after = _after_run(content, tr)
    return f"🧘 {after}" if after else ""
