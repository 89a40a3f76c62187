"""Texts for the nudge before the week closes: the DM, its channel fallback and `/nudge …` replies, in the
language of ``tr``."""

from __future__ import annotations

import discord

from bot.content.schema import RoutineStep, rest_note, suggested_legend
from bot.core.nudges import DueNudge, NudgeSettings, NudgeStatus
from bot.core.timeutil import DAY_NAMES, format_hhmm
from bot.i18n import Texts
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import legend, step_time_text
from bot.render.standups import when


def settings_line(tr: Texts, settings: NudgeSettings) -> str:
    day = tr.weekday(DAY_NAMES.index(settings.day)) if settings.day in DAY_NAMES else settings.day.title()
    values = {"day": day, "time": format_hhmm(settings.at), "timezone": settings.timezone}
    if settings.day_is_default:
        return tr.t("{day} (the last day of the club week) at {time} ({timezone})", **values)
    return tr.t("{day} at {time} ({timezone})", **values)


def step_text(tr: Texts, step: RoutineStep) -> str:
    """``You are on Five minutes, step 2 of 5: about 7 min, once a week.``"""
    return tr.t("You are on {routine}, {step}.", routine=step.routine_name, step=step_time_text(step, tr))


def nudge_text(tr: Texts, due: DueNudge, step: RoutineStep) -> str:
    """The DM, with the member's own step: its time and how many days a week it asks for."""
    ask = step_text(tr, step)
    closes = discord.utils.format_dt(due.week_ends_at, "R")
    rests = rest_note(tr)
    notes = [suggested_legend(tr) if legend(ask, rests) else None, rests]
    notes = [n for n in notes if n]
    return clip(
        tr.t("🍑 Your club week closes {when} and this week's glute routine is not in yet.", when=closes) + "\n"
        + tr.t("{step} Do it now and press **{button}** to keep your streak going.", step=ask,
               button=tr.t("Done ✅")) + "\n"
        + "".join(f"-# {n}\n" for n in notes)
        + "-# " + tr.t("`/nudge off` in the server stops these."),
        MESSAGE_MAX,
    )


def nudge_fallback_text(tr: Texts, due: DueNudge) -> str:
    mention = f"<@{due.user_id}>"
    return clip(
        tr.t(
            "{mention} your weekly nudge: this week's glute routine is not in yet, and the week closes {when}. "
            "I could not DM you, so I have put your nudges on hold. Allow direct messages from this server's "
            "members, then run `/nudge on` to get them again.",
            mention=mention, when=discord.utils.format_dt(due.week_ends_at, "R"),
        ),
        MESSAGE_MAX,
    )


def turned_on_text(tr: Texts, settings: NudgeSettings) -> str:
    return clip(
        tr.t(
            "✅ Weekly nudge on: {settings}, only in weeks when your routine is not in by then.\n"
            "Next one due: {next}.\n"
            "It comes by DM, so keep direct messages from this server open. `/nudge off` stops it.",
            settings=settings_line(tr, settings), next=when(tr, settings.next_due_at),
        ),
        MESSAGE_MAX,
    )


def turned_off_text(tr: Texts, was_on: bool) -> str:
    if was_on:
        return tr.t("Weekly nudge off. Your day and time are kept for the next `/nudge on`.")
    return tr.t("Your weekly nudge was not on. Start it with `/nudge on`.")


def status_text(tr: Texts, status: NudgeStatus) -> str:
    settings = status.settings
    if settings is None:
        return tr.t("No weekly nudge set up. `/nudge on` sends one DM before your club week closes.")
    if not settings.enabled:
        state = tr.t("off (`/nudge on` starts it again)")
    elif settings.dm_blocked:
        state = tr.t("on hold: I could not DM you. Open your DMs, then run `/nudge on`")
    else:
        state = tr.t("on")
    lines = [
        tr.t("Weekly nudge: **{state}**", state=state),
        tr.t("When: {settings}", settings=settings_line(tr, settings)),
    ]
    if settings.next_due_at is not None:
        lines.append(tr.t("Next one due: {next}", next=when(tr, settings.next_due_at)))
    if status.routine_done and status.nudged_this_week:
        lines.append(tr.t("This week's routine: in ✅ · nudged this week"))
    elif status.routine_done:
        lines.append(tr.t("This week's routine: in ✅"))
    elif status.nudged_this_week:
        lines.append(tr.t("This week's routine: not in yet · nudged this week"))
    else:
        lines.append(tr.t("This week's routine: not in yet"))
    return clip("\n".join(lines), MESSAGE_MAX)
