"""Texts and embeds for club challenges: the announcement, `/challenge status` and the results post."""

from __future__ import annotations

import discord

from bot.core.challenges import ChallengeInfo, ChallengeStatus, Goal, Results
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import COLOUR

BAR_CELLS = 10


def _goal(info: ChallengeInfo) -> str:
    unit = "weekly routines" if info.goal is Goal.ROUTINES else "points"
    return f"{info.target} {unit} in {info.weeks} week{'s' if info.weeks != 1 else ''}"


def _dates(info: ChallengeInfo) -> str:
    return f"{discord.utils.format_dt(info.starts_at, 'D')} → {discord.utils.format_dt(info.ends_at, 'D')}"


def progress_bar(value: int, target: int) -> str:
    filled = min(BAR_CELLS, round(BAR_CELLS * value / target)) if target else 0
    return "▰" * filled + "▱" * (BAR_CELLS - filled) + f" {value}/{target}"


def announcement_embed(info: ChallengeInfo) -> discord.Embed:
    embed = discord.Embed(
        title=clip(f"🏁 New club challenge: {info.name}", 256),
        description=(
            f"Goal: **{_goal(info)}**.\n{_dates(info)}\n"
            "Press **Join** (or use `/challenge join`) to take part; only check-ins inside these weeks count."
        ),
        colour=COLOUR,
    )
    return embed


def started_text(info: ChallengeInfo) -> str:
    return f"Started **{info.name}** ({_goal(info)}, {_dates(info)}) and posted it with a Join button."


def joined_text(info: ChallengeInfo, added: bool) -> str:
    if not added:
        return f"You are already in **{info.name}**. `/challenge status` shows your progress."
    return f"💪 You joined **{info.name}**: {_goal(info)}. `/challenge status` shows your progress."


def left_text(info: ChallengeInfo) -> str:
    return f"You left **{info.name}**. `/challenge join` brings you back."


def status_embed(status: ChallengeStatus) -> discord.Embed:
    info = status.challenge
    embed = discord.Embed(title=clip(f"🏁 {info.name}", 256), colour=COLOUR,
                          description=f"Goal: **{_goal(info)}**\n{_dates(info)}")
    if not status.started:
        embed.description = (embed.description or "") + "\nStarts with the next club week."
    if status.joined:
        embed.add_field(name="You", value=progress_bar(status.mine, info.target), inline=False)
    else:
        embed.add_field(name="You", value="Not in yet: `/challenge join`.", inline=False)
    embed.add_field(name="Club total", value=str(status.club_total))
    embed.add_field(name="On track", value=f"{status.on_track} of {status.members}")
    return embed


def results_text(results: Results) -> str:
    info = results.challenge
    if results.reached:
        names = ", ".join(discord.utils.escape_mentions(discord.utils.escape_markdown(n)) for n in results.reached)
        reached = f"Reached the target: {names}"
        if results.hidden_reached:
            reached += f" and {results.hidden_reached} more"
    elif results.hidden_reached:
        reached = f"{results.hidden_reached} member(s) reached the target"
    else:
        reached = "Nobody reached the target this time"
    return clip(
        f"🏁 **{info.name}** is over ({_goal(info)}).\n"
        f"{reached}.\n"
        f"{results.members} member(s) took part; together: **{results.club_total}**"
        f" {'routines' if info.goal is Goal.ROUTINES else 'points'}. Well done, everyone!",
        MESSAGE_MAX,
    )
