"""Every self-test result, as members see it: staged, short lead-in, times that match the doses."""

from __future__ import annotations

import re

import pytest

from bot.content import Content, load_content
from bot.content.schema import (
    LEAD_IN_SECONDS_MAX,
    PLAN_STAGES,
    REST_NOTE,
    SUGGESTED_LEGEND,
    WITH_EARLIER,
    minutes_for,
    session_seconds,
)
from bot.core.selftests import Recommendation, staged_plan
from bot.i18n import Languages
from bot.render.selftests import recommendation_embed
from bot.render.selftests import test_embed as selftest_embed

CONTENT = load_content()
ENGLISH = Languages().english
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
    step = content.default_routine().step(3)
    rec = Recommendation(test, outcome, "left", outcome.exercises, False, lead, stages, routine=step)
    embed = recommendation_embed(ENGLISH, content, rec)
    fields = list(embed.fields)
    assert all("in this order" not in (f.name or "") for f in fields)
    # Every result names the member's own routine step, its time and its days.
    routine = fields.pop(0)
    assert routine.name.startswith("Your weekly routine")
    assert f"step 4 of 5: about {minutes_for(step.seconds)} min, 2 days a week" in routine.value
    if outcome.weak:
        assert lead is not None
        assert (lead.dose.sets or 1) == 1
        assert lead.dose.seconds() < LEAD_IN_SECONDS_MAX
        assert content.exercise(lead.slug).type == "activation"
        first = fields.pop(0)
        assert first.name.startswith("Before your routine · 1 set †")
        assert _minutes(first.name) == minutes_for(lead.dose.seconds()) <= 2
        assert stages[0].when == "this-week"
        assert "on top of it" in routine.value
    else:
        assert lead is None
        assert stages == [], "a result that is not weak asks for no sessions beyond the weekly routine"
        assert "asks for nothing more" in routine.value
    assert [s.when for s in stages] == sorted((s.when for s in stages), key=PLAN_STAGES.index)
    assert len(fields) == len(stages)
    session: list = []
    for index, (field, stage) in enumerate(zip(fields, stages, strict=True)):
        assert field.name.startswith(stage.title)
        assert "a week" in field.name
        # A later stage says whether it adds to the one before or replaces it; the time is the whole session.
        if index:
            assert WITH_EARLIER[stage.with_earlier] in field.name
        session = [*session, *stage.exercises] if stage.with_earlier == "adds" else list(stage.exercises)
        assert _minutes(field.name) == minutes_for(session_seconds([e.dose for e in session]))
        assert len(field.value.splitlines()) == len(stage.exercises) <= 3
    footer = embed.footer.text or ""
    assert footer.endswith(content.guide.caution)
    assert REST_NOTE in footer
    assert SUGGESTED_LEGEND in footer
    assert len(embed) <= 6000


def test_cant_tell_is_no_green_tick_and_promises_nothing(content: Content) -> None:
    for test in content.selftests.values():
        outcome = test.outcome("cant-tell")
        assert outcome.unsure
        assert not outcome.weak
        embed = recommendation_embed(ENGLISH, content, Recommendation(test, outcome, "left", [], False))
        assert embed.title.startswith("❔"), embed.title
        assert "safe" not in (embed.description or "").lower()


def test_a_weak_hip_drop_starts_on_the_easier_side_plank(content: Content) -> None:
    outcome = content.selftest("hip-drop").outcome("hip-drops")
    _lead, stages = staged_plan(content, outcome)
    first = {e.slug: e for e in stages[0].exercises}
    assert first["side-plank"].easier == content.exercise("side-plank").easier
    later = {e.slug: e for e in stages[1].exercises}
    assert later["side-plank"].easier is None, "the full 3 × 30 s side plank comes when it gets easy"
    rec = Recommendation(content.selftest("hip-drop"), outcome, "left", [], False, None, stages)
    embed = recommendation_embed(ENGLISH, content, rec)
    assert "Side plank** (easier form: rest your knees on the floor" in embed.fields[0].value


def test_the_lead_in_keeps_the_10_s_hold_first_and_marks_its_one_set(content: Content) -> None:
    outcome = content.selftest("hip-drop").outcome("hip-drops")
    lead, _stages = staged_plan(content, outcome)
    assert lead is not None
    assert lead.dose.render().endswith("(a 10 s hold first, to find the muscle)")
    rec = Recommendation(content.selftest("hip-drop"), outcome, "left", [], False, lead, [])
    embed = recommendation_embed(ENGLISH, content, rec)
    assert "1 set †" in embed.fields[0].name
    assert "a 10 s hold first" in embed.fields[0].value
    assert "_(article 001)_" in embed.fields[0].value


@pytest.mark.parametrize("test_slug", sorted(CONTENT.selftests))
def test_self_test_embed_says_the_stop_rule_once(content: Content, test_slug: str) -> None:
    test = content.selftest(test_slug)
    embed = selftest_embed(ENGLISH, test, content.guide.caution)
    assert any("stop" in line.lower() for line in test.safety)
    assert "stop" not in (embed.footer.text or "").lower()
    assert "Not medical advice" in (embed.footer.text or "")
