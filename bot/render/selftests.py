"""Embeds for self-tests and their results (always shown privately), in the language of ``tr``: the bot's
own words from the catalogues, the test's from the content in that language."""

from __future__ import annotations

import dataclasses

import discord
from babel.dates import get_month_names

from bot.content.schema import (
    STAGE_TITLES,
    SUGGESTED_MARK,
    WITH_EARLIER,
    Content,
    Outcome,
    SelfTest,
    minutes_for,
    rest_note,
)
from bot.core.retests import changes
from bot.core.selftests import HistoryEntry, Recommendation, StagedExercise
from bot.i18n import Texts
from bot.pictures.charts import TestHistory, TestPoint
from bot.pictures.service import HistoryWords
from bot.render.limits import clip
from bot.render.plan import COLOUR, NOT_ADVICE, footer, legend, per_week_text, source_text, step_time_text
from bot.render.retests import changes_text, side_name


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def local_test(content: Content, tr: Texts, test: SelfTest) -> SelfTest:
    """``test`` as the content in ``tr``'s language writes it (English when it has no such test)."""
    return content.localized(tr.language).selftests.get(test.slug, test)


def _local_outcome(test: SelfTest, outcome: Outcome) -> Outcome:
    return next((o for o in test.outcomes if o.id == outcome.id), outcome)


def test_embed(tr: Texts, test: SelfTest, caution: str) -> discord.Embed:
    """The test's card; ``test`` and ``caution`` already in the member's language."""
    embed = discord.Embed(title=clip(tr.t("Self-test: {name}", name=test.name), 256),
                          description=clip(test.summary, 4096), colour=COLOUR)
    steps = "\n".join(f"{n}. {s}" for n, s in enumerate(test.steps, start=1))
    embed.add_field(name=tr.t("How to"), value=clip(steps, 1024), inline=False)
    embed.add_field(name=tr.t("What to look for"), value=clip(_bullets(test.look_for), 1024), inline=False)
    embed.add_field(name=tr.t("⚠️ Safety"), value=clip(_bullets(test.safety), 1024), inline=False)
    if test.one_sided:
        text = tr.t("Answer for each side with the buttons below. Only you see this, and results never go on "
                    "a board.")
    else:
        text = tr.t("Answer with a button below. Only you see this, and results never go on a board.")
    # The test's own safety lines say when to stop; the footer does not say it again.
    marks = legend(*test.steps, *test.look_for, *test.safety)
    embed.set_footer(text=footer(text, tr.t(marks) if marks else None, tr.t(NOT_ADVICE)))
    return embed


def side_text(tr: Texts, test: SelfTest, side: str) -> str:
    """``Left leg standing`` on a one-sided test; empty for a test of both sides."""
    return "" if side == "both" else side_name(tr, side, test.side_word)


def answer_label(tr: Texts, test: SelfTest, side: str, outcome: Outcome) -> str:
    """A button: ``Left leg standing: pelvis dropped``, so the side pressed is the leg the test names."""
    named = side_text(tr, test, side)
    if not named:
        return outcome.label
    return tr.t("{side}: {answer}", side=named, answer=tr.after_colon(outcome.label))


def verdict_mark(weak: bool, unsure: bool) -> str:
    """⚠️ weak, ❔ can't tell, ✅ fine."""
    return "⚠️" if weak else "❔" if unsure else "✅"


def _line(tr: Texts, content: Content, item: StagedExercise) -> str:
    exercise = content.exercises[item.slug]
    name = f"**{exercise.name}**"
    if item.easier:
        easier = tr.after_colon((exercise.easier or item.easier).rstrip("."))
        name = tr.t("{name} (easier form: {easier})", name=name, easier=easier)
    return f"{name} · {item.dose.render(tr)}{source_text(item.dose, tr)}"


def _routine_field(tr: Texts, embed: discord.Embed, rec: Recommendation, weak: bool) -> None:
    if rec.routine is None:
        return
    if weak:
        text = tr.t("Keep it going: the stages below come on top of it, on days of their own.")
    else:
        text = tr.t("Keep to it: this result asks for nothing more.")
    embed.add_field(name=clip(tr.t("Your weekly routine · {routine}", routine=rec.routine.routine_name), 256),
                    value=clip(tr.t("Your {step}.", step=step_time_text(rec.routine, tr)) + f" {text}", 1024),
                    inline=False)


