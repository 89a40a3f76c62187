"""Replies to "how did it feel?", to "it hurt", and to taking the next step, in the language of ``tr``."""

from __future__ import annotations

from bot.content.schema import Content, RoutineStep
from bot.core.progression import EASY_WEEKS_TO_OFFER, FEEL_LABELS, Feel, FeelResult
from bot.i18n import ENGLISH, N_, Texts
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import legend, rest_note, step_time_text

FEEL_QUESTION = N_("How did it feel?")
HURT_LABEL = N_("It hurt")


def _step(step: RoutineStep, tr: Texts = ENGLISH) -> str:
    return f"{step_time_text(step, tr)} ({step.note.rstrip('.')})"


def easier_options(content: Content, step: RoutineStep, tr: Texts = ENGLISH) -> str:
    """Each move of the step with its card's easier form, one line each."""
    lines = []
    for slug, _dose in step.items:
        exercise = content.exercises.get(slug)
        if exercise is None or not exercise.easier:
            continue
        linked = content.exercises.get(exercise.easier)
        easier = tr.t("swap in **{name}**.", name=linked.name) if linked else exercise.easier
        lines.append(f"• {exercise.name}: {easier}")
    return "\n".join(lines)


def _with_notes(text: str, last: str | None = None, tr: Texts = ENGLISH) -> str:
    """The text, then small lines: the † legend, the rests the time assumes, and ``last``."""
    rest = rest_note(tr)
    notes = [n for n in (legend(text, rest, tr=tr), rest, last) if n]
    return clip(text + "".join(f"\n-# {n}" for n in notes), MESSAGE_MAX)


def feel_text(result: FeelResult, content: Content, tr: Texts = ENGLISH) -> str:
    label = tr.t(FEEL_LABELS[result.feel]).lower()
    step = _step(result.step, tr)
    if result.already:
        text = tr.t("You already told me how that week felt: {feel}. One answer a week counts. You are on {step}.",
                    feel=label, step=step)
    elif result.feel is Feel.EASY and result.offered is not None:
        text = tr.t(
            "Noted: {feel}, {weeks} weeks running. You are on {step}. Ready for {next}? "
            "Press **Take the next step** if you are; nothing changes unless you do.",
            feel=label, weeks=result.easy_weeks, step=step, next=_step(result.offered, tr),
        )
    elif result.feel is Feel.EASY and result.step.is_top:
        text = tr.t("Noted: {feel}. You are on the top {step}. Keep it up.", feel=label, step=step)
    elif result.feel is Feel.EASY:
        text = tr.t("Noted: {feel}. After {weeks} easy weeks in a row I offer the next step. For now: {step}.",
                    feel=label, weeks=EASY_WEEKS_TO_OFFER, step=step)
    elif result.feel is Feel.RIGHT:
        text = tr.t("Noted: {feel}. Stay on {step}.", feel=label, step=step)
    else:
        if result.stepped_back:
            text = tr.t("Noted: {feel}, two weeks running. Back to {step}.", feel=label, step=step)
        elif result.step.index == 0:
            text = tr.t(
                "Noted: {feel}. You are on {step}, the first step, so there is no step back: keep the form clean, "
                "and use an easier form where a move is too much.", feel=label, step=step,
            )
        else:
            text = tr.t(
                "Noted: {feel}. Stay on {step} and keep the form clean; another hard week takes you a step back.",
                feel=label, step=step,
            )
        options = easier_options(content, result.step, tr)
        if options:
            text += "\n" + tr.t("Easier forms from the cards, for any move that was too much:") + f"\n{options}"
        text += "\n" + tr.t("If a move hurt rather than felt hard, press **{button}**.", button=tr.t(HURT_LABEL))
    return _with_notes(text, content.guide.caution, tr)


def hurt_text(step: RoutineStep, content: Content, tr: Texts = ENGLISH) -> str:
    """Pain is not "hard": stop the move that hurt, and see someone if it keeps coming back."""
    text = tr.t(
        "Sorry to hear that. Pain is a different answer from hard:\n"
        "• Stop the move that hurt. Leave it out until it no longer hurts, and do the rest.\n"
        "• If the pain persists or comes back, see a physio or doctor before you do that move again.\n"
        "Nothing changes on your ladder: you stay on {step}. "
        "`/glutes exercise` shows each move's easier form.", step=_step(step, tr),
    )
    # The stop rule is the message itself: no caution line repeats it.
    return _with_notes(text, tr.t("Not medical advice."), tr)


def step_taken_text(step: RoutineStep, tr: Texts = ENGLISH) -> str:
    text = tr.t(
        "⬆️ You are on {step}. `/glutes today` shows the doses; "
        "`/glutes progression reset` takes you back to the start.", step=_step(step, tr),
    )
    return _with_notes(text, tr=tr)
