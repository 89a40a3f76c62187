"""Club settings and weekly posts as Discord messages."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.club_posts import ClubPost, PostKind
from bot.db.models import Club, SendClaim
from bot.render.boards import board_embed
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import COLOUR, plan_embed


def post_content(post: ClubPost) -> str | None:
    parts = []
    if post.role_id:
        parts.append(f"<@&{post.role_id}>")
    if post.late:
        parts.append("(A little late: I was offline at the scheduled time.)")
    if post.previous_failure:
        # The reason stays with the admins (/club show): it can hold Discord's internal error text.
        parts.append("(The previous post could not go out; the club's admins can see why in `/club show`.)")
    return " ".join(parts) or None


def post_embed(post: ClubPost) -> discord.Embed:
    if post.kind is PostKind.ROUTINE:
        assert post.plan is not None
        embed = plan_embed(post.plan, title_prefix="Glute routine")
        embed.add_field(name="Done it?", value="Press **Done ✅** below (+10 points).", inline=False)
        return embed
    assert post.board is not None
    return board_embed(post.board, title="Last week's board")


def _ts(instant: datetime, style: str = "F") -> str:
    return discord.utils.format_dt(instant, style)  # type: ignore[arg-type]


def club_embed(
    club: Club, next_routine: datetime | None, next_board: datetime | None, runs: list[SendClaim],
    failure: str | None,
) -> discord.Embed:
    channel = f"<#{club.channel_id}>" if club.channel_id else "not set: use `/club setup`"
    lines = [
        f"**Channel:** {channel}",
        f"**Routine post:** {club.post_day.title()} {club.post_time} ({club.timezone})",
        f"**Leaderboard post:** {club.leaderboard_day.title()} {club.leaderboard_time}",
        f"**Week starts:** {club.week_start.title()}",
        f"**Routine:** `{club.routine_slug}`",
        f"**Role to mention:** {f'<@&{club.role_id}>' if club.role_id else 'none'}",
        f"**Status:** {'⏸️ paused' if club.paused else '▶️ active'}",
    ]
    if next_routine and not club.paused and club.channel_id:
        lines.append(f"**Next routine post:** {_ts(next_routine)} ({_ts(next_routine, 'R')})")
    if next_board and not club.paused and club.channel_id:
        lines.append(f"**Next leaderboard post:** {_ts(next_board)}")
    if club.post_problem:
        lines.append(f"⛔ **Posts are on hold:** {clip(club.post_problem, 300)}\n"
                     "Fix it, then run `/club setup` again (or `/club post-now` to try at once).")
    elif failure:
        lines.append(f"⚠️ **The last post failed:** {clip(failure, 300)}")
    embed = discord.Embed(title="Club settings", description="\n".join(lines), colour=COLOUR)
    if runs:
        history = [
            f"{r.kind} {r.period_key[1:]}: {r.status}{' (late)' if r.late else ''}" for r in runs
        ]
        embed.add_field(name="Recent posts", value=clip("\n".join(history), 1024), inline=False)
    return embed


def post_problem_text(guild_name: str, reason: str) -> str:
    """The DM to the admin who set the club up when its posts stop for a reason only they can fix."""
    return clip(
        f"The weekly posts of **{guild_name}** are on hold: {reason}\n"
        "Once that is fixed, run `/club setup` again (or `/club post-now` to post at once). "
        "Until then I will not try every week.",
        MESSAGE_MAX,
    )
