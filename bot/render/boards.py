"""Embeds for check-in replies, leaderboards and personal stats, in the language of ``tr``."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import discord

from bot.core.checkins import CheckinResult
from bot.core.leaderboard import Board
from bot.core.points import LABELS, POINTS, STANDUP_DAILY_CAP, Kind, rules_text
from bot.core.stats import MyStats
from bot.i18n import ENGLISH, N_, Texts
from bot.render.limits import clip
from bot.render.plan import COLOUR

# The kinds of check-in as a reply names them (the English is LABELS'; marked here for the catalogues).
KIND_LABELS: dict[Kind, str] = {
    Kind.ROUTINE: N_("weekly routine"),
    Kind.EXTRA: N_("extra strength session"),
    Kind.STRETCH: N_("stretch"),
    Kind.TEST: N_("self-test"),
    Kind.STANDUP: N_("stand-up"),
}
assert KIND_LABELS == LABELS
# A self-test's side, as /me shows it.
SIDES = {"left": N_("left"), "right": N_("right")}


@functools.lru_cache(maxsize=4096)
def place_text(place: int | None, tr: Texts = ENGLISH) -> str:
    """``1st`` / ``1.`` / ``1er``: a place on the board."""
    if place is None:
        return tr.t("not on the board yet")
    if tr.language == "en":
        suffix = "th" if 10 <= place % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
        return f"{place}{suffix}"
    # i18n: a place on the board as an ordinal number ("1st", "2nd"); {count} is the number.
    return tr.n("{count}st", "{count}th", place)


@functools.lru_cache(maxsize=256)
def note_text(kind: Kind, counted: bool, tr: Texts = ENGLISH) -> str:
    """What a press did: counted, or already in (the same few texts on every press: kept once made)."""
    label = tr.t(KIND_LABELS[kind])
    if counted:
        return tr.t("Counted: {label} (+{points}).", label=label, points=POINTS[kind])
    if kind is Kind.STANDUP:
        return tr.t("Stand-ups count up to {cap} times a day; today's are all in. Keep moving!",
                    cap=STANDUP_DAILY_CAP)
    if kind is Kind.ROUTINE:
        return tr.t("Already counted: your {label} this week is in. Nothing changed.", label=label)
    return tr.t("Already counted: your {label} for that day is in. Nothing changed.", label=label)


def checkin_text(result: CheckinResult, tr: Texts = ENGLISH) -> str:
    icon = "✅" if result.counted else "ℹ️"
    streak = result.streak.current
    if tr.language == "en":
        # The hottest reply: English (the catalogues' own text) straight from the result, no look-ups.
        weeks = "week" if streak == 1 else "weeks"
        return clip(
            f"{icon} {result.message}\n"
            f"🔥 Streak: {streak} {weeks} (best {result.streak.longest}) · "
            f"this week: {result.week_points} pts, {place_text(result.place)} place",
            2000,
        )
    message = note_text(result.kind, result.counted, tr)
    return clip(
        f"{icon} {message}\n"
        + tr.n(
            "🔥 Streak: {count} week (best {best}) · this week: {points} pts, {place} place",
            "🔥 Streak: {count} weeks (best {best}) · this week: {points} pts, {place} place",
            streak, best=tr.number(result.streak.longest), points=tr.number(result.week_points),
            place=place_text(result.place, tr),
        ),
        2000,
    )


def board_label(board: Board, tr: Texts = ENGLISH) -> str:
    """The board's period (``Week of 16 Nov – 22 Nov 2026``, ``November 2026``, ``All time``) in the language of
    ``tr``; English boards keep the label they were computed (or archived) with."""
    key = board.period_key
    try:
        if tr.language == "en":
            return board.label
        if key == "all":
            return tr.t("All time")
        if key.startswith("m"):
            return tr.date(date.fromisoformat(f"{key[1:]}-01"), "LLLL y")
        start = date.fromisoformat(key[1:])
    except ValueError:
        return board.label
    return tr.t("Week of {start} – {end}", start=tr.day_month(start), end=tr.date(start + timedelta(days=6)))


def board_embed(board: Board, title: str | None = None, *, tr: Texts = ENGLISH) -> discord.Embed:
    lines = []
    for row in board.rows:
        streak = f" · 🔥{tr.number(row.streak)}" if row.streak else ""
        line = f"**{row.rank}.** {discord.utils.escape_markdown(row.display_name)} — "
        line += tr.n("{points} pts · {count} routine", "{points} pts · {count} routines", row.routines,
                     points=tr.number(row.points))
        line += streak
        if row.is_caller:
            line = f"{line}  " + tr.t("← you")
        lines.append(line)
    description = "\n".join(lines) if lines else tr.t(
        "No check-ins yet. Press **Done ✅** on the weekly post to start.")
    heading = title if title is not None else tr.t("Leaderboard")
    embed = discord.Embed(title=clip(f"{heading} · {board_label(board, tr)}", 256), description=clip(description, 4096),
                          colour=COLOUR)
    embed.set_footer(text=tr.t("{count} on the board · ties share a rank, earliest first",
                               count=tr.number(board.ranked_members)))
    return embed


def stats_embed(
    stats: MyStats, test_name: str | None, outcome_label: str | None, *, tr: Texts = ENGLISH
) -> discord.Embed:
    embed = discord.Embed(title=tr.t("Your glute log"), colour=COLOUR)
    embed.add_field(name=tr.t("This week"), value=tr.t("{points} pts", points=tr.number(stats.week_points)))
    embed.add_field(name=tr.t("All time"), value=tr.t("{points} pts", points=tr.number(stats.all_points)))
    embed.add_field(name=tr.t("Routines this month"), value=tr.number(stats.routines_this_month))
    embed.add_field(name=tr.t("Weekly streak"), value=tr.t("{streak} (best {best})", streak=tr.number(
        stats.current_streak), best=tr.number(stats.longest_streak)))
    if stats.last_test and test_name:
        last_side = stats.last_test.side
        side = "" if last_side == "both" else f" ({tr.t(SIDES.get(last_side, last_side))})"
        when = discord.utils.format_dt(stats.last_test.at, "R")
        embed.add_field(name=tr.t("Last self-test"),
                        value=clip(f"{test_name}{side}: {outcome_label} · {when}", 1024), inline=False)
    if stats.hidden:
        embed.set_footer(text=tr.t("You are hidden from leaderboards (/privacy show to appear again)."))
    return embed


def rules_embed(tr: Texts = ENGLISH) -> discord.Embed:
    return discord.Embed(title=tr.t("How check-ins count"), description=rules_text(tr), colour=COLOUR)
