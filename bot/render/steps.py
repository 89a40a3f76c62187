"""Small texts the feature messages share (self-tests, nudges), in the language of ``tr``, with ``tr`` first:
how often, a member's step, where a dose comes from, the not-advice footer. They are the plan's own texts
(:mod:`bot.render.plan`), so a step reads the same on the routine, the nudge and a self-test result."""

from __future__ import annotations

from bot.content.schema import Dose, RoutineStep
from bot.i18n import Texts
from bot.render.plan import NOT_ADVICE, per_week_text, source_text, step_time_text


def often_text(tr: Texts, times: int, suggested: bool) -> str:
    """``once a week`` / ``3 days a week``, marked † when the figure is the bot's own."""
    return per_week_text(times, suggested, tr)


def step_time(tr: Texts, step: RoutineStep) -> str:
    """``step 2 of 5: about 7 min, once a week``."""
    return step_time_text(step, tr)


def source_note(tr: Texts, dose: Dose) -> str:
    """`` _(article 004)_`` after a sourced dose; nothing for the bot's own."""
    return source_text(dose, tr)


def not_advice(tr: Texts) -> str:
    return tr.t(NOT_ADVICE)


def about_minutes(tr: Texts, minutes: int) -> str:
    return tr.t("about {minutes} min", minutes=tr.number(minutes))
