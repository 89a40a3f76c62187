"""Texts and embeds for stand-up reminders: the DM itself, replies to the buttons and `/standup …`,
in the language of ``tr`` (the member's)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import discord

from bot.content.schema import SUGGESTED_MARK, suggested_legend
from bot.core.checkins import CheckinResult
from bot.core.points import POINTS, STANDUP_DAILY_CAP, Kind
from bot.core.standup_state import DueReminder, SnoozeResult, StandupSettings, StandupStatus
from bot.core.timeutil import DAY_NAMES, format_hhmm
from bot.i18n import Texts
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import COLOUR


def describe_days(tr: Texts, days: Iterable[str]) -> str:
    """``Mon–Fri``, ``Sat–Sun``, ``every day`` or ``Mon, Wed, Fri``, with the language's day names."""
    wanted = [i for i, name in enumerate(DAY_NAMES) if name in set(days)]
    if len(wanted) == 7:
        return tr.t("every day")
    runs: list[list[int]] = []
    for index in wanted:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        first, last = tr.weekday(run[0], "abbreviated"), tr.weekday(run[-1], "abbreviated")
        parts.append(tr.t("{first}–{last}", first=first, last=last) if len(run) >= 2 else first)
    return ", ".join(parts)


def when(tr: Texts, instant: datetime | None) -> str:
    """A Discord timestamp shown in the reader's own zone: full date and time, then relative."""
    if instant is None:
        return tr.t("not scheduled")
    return f"{discord.utils.format_dt(instant, 'F')} ({discord.utils.format_dt(instant, 'R')})"


def settings_line(tr: Texts, settings: StandupSettings) -> str:
    return tr.t(
        "every {every} min, {start}–{end}, {days} ({timezone})",
        every=settings.every, start=format_hhmm(settings.start), end=format_hhmm(settings.end),
        days=describe_days(tr, settings.days), timezone=settings.timezone,
    )


def button_labels(tr: Texts) -> dict[str, str]:
    """The reminder's buttons, by action."""
    return {"up": tr.t("Stood up ✅"), "snooze": tr.t("Snooze 10 min"), "skip": tr.t("Skip today")}


def reminder_text(tr: Texts, due: DueReminder) -> str:
    lead = tr.t("⏰ Snoozed reminder: time to stand up!") if due.snoozed else tr.t("🧍 Time to stand up!")
    body = tr.t(
        "Stand, squeeze your glutes ten times {mark} and walk for a minute {mark}; "
        "your hips will thank you on the next run.", mark=SUGGESTED_MARK,
    )
    press = tr.t("Press **{button}** to count it.", button=button_labels(tr)["up"])
    return clip(f"{lead}\n{body}\n-# {suggested_legend(tr)}\n-# {press}", MESSAGE_MAX)


def dm_closed_text(tr: Texts, user_id: int) -> str:
    mention = f"<@{user_id}>"
    return clip(
        tr.t(
            "{mention} I tried to send your stand-up reminder, but your DMs are closed to me. "
            "I have put your reminders on hold. Allow direct messages from this server's members "
            "(server menu → Privacy Settings), then run `/standup on` to pick them up again.",
            mention=mention,
        ),
        MESSAGE_MAX,
    )


def turned_on_text(tr: Texts, settings: StandupSettings) -> str:
    return clip(
        tr.t(
            "✅ Stand-up reminders are on: {settings}.\nNext reminder: {next}.\n"
            "They come by DM, so keep direct messages from this server open. "
            "`/standup pause` takes a break, `/standup off` stops them.",
            settings=settings_line(tr, settings), next=when(tr, settings.next_due_at),
        ),
        MESSAGE_MAX,
    )


def turned_off_text(tr: Texts, was_on: bool) -> str:
    if was_on:
        return tr.t("Stand-up reminders are off. Your settings are kept for the next `/standup on`.")
    return tr.t("Stand-up reminders were not on. Start them with `/standup on`.")


def paused_text(tr: Texts, settings: StandupSettings) -> str:
    return clip(
        tr.t(
            "⏸️ Paused until {until}. Next reminder: {next}. `/standup on` resumes now.",
            until=when(tr, settings.paused_until), next=when(tr, settings.next_due_at),
        ),
        MESSAGE_MAX,
    )


def snooze_text(tr: Texts, result: SnoozeResult) -> str:
    if result.snoozed and result.next_due_at is not None:
        return tr.t("😴 Snoozed: one more nudge {when}.", when=discord.utils.format_dt(result.next_due_at, "R"))
    return tr.t(
        "Not snoozed: ten minutes from now is past your window, past your next reminder, or in a pause. "
        "Next reminder: {next}.", next=when(tr, result.next_due_at),
    )


def skipped_text(tr: Texts, next_due_at: datetime) -> str:
    return tr.t("👍 No more reminders today. Next one: {next}.", next=when(tr, next_due_at))


def stood_up_text(tr: Texts, result: CheckinResult) -> str:
    """The answer to **Stood up ✅**: counted or not, then the streak and the week."""
    if result.counted:
        lead = tr.t("✅ Counted: a stand-up (+{points}).", points=POINTS[Kind.STANDUP])
    else:
        lead = tr.t("ℹ️ Stand-ups count up to {cap} times a day; today's are all in. Keep moving!",
                    cap=STANDUP_DAILY_CAP)
    streak = tr.n("🔥 Streak: {count} week (best {best})", "🔥 Streak: {count} weeks (best {best})",
                  result.streak.current, best=result.streak.longest)
    if result.place is None:
        week = tr.t("this week: {points} pts, not on the board yet", points=result.week_points)
    else:
        week = tr.t("this week: {points} pts, place {place}", points=result.week_points, place=result.place)
    return clip(f"{lead}\n{streak} · {week}", MESSAGE_MAX)


def outcome_line(original: str, outcome: str) -> str:
    """The reminder message with what the member chose appended, buttons gone."""
    return clip(f"{original}\n\n{outcome}", MESSAGE_MAX)


def status_embed(tr: Texts, status: StandupStatus) -> discord.Embed:
    settings = status.settings
    embed = discord.Embed(title=tr.t("Your stand-up reminders"), colour=COLOUR)
    if settings is None:
        embed.description = tr.t("Not set up yet. Start them with `/standup on`.")
        return embed
    if not settings.enabled:
        state = tr.t("off — `/standup on` starts them again")
    elif settings.dm_blocked:
        state = tr.t("on hold: I could not DM you. Open your DMs, then run `/standup on`")
    elif status.paused:
        state = tr.t("paused until {until}", until=when(tr, settings.paused_until))
    elif status.skipped_today:
        state = tr.t("on (skipping the rest of today)")
    else:
        state = tr.t("on")
    embed.add_field(name=tr.t("State"), value=clip(state, 1024), inline=False)
    embed.add_field(name=tr.t("Every"), value=tr.t("{every} min", every=settings.every))
    embed.add_field(name=tr.t("Window"), value=f"{format_hhmm(settings.start)}–{format_hhmm(settings.end)}")
    embed.add_field(name=tr.t("Days"), value=describe_days(tr, settings.days))
    embed.add_field(name=tr.t("Time zone"), value=settings.timezone)
    if status.next_due_at is not None:
        embed.add_field(name=tr.t("Next reminder"), value=when(tr, status.next_due_at), inline=False)
    embed.add_field(name=tr.t("Stood up today"),
                    value=tr.t("{today} / {cap} counted", today=status.today, cap=status.daily_cap))
    embed.add_field(name=tr.t("This week"), value=tr.number(status.week))
    return embed
