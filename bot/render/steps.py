"""Small texts the feature messages share (self-tests, nudges), in the language of ``tr``: how often, a
member's step, where a dose comes from, the not-advice footer."""

from __future__ import annotations

from bot.content.schema import SUGGESTED_MARK, Dose, RoutineStep, minutes_for
from bot.i18n import Texts


def often_text(tr: Texts, times: int, suggested: bool) -> str:
    """``once a week`` / ``3 days a week``, marked † when the figure is the bot's own."""
    text = tr.n("once a week", "{count} days a week", times)
    return f"{text} {SUGGESTED_MARK}" if suggested else text


def step_time(tr: Texts, step: RoutineStep) -> str:
    """``step 2 of 5: about 7 min, once a week``."""
    return tr.t(
        "step {step} of {count}: about {minutes} min, {often}",
        step=step.index + 1, count=step.count, minutes=minutes_for(step.seconds),
        often=often_text(tr, step.sessions_per_week, step.frequency_suggested),
    )


def source_note(tr: Texts, dose: Dose) -> str:
    """`` _(article 004)_`` after a sourced dose; nothing for the bot's own."""
    return " _({article})_".format(article=tr.t("article {number}", number=dose.source[:3])) if dose.source else ""


def not_advice(tr: Texts) -> str:
    return tr.t("Not medical advice. More in /glutes safety.")


def about_minutes(tr: Texts, minutes: int) -> str:
    return tr.t("about {minutes} min", minutes=minutes)
