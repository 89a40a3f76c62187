"""Texts for re-test reminders and the before → after lines of `/test history`."""

from __future__ import annotations

import discord

from bot.content.schema import SUGGESTED_LEGEND, SUGGESTED_MARK
from bot.core.retests import Change, Scheduled
from bot.render.limits import MESSAGE_MAX, clip


def remind_set_text(scheduled: Scheduled) -> str:
    when = discord.utils.format_dt(scheduled.due_at, "D")
    if scheduled.already:
        return f"⏰ Already set: I'll DM you on {when} to repeat this test."
    return (
        f"⏰ Done: I'll DM you on {when} to repeat this test. Four weeks {SUGGESTED_MARK} of the routine is a fair "
        f"time to see a change. Keep your DMs from this server open.\n-# {SUGGESTED_LEGEND}"
    )


def retest_dm_text(test_name: str) -> str:
    return clip(
        f"🔁 Four weeks ago your **{test_name}** result asked for some glute work. Time to see what changed: "
        "press the button to take the test again. Your new result goes next to the old one in `/test history`.",
        MESSAGE_MAX,
    )


def changes_text(found: list[Change]) -> str:
    lines = []
    for change in found:
        # The leg named as the test names it: "left leg standing" on the hip drop, "left leg lifted" where the
        # lifted leg is the one tested.
        side = "" if change.side == "both" else f", {change.side} {change.side_word}"
        lines.append(f"{change.test_name}{side}: {change.before} → {change.after}")
    return clip("\n".join(lines), 1024)
