"""Texts and embeds for stand-up reminders: the DM itself, replies to the buttons and `/standup …`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import discord

from bot.content.schema import SUGGESTED_LEGEND, SUGGESTED_MARK
from bot.core.standup_state import DueReminder, SnoozeResult, StandupSettings, StandupStatus
from bot.core.timeutil import DAY_NAMES, format_hhmm
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import COLOUR


def describe_days(days: Iterable[str]) -> str:
    """``Mon–Fri``, ``Sat–Sun``, ``every day`` or ``Mon, Wed, Fri``."""
    wanted = [i for i, name in enumerate(DAY_NAMES) if name in set(days)]
    if len(wanted) == 7:
        return "every day"
    runs: list[list[int]] = []
    for index in wanted:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        first, last = DAY_NAMES[run[0]][:3].title(), DAY_NAMES[run[-1]][:3].title()
        if len(run) >= 2:
            parts.append(f"{first}–{last}")
        else:
            parts.append(first)
    return ", ".join(parts)


def when(instant: datetime | None) -> str:
    """A Discord timestamp shown in the reader's own zone: full date and time, then relative."""
    if instant is None:
        return "not scheduled"
    return f"{discord.utils.format_dt(instant, 'F')} ({discord.utils.format_dt(instant, 'R')})"


def settings_line(settings: StandupSettings) -> str:
    return (
        f"every {settings.every} min, {format_hhmm(settings.start)}–{format_hhmm(settings.end)}, "
        f"{describe_days(settings.days)} ({settings.timezone})"
    )


def reminder_text(due: DueReminder) -> str:
    lead = "⏰ Snoozed reminder: time to stand up!" if due.snoozed else "🧍 Time to stand up!"
    return clip(
        f"{lead}\n"
        f"Stand, squeeze your glutes ten times {SUGGESTED_MARK} and walk for a minute {SUGGESTED_MARK}; "
        "your hips will thank you on the next run.\n"
        f"-# {SUGGESTED_LEGEND}\n"
        "-# Press **Stood up ✅** to count it.",
        MESSAGE_MAX,
    )


def dm_closed_text(user_id: int) -> str:
    return clip(
        f"<@{user_id}> I tried to send your stand-up reminder, but your DMs are closed to me. "
        "I have put your reminders on hold. Allow direct messages from this server's members "
        "(server menu → Privacy Settings), then run `/standup on` to pick them up again.",
        MESSAGE_MAX,
    )


def turned_on_text(settings: StandupSettings) -> str:
    return clip(
        f"✅ Stand-up reminders are on: {settings_line(settings)}.\n"
        f"Next reminder: {when(settings.next_due_at)}.\n"
        "They come by DM, so keep direct messages from this server open. "
        "`/standup pause` takes a break, `/standup off` stops them.",
        MESSAGE_MAX,
    )


def turned_off_text(was_on: bool) -> str:
    if was_on:
        return "Stand-up reminders are off. Your settings are kept for the next `/standup on`."
    return "Stand-up reminders were not on. Start them with `/standup on`."


def paused_text(settings: StandupSettings) -> str:
    return clip(
        f"⏸️ Paused until {when(settings.paused_until)}. "
        f"Next reminder: {when(settings.next_due_at)}. `/standup on` resumes now.",
        MESSAGE_MAX,
    )


def snooze_text(result: SnoozeResult) -> str:
    if result.snoozed and result.next_due_at is not None:
        return f"😴 Snoozed: one more nudge {discord.utils.format_dt(result.next_due_at, 'R')}."
    return (
        "Not snoozed: ten minutes from now is past your window, past your next reminder, or in a pause. "
        f"Next reminder: {when(result.next_due_at)}."
    )


def skipped_text(next_due_at: datetime) -> str:
    return f"👍 No more reminders today. Next one: {when(next_due_at)}."


def outcome_line(original: str, outcome: str) -> str:
    """The reminder message with what the member chose appended, buttons gone."""
    return clip(f"{original}\n\n{outcome}", MESSAGE_MAX)


def status_embed(status: StandupStatus) -> discord.Embed:
    settings = status.settings
    embed = discord.Embed(title="Your stand-up reminders", colour=COLOUR)
    if settings is None:
        embed.description = "Not set up yet. Start them with `/standup on`."
        return embed
    if not settings.enabled:
        state = "off — `/standup on` starts them again"
    elif settings.dm_blocked:
        state = "on hold: I could not DM you. Open your DMs, then run `/standup on`"
    elif status.paused:
        state = f"paused until {when(settings.paused_until)}"
    elif status.skipped_today:
        state = "on (skipping the rest of today)"
    else:
        state = "on"
    embed.add_field(name="State", value=clip(state, 1024), inline=False)
    embed.add_field(name="Every", value=f"{settings.every} min")
    embed.add_field(name="Window", value=f"{format_hhmm(settings.start)}–{format_hhmm(settings.end)}")
    embed.add_field(name="Days", value=describe_days(settings.days))
    embed.add_field(name="Time zone", value=settings.timezone)
    if status.next_due_at is not None:
        embed.add_field(name="Next reminder", value=when(status.next_due_at), inline=False)
    embed.add_field(name="Stood up today", value=f"{status.today} / {status.daily_cap} counted")
    embed.add_field(name="This week", value=str(status.week))
    return embed
