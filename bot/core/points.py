"""Points per check-in kind: the one place to change them."""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import ENGLISH, Texts


class Kind(StrEnum):
    ROUTINE = "routine"
    EXTRA = "extra"
    STRETCH = "stretch"
    TEST = "test"
    STANDUP = "standup"


POINTS: dict[Kind, int] = {
    Kind.ROUTINE: 10,
    Kind.EXTRA: 5,
    Kind.STRETCH: 2,
    Kind.TEST: 3,
    Kind.STANDUP: 1,
}

# Stand-ups count at most this many times a day (each one is its own slot in the period key).
STANDUP_DAILY_CAP = 8

UNDO_WINDOW_MINUTES = 10

LABELS: dict[Kind, str] = {
    Kind.ROUTINE: "weekly routine",
    Kind.EXTRA: "extra strength session",
    Kind.STRETCH: "stretch",
    Kind.TEST: "self-test",
    Kind.STANDUP: "stand-up",
}


def rules_text(tr: Texts = ENGLISH) -> str:
    """The counting rules, for help texts, in the language of ``tr``."""
    return tr.t(
        "**Points**: routine {routine}, extra {extra}, stretch {stretch}, self-test {test}, stand-up {standup} "
        "(up to {cap} a day).\n"
        "**Limits**: one routine per club-week; one stretch and one self-test per day; one extra a day, and only "
        "as many a week as your own plan asks for (your step's days beyond the routine, plus a weak self-test's "
        "plan). You can log yesterday but not earlier, and never the future. "
        "Undo your last check-in within {minutes} minutes with `/undo`.",
        routine=POINTS[Kind.ROUTINE], extra=POINTS[Kind.EXTRA], stretch=POINTS[Kind.STRETCH], test=POINTS[Kind.TEST],
        standup=POINTS[Kind.STANDUP], cap=STANDUP_DAILY_CAP, minutes=UNDO_WINDOW_MINUTES,
    )
