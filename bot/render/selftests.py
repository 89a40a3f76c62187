"""Embeds for self-tests and their results (always shown privately)."""

from __future__ import annotations

import discord

from bot.content.schema import REST_NOTE, SUGGESTED_MARK, WITH_EARLIER, Content, Outcome, SelfTest, minutes_for
from bot.core.retests import changes
from bot.core.selftests import HistoryEntry, Recommendation, StagedExercise
from bot.render.limits import clip
from bot.render.plan import COLOUR, NOT_ADVICE, footer, legend, per_week_text, source_text, step_time_text
from bot.render.retests import changes_text

RETEST_WEEKS_TEXT = f"a few weeks {SUGGESTED_MARK}"


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
    text = f"{sides} Only you see this, and results never go on a board."
    # The test's own safety lines say when to stop; the footer does not say it again.
    embed.set_footer(text=footer(text, legend(*test.steps, *test.look_for, *test.safety), NOT_ADVICE))
    return embed


def side_text(test: SelfTest, side: str) -> str:
    """``Left leg standing`` on a one-sided test; empty for a test of both sides."""
    return "" if side == "both" else f"{side.title()} {test.side_word}"


def answer_label(test: SelfTest, side: str, outcome: Outcome) -> str:
    """A button: ``Left leg standing: pelvis dropped``, so the side pressed is the leg the test names."""
    named = side_text(test, side)
    if not named:
        return outcome.label
    return f"{named}: {outcome.label[:1].lower()}{outcome.label[1:]}"


def verdict_mark(weak: bool, unsure: bool) -> str:
    """⚠️ weak, ❔ can't tell, ✅ fine."""
    return "⚠️" if weak else "❔" if unsure else "✅"


def _line(content: Content, item: StagedExercise) -> str:
    name = f"**{content.exercises[item.slug].name}**"
    if item.easier:
        name += f" (easier form: {item.easier[:1].lower()}{item.easier[1:].rstrip('.')})"
    return f"{name} · {item.dose.render()}{source_text(item.dose)}"


def _routine_field(embed: discord.Embed, rec: Recommendation, weak: bool) -> None:
    if rec.routine is None:
        return
    if weak:
        text = "Keep it going: the stages below come on top of it, on days of their own."
    else:
        text = "Keep to it: this result asks for nothing more."
    embed.add_field(name=clip(f"Your weekly routine · {rec.routine.routine_name}", 256),
                    value=clip(f"Your {step_time_text(rec.routine)}. {text}", 1024), inline=False)


def recommendation_embed(content: Content, rec: Recommendation) -> discord.Embed:
    named = side_text(rec.test, rec.side)
    side = f" ({named.lower()})" if named else ""
    mark = verdict_mark(rec.outcome.weak, rec.outcome.unsure)
    embed = discord.Embed(
        title=clip(f"{mark} {rec.test.name}{side}: {rec.outcome.label}", 256),
        description=clip(rec.outcome.recommendation, 4096),
        colour=COLOUR,
    )
    _routine_field(embed, rec, rec.outcome.weak)
    if rec.lead_in is not None:
        minutes = minutes_for(rec.lead_in.dose.seconds())
        embed.add_field(
            name=clip(f"Before your routine · 1 set {SUGGESTED_MARK}, about {minutes} min", 256),
            value=clip(f"{_line(content, rec.lead_in)}\n`/glutes today` adds it in front of your routine.", 1024),
            inline=False,
        )
    for stage in rec.stages:
        minutes = minutes_for(stage.seconds)
        parts = [stage.title]
        if stage.with_earlier:
            parts.append(WITH_EARLIER[stage.with_earlier])
        parts += [per_week_text(stage.per_week, stage.per_week_suggested), f"about {minutes} min"]
        lines = [_line(content, item) for item in stage.exercises]
        embed.add_field(name=clip(" · ".join(parts), 256), value=clip("\n".join(lines), 1024), inline=False)
    text = "Saved privately. See /test history"
    text += f"; repeat the test in {RETEST_WEEKS_TEXT} to see the change." if rec.outcome.weak else "."
    if rec.points_counted:
        text += " +3 points."
    shown = [rec.outcome.recommendation, *(f"{f.name} {f.value}" for f in embed.fields), text]
    rests = REST_NOTE if rec.routine is not None or rec.lead_in is not None or rec.stages else None
    embed.set_footer(text=footer(text, legend(*shown, rests), rests, content.guide.caution))
    return embed


def history_embed(entries: list[HistoryEntry]) -> discord.Embed:
    if not entries:
        text = "No self-tests yet. Try `/test hip-drop`."
    else:
        lines = []
        for e in entries:
            side = "" if e.side == "both" else f" ({e.side} {e.side_word})"
            mark = verdict_mark(e.weak, e.unsure)
            lines.append(f"{discord.utils.format_dt(e.at, 'd')} · {e.test_name}{side}: {mark} {e.outcome_label}")
        text = "\n".join(lines)
    embed = discord.Embed(title="Your self-test history", description=clip(text, 4096), colour=COLOUR)
    found = changes(entries)
    if found:
        embed.add_field(name="Before → now", value=changes_text(found), inline=False)
    return embed
