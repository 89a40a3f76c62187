"""The feel rule on its own: two easy weeks offer a step, hard twice steps back, never off the ladder."""

from __future__ import annotations

import pytest

from bot.core.progression import Feel, Transition, next_state


def run(feels: list[Feel], steps: int = 5, take_offers: bool = True) -> list[Transition]:
    step = easy = hard = 0
    seen = []
    for feel in feels:
        t = next_state(feel, step, easy, hard, steps)
        seen.append(t)
        step, easy, hard = t.step, t.easy_weeks, t.hard_weeks
        if take_offers and t.offered_step is not None:
            step, easy = t.offered_step, 0
    return seen


def test_two_easy_weeks_offer_the_next_step() -> None:
    one, two = run([Feel.EASY, Feel.EASY], take_offers=False)
    assert one.offered_step is None
    assert two.offered_step == 1
    assert two.step == 0, "an offer is not a move"


def test_easy_weeks_must_be_in_a_row() -> None:
    seen = run([Feel.EASY, Feel.RIGHT, Feel.EASY])
    assert [t.offered_step for t in seen] == [None, None, None]
    seen = run([Feel.EASY, Feel.HARD, Feel.EASY])
    assert [t.offered_step for t in seen] == [None, None, None]


def test_hard_keeps_then_steps_back() -> None:
    seen = run([Feel.EASY, Feel.EASY, Feel.HARD, Feel.HARD])
    assert (seen[2].step, seen[2].stepped_back) == (1, False)
    assert (seen[3].step, seen[3].stepped_back) == (0, True)


def test_hard_at_the_base_stays_at_the_base() -> None:
    assert [t.step for t in run([Feel.HARD] * 4)] == [0, 0, 0, 0]


@pytest.mark.parametrize("steps", [1, 2, 5])
def test_never_offers_past_the_top(steps: int) -> None:
    seen = run([Feel.EASY] * 30, steps=steps)
    assert max(t.step for t in seen) <= steps - 1
    assert all(t.offered_step is None or t.offered_step <= steps - 1 for t in seen)
    assert seen[-1].offered_step is None
