"""Texts for re-test reminders and the before → after lines of `/test history`, in the language of ``tr``."""

from __future__ import annotations

import discord

from bot.content.schema import SUGGESTED_MARK, suggested_legend
from bot.core.retests import Change, Scheduled
from bot.i18n import Texts
from bot.render.limits import MESSAGE_MAX, clip


def side_name(tr: Texts, side: str, side_word: str = "side") -> str:
    """``Left leg standing`` / ``Standbein links``: the side of a one-sided test as its buttons name it."""
    if side == "left":
        return tr.t("Left {side_word}", side_word=side_word)
    if side == "right":
        return tr.t("Right {side_word}", side_word=side_word)
    return side


def remind_set_text(tr: Texts, scheduled: Scheduled) -> str:
    when = discord.utils.format_dt(scheduled.due_at, "D")
    if scheduled.already:
        return tr.t("⏰ Already set: I'll DM you on {when} to repeat this test.", when=when)
    return tr.t(
        "⏰ Done: I'll DM you on {when} to repeat this test. Four weeks {mark} of the routine is a fair "
        "time to see a change. Keep your DMs from this server open.", when=when, mark=SUGGESTED_MARK,
    ) + f"\n-# {suggested_legend(tr)}"


def remind_button_label(tr: Texts) -> str:
    return tr.t("Remind me in 4 weeks {mark}", mark=SUGGESTED_MARK)


def start_button_label(tr: Texts, test_name: str) -> str:
    return tr.t("Start: {test}", test=test_name)


def retest_dm_text(tr: Texts, test_name: str) -> str:
    return clip(
        tr.t(
            "🔁 Four weeks ago your **{test}** result asked for some glute work. Time to see what changed: "
            "press the button to take the test again. Your new result goes next to the old one in `/test history`.",
            test=test_name,
        ),
        MESSAGE_MAX,
    )


def changes_text(tr: Texts, found: list[Change]) -> str:
    lines = []
    for change in found:
        values = {"test": change.test_name, "before": change.before, "after": change.after}
        if change.side in ("left", "right"):
            # The leg named as the test names it: "left leg standing" on the hip drop, "left leg lifted" where
            # the lifted leg is the one tested.
            side = side_name(tr, change.side, change.side_word)
            side = side.lower() if tr.language == "en" else side
            lines.append(tr.t("{test}, {side}: {before} → {after}", side=side, **values))
        else:
            lines.append(tr.t("{test}: {before} → {after}", **values))
    return clip("\n".join(lines), 1024)
