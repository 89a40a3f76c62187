"""Replies to "how did it feel?", to "it hurt", and to taking the next step."""

from __future__ import annotations

from bot.content.schema import REST_NOTE, Content, RoutineStep
from bot.core.progression import EASY_WEEKS_TO_OFFER, FEEL_LABELS, Feel, FeelResult
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import legend, step_time_text

FEEL_QUESTION = "How did it feel?"
HURT_LABEL = "It hurt"


def _step(step: RoutineStep) -> str:
    return f"{step_time_text(step)} ({step.note.rstrip('.')})"


def easier_options(content: Content, step: RoutineStep) -> str:
    """Each move of the step with its card's easier form, one line each."""
    lines = []
    for slug, _dose in step.items:
        exercise = content.exercises.get(slug)
        if exercise is None or not exercise.easier:
            continue
        linked = content.exercises.get(exercise.easier)
        easier = f"swap in **{linked.name}**." if linked else exercise.easier
        lines.append(f"• {exercise.name}: {easier}")
    return "\n".join(lines)


def _with_notes(text: str, last: str | None = None) -> str:
    """The text, then small lines: the † legend, the rests the time assumes, and ``last``."""
    notes = [n for n in (legend(text, REST_NOTE), REST_NOTE, last) if n]
    return clip(text + "".join(f"\n-# {n}" for n in notes), MESSAGE_MAX)


def feel_text(result: FeelResult, content: Content) -> str:
    label = FEEL_LABELS[result.feel].lower()
    if result.already:
        text = (
            f"You already told me how that week felt: {label}. One answer a week counts. "
            f"You are on {_step(result.step)}."
        )
    elif result.feel is Feel.EASY and result.offered is not None:
        text = (
            f"Noted: {label}, {result.easy_weeks} weeks running. You are on {_step(result.step)}. "
            f"Ready for {_step(result.offered)}? "
            "Press **Take the next step** if you are; nothing changes unless you do."
        )
    elif result.feel is Feel.EASY and result.step.is_top:
        text = f"Noted: {label}. You are on the top {_step(result.step)}. Keep it up."
    elif result.feel is Feel.EASY:
        text = (
            f"Noted: {label}. After {EASY_WEEKS_TO_OFFER} easy weeks in a row I offer the next step. "
            f"For now: {_step(result.step)}."
        )
    elif result.feel is Feel.RIGHT:
        text = f"Noted: {label}. Stay on {_step(result.step)}."
    else:
        if result.stepped_back:
            text = f"Noted: {label}, two weeks running. Back to {_step(result.step)}."
        elif result.step.index == 0:
            text = (
                f"Noted: {label}. You are on {_step(result.step)}, the first step, so there is no step back: "
                "keep the form clean, and use an easier form where a move is too much."
            )
        else:
            text = (
                f"Noted: {label}. Stay on {_step(result.step)} and keep the form clean; "
                "another hard week takes you a step back."
            )
        options = easier_options(content, result.step)
        if options:
            text += f"\nEasier forms from the cards, for any move that was too much:\n{options}"
        text += f"\nIf a move hurt rather than felt hard, press **{HURT_LABEL}**."
    return _with_notes(text, content.guide.caution)


def hurt_text(step: RoutineStep, content: Content) -> str:
    """Pain is not "hard": stop the move that hurt, and see someone if it keeps coming back."""
    text = (
        "Sorry to hear that. Pain is a different answer from hard:\n"
        "• Stop the move that hurt. Leave it out until it no longer hurts, and do the rest.\n"
        "• If the pain persists or comes back, see a physio or doctor before you do that move again.\n"
        f"Nothing changes on your ladder: you stay on {_step(step)}. "
        "`/glutes exercise` shows each move's easier form."
    )
    # The stop rule is the message itself: no caution line repeats it.
    return _with_notes(text, "Not medical advice.")


def step_taken_text(step: RoutineStep) -> str:
    text = (
        f"⬆️ You are on {_step(step)}. `/glutes today` shows the doses; "
        "`/glutes progression reset` takes you back to the start."
    )
    return _with_notes(text)
