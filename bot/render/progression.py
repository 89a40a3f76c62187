"""Replies to "how did it feel?" and to taking the next step."""

from __future__ import annotations

from bot.content.schema import RoutineStep
from bot.core.progression import EASY_WEEKS_TO_OFFER, FEEL_LABELS, Feel, FeelResult
from bot.render.limits import MESSAGE_MAX, clip

FEEL_QUESTION = "How did it feel?"


def _step(step: RoutineStep) -> str:
    return f"step {step.index + 1} of {step.count} ({step.note})"


def feel_text(result: FeelResult, caution: str) -> str:
    label = FEEL_LABELS[result.feel].lower()
    if result.already:
        text = f"You already told me how that week felt: {label}. One answer a week counts."
    elif result.feel is Feel.EASY and result.offered is not None:
        text = (
            f"Noted: {label}, {result.easy_weeks} weeks running. Ready for {_step(result.offered)}? "
            "Press **Take the next step** if you are; nothing changes unless you do."
        )
    elif result.feel is Feel.EASY and result.step.is_top:
        text = f"Noted: {label}. You are on the top {_step(result.step)}: keep it up."
    elif result.feel is Feel.EASY:
        text = (
            f"Noted: {label}. After {EASY_WEEKS_TO_OFFER} easy weeks in a row I offer the next step. "
            f"For now: {_step(result.step)}."
        )
    elif result.feel is Feel.RIGHT:
        text = f"Noted: {label}. Stay on {_step(result.step)}."
    elif result.stepped_back:
        text = f"Noted: {label}, two weeks running. Back to {_step(result.step)}."
    else:
        text = (
            f"Noted: {label}. Stay on {_step(result.step)} and keep the form clean; "
            "another hard week takes you a step back."
        )
    return clip(f"{text}\n-# {caution}", MESSAGE_MAX)


def step_taken_text(step: RoutineStep, minutes: int) -> str:
    return clip(
        f"⬆️ You are on {_step(step)}: about {minutes} min a session. `/glutes today` shows the doses; "
        "`/glutes progression reset` takes you back to the start.",
        MESSAGE_MAX,
    )
