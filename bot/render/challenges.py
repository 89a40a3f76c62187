"""Texts and embeds for club challenges: the announcement, `/challenge status` and the results post, in the
language of ``tr`` (the club's for the posts, the member's for private answers)."""

from __future__ import annotations

import discord

from bot.core.challenges import ChallengeInfo, ChallengeStatus, Goal, Results
from bot.i18n import Texts
from bot.pictures.charts import ChallengeWords, challenge_board
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import COLOUR

BAR_CELLS = 10


def _amount(tr: Texts, goal: Goal, value: int) -> str:
    if goal is Goal.ROUTINES:
        return tr.n("{count} weekly routine", "{count} weekly routines", value)
    return tr.n("{count} point", "{count} points", value)


def _goal(tr: Texts, info: ChallengeInfo) -> str:
    """``4 weekly routines in 4 weeks``."""
    return tr.n("{amount} in {count} week", "{amount} in {count} weeks", info.weeks,
                amount=_amount(tr, info.goal, info.target))


def _dates(info: ChallengeInfo) -> str:
    return f"{discord.utils.format_dt(info.starts_at, 'D')} → {discord.utils.format_dt(info.ends_at, 'D')}"


def progress_bar(value: int, target: int) -> str:
    filled = min(BAR_CELLS, round(BAR_CELLS * value / target)) if target else 0
    return "▰" * filled + "▱" * (BAR_CELLS - filled) + f" {value}/{target}"


def join_label(tr: Texts) -> str:
    return tr.t("Join")


def announcement_embed(tr: Texts, info: ChallengeInfo) -> discord.Embed:
    return discord.Embed(
        title=clip(tr.t("🏁 New club challenge: {name}", name=info.name), 256),
        description=tr.t(
            "Goal: **{goal}**.\n{dates}\n"
            "Press **{join}** (or use `/challenge join`) to take part; only check-ins inside these weeks count.",
            goal=_goal(tr, info), dates=_dates(info), join=join_label(tr),
        ),
        colour=COLOUR,
    )


def started_text(tr: Texts, info: ChallengeInfo) -> str:
    return tr.t("Started **{name}** ({goal}, {dates}) and posted it with a Join button.",
                name=info.name, goal=_goal(tr, info), dates=_dates(info))


def not_announced_text(tr: Texts, channel_id: int) -> str:
    channel = f"<#{channel_id}>"
    return tr.t("I could not post the announcement in {channel}; members can still `/challenge join`.",
                channel=channel)


def joined_text(tr: Texts, info: ChallengeInfo, added: bool) -> str:
    if not added:
        return tr.t("You are already in **{name}**. `/challenge status` shows your progress.", name=info.name)
    return tr.t("💪 You joined **{name}**: {goal}. `/challenge status` shows your progress.",
                name=info.name, goal=_goal(tr, info))


def left_text(tr: Texts, info: ChallengeInfo) -> str:
    return tr.t("You left **{name}**. `/challenge join` brings you back.", name=info.name)


def ended_text(tr: Texts, info: ChallengeInfo) -> str:
    return tr.t("**{name}** is ended; its results are posted.", name=info.name)


def cancelled_text(tr: Texts, info: ChallengeInfo) -> str:
    return tr.t("**{name}** is cancelled. No results will be posted.", name=info.name)


def status_embed(tr: Texts, status: ChallengeStatus) -> discord.Embed:
    info = status.challenge
    description = tr.t("Goal: **{goal}**", goal=_goal(tr, info)) + f"\n{_dates(info)}"
    if not status.started:
        description += "\n" + tr.t("Starts with the next club week.")
    embed = discord.Embed(title=clip(f"🏁 {info.name}", 256), colour=COLOUR, description=description)
    if status.joined:
        embed.add_field(name=tr.t("You"), value=progress_bar(status.mine, info.target), inline=False)
    else:
        embed.add_field(name=tr.t("You"), value=tr.t("Not in yet: `/challenge join`."), inline=False)
    embed.add_field(name=tr.t("Club total"), value=tr.number(status.club_total))
    embed.add_field(name=tr.t("On track"), value=tr.t("{count} of {members}", count=status.on_track,
                                                        members=status.members))
    return embed


def results_text(tr: Texts, results: Results) -> str:
    """The results post, in the club's language."""
    info = results.challenge
    if results.reached:
        names = tr.join([discord.utils.escape_mentions(discord.utils.escape_markdown(n)) for n in results.reached])
        if results.hidden_reached:
            reached = tr.n("Reached the target: {names} and {count} more.",
                           "Reached the target: {names} and {count} more.", results.hidden_reached, names=names)
        else:
            reached = tr.t("Reached the target: {names}.", names=names)
    elif results.hidden_reached:
        reached = tr.n("{count} member reached the target.", "{count} members reached the target.",
                       results.hidden_reached)
    else:
        reached = tr.t("Nobody reached the target this time.")
    took_part = tr.n("{count} member took part", "{count} members took part", results.members)
    if info.goal is Goal.ROUTINES:
        together = tr.n("together: **{count}** routine", "together: **{count}** routines", results.club_total)
    else:
        together = tr.n("together: **{count}** point", "together: **{count}** points", results.club_total)
    return clip(
        tr.t("🏁 **{name}** is over ({goal}).", name=info.name, goal=_goal(tr, info)) + "\n"
        + reached + "\n"
        + tr.t("{took_part}; {together}. Well done, everyone!", took_part=took_part, together=together),
        MESSAGE_MAX,
    )


def challenge_words(tr: Texts, results: Results) -> tuple[ChallengeWords, str]:
    """The results chart's words and its alt text, in the club's language (the chart worker gets them plain)."""
    info = results.challenge
    board = challenge_board(0, info.name, "", info.target, results.standings, results.members, results.club_total)
    took_part = tr.n("{count} took part", "{count} took part", results.members)
    together = _amount_total(tr, info.goal, results.club_total)
    footer = tr.t("{took_part} · together {total}", took_part=took_part, total=together)
    if board.more:
        footer += " · " + tr.n("{count} more not shown", "{count} more not shown", board.more)
    axis = tr.t("routines") if info.goal is Goal.ROUTINES else tr.t("points")
    words = ChallengeWords(
        target=tr.t("target {target}", target=info.target), axis=axis, footer=footer,
        empty=tr.t("no names to show"),
    )
    reached = sum(1 for v in board.values if v >= board.target)
    bars = "; ".join(f"{name} {value}" for name, value in zip(board.names, board.values, strict=True))
    if bars and board.more:
        shown = tr.n("Bars for each member: {bars} and {count} more.", "Bars for each member: {bars} and {count} more.",
                     board.more, bars=bars)
    elif bars:
        shown = tr.t("Bars for each member: {bars}.", bars=bars)
    else:
        shown = tr.t("No member's bar to show.")
    alt = " ".join((
        tr.t("Results of the challenge {name}: a dashed line marks the target of {target}.", name=info.name,
             target=_amount(tr, info.goal, info.target)),
        shown,
        tr.n("{count} of the members shown reached it. {took_part}, {total} together.",
             "{count} of the members shown reached it. {took_part}, {total} together.", reached,
             took_part=tr.n("{count} member took part", "{count} members took part", results.members),
             total=together),
    ))
    return words, alt


def _amount_total(tr: Texts, goal: Goal, value: int) -> str:
    if goal is Goal.ROUTINES:
        return tr.n("{count} routine", "{count} routines", value)
    return tr.n("{count} point", "{count} points", value)