def recommendation_embed(tr: Texts, content: Content, rec: Recommendation) -> discord.Embed:
    """The result; ``content`` is the English content, the test's words are taken in ``tr``'s language."""
    local = content.localized(tr.language)
    test = local_test(content, tr, rec.test)
    outcome = _local_outcome(test, rec.outcome)
    named = side_text(tr, test, rec.side)
    if tr.language == "en":
        named = named.lower()
    mark = verdict_mark(outcome.weak, outcome.unsure)
    if named:
        title = tr.t("{mark} {test} ({side}): {result}", mark=mark, test=test.name, side=named, result=outcome.label)
    else:
        title = tr.t("{mark} {test}: {result}", mark=mark, test=test.name, result=outcome.label)
    embed = discord.Embed(title=clip(title, 256), description=clip(outcome.recommendation, 4096), colour=COLOUR)
    _routine_field(tr, embed, rec, outcome.weak)
    if rec.lead_in is not None:
        minutes = minutes_for(rec.lead_in.dose.seconds())
        embed.add_field(
            name=clip(tr.t("Before your routine · 1 set {mark}, about {minutes} min", mark=SUGGESTED_MARK,
                           minutes=minutes), 256),
            value=clip(_line(tr, local, rec.lead_in) + "\n"
                       + tr.t("`/glutes today` adds it in front of your routine."), 1024),
            inline=False,
        )
    for stage in rec.stages:
        parts = [tr.t(STAGE_TITLES.get(stage.when, stage.title))]
        if stage.with_earlier:
            parts.append(tr.t(WITH_EARLIER[stage.with_earlier]))
        parts += [per_week_text(stage.per_week, stage.per_week_suggested, tr),
                  tr.t("about {minutes} min", minutes=tr.number(minutes_for(stage.seconds)))]
        lines = [_line(tr, local, item) for item in stage.exercises]
        embed.add_field(name=clip(" · ".join(parts), 256), value=clip("\n".join(lines), 1024), inline=False)
    if outcome.weak:
        text = tr.t("Saved privately. See /test history; repeat the test in a few weeks {mark} to see the change.",
                    mark=SUGGESTED_MARK)
    else:
        text = tr.t("Saved privately. See /test history.")
    if rec.points_counted:
        text += " " + tr.t("+3 points.")
    shown = [outcome.recommendation, *(f"{f.name} {f.value}" for f in embed.fields), text]
    rests = rest_note(tr) if rec.routine is not None or rec.lead_in is not None or rec.stages else None
    marks = legend(*shown, rests)
    embed.set_footer(text=footer(text, tr.t(marks) if marks else None, rests, local.guide.caution))
    return embed


def _local_entry(content: Content, entry: HistoryEntry) -> HistoryEntry:
    """``entry`` with the test's name, outcome and side word as ``content`` (one language's) writes them."""
    test = content.selftests.get(entry.test_slug)
    if test is None:
        return entry
    outcome = next((o for o in test.outcomes if o.id == entry.outcome_id), None)
    label = outcome.label if outcome is not None else entry.outcome_label
    return dataclasses.replace(entry, test_name=test.name, outcome_label=label, side_word=test.side_word)


def history_embed(tr: Texts, entries: list[HistoryEntry], content: Content | None = None) -> discord.Embed:
    """The member's results, newest first; ``content`` (the English content) gives the tests' words in
    ``tr``'s language."""
    if content is not None:
        local = content.localized(tr.language)
        entries = [_local_entry(local, e) for e in entries]
    if not entries:
        text = tr.t("No self-tests yet. Try `/test hip-drop`.")
    else:
        lines = []
        for e in entries:
            named = side_name(tr, e.side, e.side_word)
            side = "" if e.side == "both" else f" ({named.lower() if tr.language == 'en' else named})"
            mark = verdict_mark(e.weak, e.unsure)
            lines.append(f"{discord.utils.format_dt(e.at, 'd')} · {e.test_name}{side}: {mark} {e.outcome_label}")
        text = "\n".join(lines)
    embed = discord.Embed(title=tr.t("Your self-test history"), description=clip(text, 4096), colour=COLOUR)
    found = changes(entries)
    if found:
        embed.add_field(name=tr.t("Before → now"), value=changes_text(tr, found), inline=False)
    return embed


def history_words(tr: Texts) -> HistoryWords:
    """The test-history chart's words in the member's language (the chart worker gets them plain)."""
    sides = {"left": tr.t("left"), "right": tr.t("right"), "both": tr.t("both sides")}
    names = get_month_names("abbreviated", locale=tr.locale)
    months = tuple(str(names[m]) for m in range(1, 13))

    def alt(history: TestHistory) -> str:
        parts = []
        for series in history.tests:
            latest: dict[str, TestPoint] = {}
            for point in sorted(series.points, key=lambda p: p.at):
                latest[point.side] = point
            found = [tr.t("{side}: {result} on {date}", side=sides.get(side, side), result=p.label,
                          date=tr.day_month(p.at)) for side, p in latest.items()]
            parts.append(tr.n("{test} ({count} result; latest {sides})", "{test} ({count} results; latest {sides})",
                              len(series.points), test=series.name, sides=", ".join(found)))
        return tr.t("Your self-test results over time, one line per side: {tests}.", tests="; ".join(parts))

    return HistoryWords(sides, months, alt)
