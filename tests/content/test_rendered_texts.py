"""Every card, plan step, result and feel reply as a member reads it: no doubled punctuation, † explained."""

from __future__ import annotations

import re
from datetime import date

import discord
import pytest

from bot.content import Content, load_content
from bot.content.schema import SUGGESTED_LEGEND, SUGGESTED_MARK
from bot.core.progression import Feel, FeelResult
from bot.core.routines import build_plan, personalise
from bot.core.selftests import Recommendation, staged_plan
from bot.i18n import Languages
from bot.render.exercises import exercise_embed, safety_embed
from bot.render.plan import plan_embed
from bot.render.progression import feel_text, hurt_text, step_taken_text
from bot.render.selftests import recommendation_embed
from bot.render.selftests import test_embed as selftest_embed

CONTENT = load_content()
ENGLISH = Languages().english
# Two marks in a row (". .", ".,", ",.", "..", ":." …) or a sentence's full stop inside closing brackets.
DOUBLED = re.compile(r"[.,;:!?]\s*[.,;:!?](?!\d)|\.\)")


def _text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    parts += [f"{f.name}\n{f.value}" for f in embed.fields]
    return "\n".join(parts)


def _problem(text: str) -> str | None:
    """What is wrong with a rendered text (with the place it occurs), or None."""
    found = DOUBLED.search(text.replace("…", ""))
    if found is not None:
        return "doubled punctuation: " + text[max(0, found.start() - 60) : found.end() + 20]
    if SUGGESTED_MARK in text.replace(SUGGESTED_LEGEND, "") and SUGGESTED_LEGEND not in text:
        return "a † with no legend"
    return None


def _rendered(content: Content) -> list[str]:
    texts = [_text(exercise_embed(content, ex)) for ex in content.exercises.values()]
    texts.append(_text(safety_embed(content)))
    for routine in content.routines.values():
        for index in range(routine.step_count):
            plan = build_plan(content, routine, index, date(2026, 11, 16))
            texts.append(_text(plan_embed(plan)))
            mine = personalise(content, plan, done=True, lead_in="side-lying-hip-abduction-band", plan_days=2)
            texts.append(_text(plan_embed(mine)))
            step = routine.step(index)
            texts.append(step_taken_text(step))
            texts.append(hurt_text(step, content))
            for feel in Feel:
                result = FeelResult(feel, False, routine, step, None, False, 1)
                texts.append(feel_text(result, content))
    for test in content.selftests.values():
        texts.append(_text(selftest_embed(ENGLISH, test, content.guide.caution)))
        for outcome in test.outcomes:
            lead, stages = staged_plan(content, outcome)
            rec = Recommendation(test, outcome, "left", outcome.exercises, True, lead, stages,
                                 routine=content.default_routine().step(0))
            texts.append(_text(recommendation_embed(ENGLISH, content, rec)))
    return texts


RENDERED = _rendered(CONTENT)


@pytest.mark.parametrize("text", RENDERED, ids=[t.splitlines()[0][:40] for t in RENDERED])
def test_no_doubled_punctuation_and_every_mark_explained(text: str) -> None:
    assert _problem(text) is None


def test_the_check_notices_doubled_punctuation_and_an_unexplained_mark() -> None:
    assert _problem("Stop on sharp pain.. Not medical advice.") is not None
    assert _problem("Hold for 10 s (article 001.)") is not None
    assert _problem(f"Hold for 5 s {SUGGESTED_MARK}.") == "a † with no legend"
    assert _problem(f"Hold for 5 s {SUGGESTED_MARK}.\n{SUGGESTED_LEGEND}") is None
    assert _problem("3×30 s, 1.5 min in all.") is None
