"""Texts for the nudge before the week closes: the DM, its channel fallback and `/nudge …` replies."""

from __future__ import annotations

import discord

from bot.content.schema import REST_NOTE, RoutineStep
from bot.core.nudges import DueNudge, NudgeSettings, NudgeStatus
from bot.core.timeutil import format_hhmm
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import legend, step_time_text
from bot.render.standups import when


def settings_line(settings: NudgeSettings) -> str:
    day = settings.day.title()
    if settings.day_is_default:
        day += " (the last day of the club week)"
    return f"{day} at {format_hhmm(settings.at)} ({settings.timezone})"


def nudge_text(due: DueNudge, step: RoutineStep) -> str:
    """The DM, with the member's own step: its time and how many days a week it asks for."""
    ask = f"You are on {step.routine_name}, {step_time_text(step)}."
    return clip(
        "🍑 Your club week closes "
        f"{discord.utils.format_dt(due.week_ends_at, 'R')} and this week's glute routine is not in yet.\n"
        f"{ask} Do it now and press **Done ✅** to keep your streak going.\n"
        + "".join(f"-# {n}\n" for n in (legend(ask, REST_NOTE), REST_NOTE) if n)
        + "-# `/nudge off` in the server stops these.",
        MESSAGE_MAX,
    )


def nudge_fallback_text(due: DueNudge) -> str:
    return clip(
        f"<@{due.user_id}> your weekly nudge: this week's glute routine is not in yet, and the week closes "
        f"{discord.utils.format_dt(due.week_ends_at, 'R')}. I could not DM you, so I have put your nudges on "
        "hold. Allow direct messages from this server's members, then run `/nudge on` to get them again.",
        MESSAGE_MAX,
    )


def turned_on_text(settings: NudgeSettings) -> str:
    return clip(
        f"✅ Weekly nudge on: {settings_line(settings)}, only in weeks when your routine is not in by then.\n"
        f"Next one due: {when(settings.next_due_at)}.\n"
        "It comes by DM, so keep direct messages from this server open. `/nudge off` stops it.",
        MESSAGE_MAX,
    )


def turned_off_text(was_on: bool) -> str:
    if was_on:
        return "Weekly nudge off. Your day and time are kept for the next `/nudge on`."
    return "Your weekly nudge was not on. Start it with `/nudge on`."


def status_text(status: NudgeStatus) -> str:
    settings = status.settings
    if settings is None:
        return "No weekly nudge set up. `/nudge on` sends one DM before your club week closes."
    if not settings.enabled:
        state = "off (`/nudge on` starts it again)"
    elif settings.dm_blocked:
        state = "on hold: I could not DM you. Open your DMs, then run `/nudge on`"
    else:
        state = "on"
    lines = [
        f"Weekly nudge: **{state}**",
        f"When: {settings_line(settings)}",
    ]
    if settings.next_due_at is not None:
        lines.append(f"Next one due: {when(settings.next_due_at)}")
    week = "in ✅" if status.routine_done else "not in yet"
    lines.append(f"This week's routine: {week}" + (" · nudged this week" if status.nudged_this_week else ""))
    return clip("\n".join(lines), MESSAGE_MAX)
