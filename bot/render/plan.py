"""Embeds for a week's routine: the club post (base routine) and a member's own step."""

from __future__ import annotations

import discord

from bot.content.dose import SET_REST_SECONDS, SHORT_HOLD_REST_SECONDS, SHORT_HOLD_SECONDS
from bot.content.schema import REST_NOTE, SUGGESTED_LEGEND, SUGGESTED_MARK, Dose, RoutineStep, minutes_for
from bot.core.routines import WeekPlan
from bot.i18n import ENGLISH, N_, Texts
from bot.render.limits import clip

COLOUR = discord.Colour.from_rgb(232, 93, 4)
# The footer where the message's own safety lines already say when to stop.
NOT_ADVICE = N_("Not medical advice. More in /glutes safety.")


# The legend of the † mark, marked for the catalogues here too (its English lives with the content's doses).
_LEGEND = N_("† the bot's suggestion: no source article gives this figure.")
assert _LEGEND == SUGGESTED_LEGEND


def rest_note(tr: Texts = ENGLISH) -> str:
    """How the time estimates count rests, in the language of ``tr``."""
    if tr.language == "en":
        return REST_NOTE
    return tr.t(
        "Times include rests {mark}: {hold_rest} s between holds of {hold} s or less, {set_rest} s between other "
        "sets.", mark=SUGGESTED_MARK, hold_rest=SHORT_HOLD_REST_SECONDS, hold=SHORT_HOLD_SECONDS,
        set_rest=SET_REST_SECONDS,
    )


def bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def per_week_text(times: int, suggested: bool, tr: Texts = ENGLISH) -> str:
    text = tr.n("once a week", "{count} days a week", times)
    return f"{text} {SUGGESTED_MARK}" if suggested else text


def step_time_text(step: RoutineStep, tr: Texts = ENGLISH) -> str:
    """The member's own step, its time and its days: ``step 2 of 5: about 7 min, once a week``."""
    often = per_week_text(step.sessions_per_week, step.frequency_suggested, tr)
    return tr.t("step {step} of {count}: about {minutes} min, {often}", step=step.index + 1, count=step.count,
                minutes=tr.number(minutes_for(step.seconds)), often=often)


def article_text(source: str | None, tr: Texts = ENGLISH) -> str:
    """`` _(article 004)_`` after a sourced dose; nothing for the bot's own."""
    return " _(" + tr.t("article {number}", number=source) + ")_" if source else ""


def source_text(dose: Dose, tr: Texts = ENGLISH) -> str:
    """`` _(article 004)_`` after a sourced dose, like the cards show it; nothing for the bot's own."""
    return article_text(dose.source[:3] if dose.source else None, tr)


def legend(*texts: str | None, tr: Texts = ENGLISH) -> str | None:
    """The † legend, when any of ``texts`` carries the mark."""
    return tr.t(SUGGESTED_LEGEND) if any(SUGGESTED_MARK in (t or "") for t in texts) else None


def footer(*parts: str | None) -> str:
    """A footer from its non-empty parts, one per line; the caution line goes last so it is never cut."""
    lines = [p for p in parts if p]
    text = "\n".join(lines)
    if len(text) <= 2048:
        return text
    last = lines[-1]
    return clip("\n".join(lines[:-1]), 2047 - len(last)) + "\n" + last


def plan_embed(plan: WeekPlan, *, title_prefix: str | None = None, tr: Texts = ENGLISH) -> discord.Embed:
    prefix = title_prefix or tr.t("This week")
    # i18n: a post's or plan's title: "This week: Four-move glute routine".
    title = f"{prefix}: {plan.routine_name}" if tr.language == "en" else tr.t(
        "{title}: {routine}", title=prefix, routine=plan.routine_name)
    if plan.personal:
        title += " · " + tr.t("your step {step} of {count}", step=plan.step + 1, count=plan.step_count)
    if plan.lead_in is not None:
        timing = tr.t("⏱️ about {minutes} min with the lead-in set", minutes=tr.number(plan.minutes))
    else:
        timing = tr.t("⏱️ about {minutes} min", minutes=tr.number(plan.minutes))
    often = per_week_text(plan.sessions_per_week, plan.frequency_suggested, tr)
    embed = discord.Embed(
        title=clip(title, 256),
        description=clip(f"{plan.summary}\n{timing} · {often}", 4096),
        colour=COLOUR,
    )
    items = list(plan.items)
    if plan.lead_in is not None:
        items.insert(0, plan.lead_in)
    for number, item in enumerate(items, start=1):
        embed.add_field(
            name=clip(f"{number}. {item.name}", 256),
            value=clip(f"**{item.dose}**{article_text(item.source, tr)}\n{item.cue}", 1024),
            inline=False,
        )
    if plan.done:
        embed.add_field(
            name=tr.t("✅ Done this week"),
            value=clip("\n".join(f"• {step}" for step in plan.next_steps) or tr.t("Nice work."), 1024),
            inline=False,
        )
    if plan.why:
        embed.add_field(name=tr.t("Why this routine"), value=clip(plan.why, 1024), inline=False)
    if plan.personal:
        mark = f" {SUGGESTED_MARK}" if plan.note_suggested else ""
        now = tr.t("**Now:** {note}", note=plan.note)
        grow = f"{now}{mark}\n{plan.progression}\n" + tr.t(
            "After you log the routine, tell me how it felt (Easy / Just right / Hard). "
            "`/glutes progression reset` takes you back to the start."
        )
        embed.add_field(name=tr.t("How it grows"), value=clip(grow, 1024), inline=False)
        if plan.assumptions:
            embed.add_field(name=tr.t("Not from the articles"), value=clip(bullets(plan.assumptions), 1024),
                            inline=False)
    else:
        grow = tr.t("Each member climbs at their own pace: `/glutes today` shows your step.")
        embed.add_field(name=tr.t("How it grows"), value=clip(f"{plan.progression}\n{grow}", 1024), inline=False)
    rest = rest_note(tr)
    texts = [embed.description, *(f"{f.name} {f.value}" for f in embed.fields), rest]
    marked = legend(*texts, tr=tr) if not plan.any_suggested else tr.t(SUGGESTED_LEGEND)
    embed.set_footer(text=footer(None if plan.personal else plan.note, marked, rest, plan.caution))
    return embed
