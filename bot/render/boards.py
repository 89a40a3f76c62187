"""Embeds for check-in replies, leaderboards and personal stats."""

from __future__ import annotations

import discord

from bot.core.checkins import CheckinResult
from bot.core.leaderboard import Board
from bot.core.points import rules_text
from bot.core.stats import MyStats
from bot.render.limits import clip
from bot.render.plan import COLOUR


def _place(place: int | None) -> str:
    if place is None:
        return "not on the board yet"
    suffix = "th" if 10 <= place % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    return f"{place}{suffix}"


def checkin_text(result: CheckinResult) -> str:
    icon = "✅" if result.counted else "ℹ️"
    streak = result.streak.current
    weeks = "week" if streak == 1 else "weeks"
    return clip(
        f"{icon} {result.message}\n"
        f"🔥 Streak: {streak} {weeks} (best {result.streak.longest}) · "
        f"this week: {result.week_points} pts, {_place(result.place)} place",
        2000,
    )


def board_embed(board: Board, title: str = "Leaderboard") -> discord.Embed:
    lines = []
    for row in board.rows:
        routine = "routine" if row.routines == 1 else "routines"
        streak = f" · 🔥{row.streak}" if row.streak else ""
        line = f"**{row.rank}.** {discord.utils.escape_markdown(row.display_name)} — {row.points} pts · "
        line += f"{row.routines} {routine}{streak}"
        if row.is_caller:
            line = f"{line}  ← you"
        lines.append(line)
    description = "\n".join(lines) if lines else "No check-ins yet. Press **Done ✅** on the weekly post to start."
    embed = discord.Embed(title=clip(f"{title} · {board.label}", 256), description=clip(description, 4096),
                          colour=COLOUR)
    embed.set_footer(text=f"{board.ranked_members} on the board · ties share a rank, earliest first")
    return embed


def stats_embed(stats: MyStats, test_name: str | None, outcome_label: str | None) -> discord.Embed:
    embed = discord.Embed(title="Your glute log", colour=COLOUR)
    embed.add_field(name="This week", value=f"{stats.week_points} pts")
    embed.add_field(name="All time", value=f"{stats.all_points} pts")
    embed.add_field(name="Routines this month", value=str(stats.routines_this_month))
    embed.add_field(name="Weekly streak", value=f"{stats.current_streak} (best {stats.longest_streak})")
    if stats.last_test and test_name:
        side = "" if stats.last_test.side == "both" else f" ({stats.last_test.side})"
        when = discord.utils.format_dt(stats.last_test.at, "R")
        embed.add_field(name="Last self-test", value=clip(f"{test_name}{side}: {outcome_label} · {when}", 1024),
                        inline=False)
    if stats.hidden:
        embed.set_footer(text="You are hidden from leaderboards (/privacy show to appear again).")
    return embed


def rules_embed() -> discord.Embed:
    return discord.Embed(title="How check-ins count", description=rules_text(), colour=COLOUR)
