from __future__ import annotations

import pytest

from bot.content import Content, Dose, Routine
from bot.content.schema import HOLD_MAX, REPS_MAX, SESSIONS_MAX


def _renders(routine: Routine, week: int) -> list[tuple[str, str]]:
    step = routine.step_for_week(week)
    return [(slug, dose.render()) for slug, dose in step.items]


def test_week_one_is_the_article_dose(content: Content) -> None:
    routine = content.routine("five-minute")
    step = routine.step_for_week(1)
    assert step.week == 1
    assert step.sessions_per_week == 1
    assert step.note
    assert [(s, d) for s, d in step.items] == [(i.exercise, i.dose) for i in routine.items]


def test_week_one_and_week_eight_differ(content: Content) -> None:
    for routine in content.routines.values():
        one, eight = routine.step_for_week(1), routine.step_for_week(8)
        assert (_renders(routine, 1), one.sessions_per_week) != (_renders(routine, 8), eight.sessions_per_week), (
            routine.slug
        )


def test_five_minute_builds_reps_then_a_second_day(content: Content) -> None:
    routine = content.routine("five-minute")
    week8 = dict(routine.step_for_week(8).items)
    assert week8["reverse-lunge"].reps == 15
    assert week8["bent-knee-plank"].hold_seconds > 10
    assert routine.step_for_week(8).sessions_per_week == 2
    assert routine.step_for_week(12).sessions_per_week == 3
    reps = [dict(routine.step_for_week(w).items)["reverse-lunge"].reps for w in range(1, 20)]
    assert reps == sorted(reps), "reps never go down"


def test_isolation_then_loading(content: Content) -> None:
    routine = content.routine("isolation-to-loading")
    early = [content.exercise(s).type for s, _ in routine.step_for_week(1).items]
    later = [content.exercise(s).type for s, _ in routine.step_for_week(6).items]
    assert set(early) == {"activation"}
    assert "loaded" in later


@pytest.mark.parametrize("week", [*range(1, 60), 104, 520])
def test_doses_stay_sane(content: Content, week: int) -> None:
    for routine in content.routines.values():
        step = routine.step_for_week(week)
        assert 1 <= step.sessions_per_week <= min(SESSIONS_MAX, 3)
        for slug, dose in step.items:
            assert slug in content.exercises
            if dose.reps is not None:
                assert 1 <= (dose.reps_max or dose.reps) <= min(REPS_MAX, routine.progression.max_reps)
            if dose.hold_seconds is not None:
                top = dose.hold_seconds_max or dose.hold_seconds
                assert 1 <= top <= min(HOLD_MAX, routine.progression.max_hold_seconds)
            if dose.sets is not None:
                assert dose.sets <= 10
    five = content.routine("five-minute").step_for_week(week)
    for _, dose in five.items:
        assert (dose.reps or 0) <= 15
        assert (dose.hold_seconds or 0) <= 15


def test_week_zero_is_rejected(content: Content) -> None:
    with pytest.raises(ValueError):
        content.default_routine().step_for_week(0)


def test_scaled_respects_range_top() -> None:
    dose = Dose(reps=10, reps_max=12, sets=4)
    assert dose.scaled(1, 0, 50, 60).render() == "4 × 11–12 reps"
    assert dose.scaled(5, 0, 50, 60).render() == "4 × 12 reps"
    hold = Dose(sets=3, hold_seconds=30, per_side=True)
    assert hold.scaled(0, 20, 50, 45).render() == "3 × 45 s hold per side"
    assert hold.scaled(0, 0, 50, 45) is hold
