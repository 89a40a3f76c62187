"""Every self-test result, as members see it: staged, short lead-in, times that match the doses."""

from __future__ import annotations

import re

import pytest

from bot.content import Content, load_content
from bot.content.schema import LEAD_IN_SECONDS_MAX, PLAN_STAGES, SUGGESTED_LEGEND, minutes_for, session_seconds
from bot.core.selftests import Recommendation, staged_plan
from bot.render.selftests import recommendation_embed
from bot.render.selftests import test_embed as selftest_embed

CONTENT = load_content()
OUTCOMES = [(t.slug, o.id) for t in CONTENT.selftests.values() for o in t.outcomes]


def _minutes(text: str) -> int:
    found = re.search(r"about (\d+) min", text)
    assert found, text
    return int(found.group(1))


@pytest.mark.parametrize(("test_slug", "outcome_id"), OUTCOMES)
def test_result_is_a_staged_plan_within_the_time_it_shows(content: Content, test_slug: str, outcome_id: str) -> None:
    test = content.selftest(test_slug)
    outcome = test.outcome(outcome_id)
    lead, stages = staged_plan(content, outcome)
    embed = recommendation_embed(content, Recommendation(test, outcome, "left", outcome.exercises, False, lead, stages))
    fields = list(embed.fields)
    assert all("in this order" not in (f.name or "") for f in fields)
    if outcome.weak:
        assert lead is not None
        assert (lead.dose.sets or 1) == 1
        assert lead.dose.seconds() < LEAD_IN_SECONDS_MAX
        assert content.exercise(lead.slug).type == "activation"
        first = fields.pop(0)
        assert first.name.startswith("Before your routine · 1 set")
        assert _minutes(first.name) == minutes_for(lead.dose.seconds()) <= 2
        assert stages[0].when == "this-week"
    else:
        assert lead is None
    assert [s.when for s in stages] == sorted((s.when for s in stages), key=PLAN_STAGES.index)
    assert len(fields) == len(stages)
    for field, stage in zip(fields, stages, strict=True):
        assert field.name.startswith(stage.title)
        assert "a week" in field.name
        assert _minutes(field.name) == minutes_for(session_seconds([e.dose for e in stage.exercises]))
        assert len(field.value.splitlines()) == len(stage.exercises) <= 3
    footer = embed.footer.text or ""
    assert footer.endswith(content.guide.caution)
    marked = any(s.per_week_suggested or any(e.dose.suggested for e in s.exercises) for s in stages) or bool(
        lead and lead.dose.suggested
    )
    assert (SUGGESTED_LEGEND in footer) == marked
    assert len(embed) <= 6000


@pytest.mark.parametrize("test_slug", sorted(CONTENT.selftests))
def test_self_test_embed_has_the_caution_and_a_stop_line(content: Content, test_slug: str) -> None:
    test = content.selftest(test_slug)
    embed = selftest_embed(test, content.guide.caution)
    assert (embed.footer.text or "").endswith(content.guide.caution)
    assert any("stop" in line.lower() for line in test.safety)
