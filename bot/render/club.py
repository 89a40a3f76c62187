"""Club settings and weekly posts as Discord messages."""

from __future__ import annotations

from datetime import date, datetime

import discord
from babel import Locale, UnknownLocaleError

from bot.core.club_posts import ClubPost, PostKind
from bot.core.timeutil import day_index
from bot.db.models import Club, SendClaim
from bot.i18n import ENGLISH, Texts
from bot.render.boards import board_embed
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.plan import COLOUR, plan_embed


def run_words(tr: Texts, kind: str, status: str) -> tuple[str, str]:
    """A post's kind and outcome as /club show lists them, in the language of ``tr`` (stored in English)."""
    if tr.language == "en":
        return kind, status
    kinds = {"routine": tr.tc("post-kind", "routine"), "leaderboard": tr.tc("post-kind", "leaderboard")}
    statuses = {
        "pending": tr.tc("post-status", "pending"), "claimed": tr.tc("post-status", "claimed"),
        "sent": tr.tc("post-status", "sent"), "failed": tr.tc("post-status", "failed"),
        "skipped": tr.tc("post-status", "skipped"),
    }
    return kinds.get(kind, kind), statuses.get(status, status)


def _period_date(tr: Texts, key: str) -> str:
    """A post's period (``w2026-11-16``, the week it starts) as the language writes a date; the key itself
    when it holds no date."""
    try:
        return tr.date(date.fromisoformat(key[1:]))
    except ValueError:
        return key[1:]


def post_content(post: ClubPost, tr: Texts = ENGLISH) -> str | None:
    parts = []
    if post.role_id:
        parts.append(f"<@&{post.role_id}>")
    if post.late:
        parts.append(tr.t("(A little late: I was offline at the scheduled time.)"))
    if post.previous_failure:
        # The reason stays with the admins (/club show): it can hold Discord's internal error text.
        parts.append(tr.t("(The previous post could not go out; the club's admins can see why in `/club show`.)"))
    return " ".join(parts) or None


def post_embed(post: ClubPost, tr: Texts = ENGLISH) -> discord.Embed:
    if post.kind is PostKind.ROUTINE:
        assert post.plan is not None
        embed = plan_embed(post.plan, title_prefix=tr.t("Glute routine"), tr=tr)
        embed.add_field(name=tr.t("Done it?"), value=tr.t("Press **Done ✅** below (+10 points)."), inline=False)
        return embed
    assert post.board is not None
    return board_embed(post.board, title=tr.t("Last week's board"), tr=tr)


def _ts(instant: datetime, style: str = "F") -> str:
    return discord.utils.format_dt(instant, style)  # type: ignore[arg-type]


def language_name(code: str | None, tr: Texts = ENGLISH) -> str:
    """``Deutsch`` for ``de``: a language by its own name (Babel's), as a member of it would look for it."""
    code = code or "en"
    try:
        return Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code


def club_embed(
    club: Club, next_routine: datetime | None, next_board: datetime | None, runs: list[SendClaim],
    failure: str | None, *, tr: Texts = ENGLISH, retrying: SendClaim | None = None,
) -> discord.Embed:
    channel = f"<#{club.channel_id}>" if club.channel_id else tr.t("not set: use `/club setup`")
    role = f"<@&{club.role_id}>" if club.role_id else tr.t("none")
    status = tr.t("⏸️ paused") if club.paused else tr.t("▶️ active")
    lines = [
        tr.t("**Channel:** {channel}", channel=channel),
        tr.t("**Routine post:** {day} {time} ({zone})", day=tr.weekday(day_index(club.post_day)),
             time=club.post_time, zone=club.timezone),
        tr.t("**Leaderboard post:** {day} {time}", day=tr.weekday(day_index(club.leaderboard_day)),
             time=club.leaderboard_time),
        tr.t("**Week starts:** {day}", day=tr.weekday(day_index(club.week_start))),
        tr.t("**Routine:** `{routine}`", routine=club.routine_slug),
        tr.t("**Language of the posts:** {language}", language=language_name(club.language, tr)),
        tr.t("**Role to mention:** {role}", role=role),
        tr.t("**Status:** {status}", status=status),
    ]
    if next_routine and not club.paused and club.channel_id:
        lines.append(tr.t("**Next routine post:** {at} ({relative})", at=_ts(next_routine),
                          relative=_ts(next_routine, "R")))
    if next_board and not club.paused and club.channel_id:
        lines.append(tr.t("**Next leaderboard post:** {at}", at=_ts(next_board)))
    if club.post_problem:
        lines.append(tr.t("⛔ **Posts are on hold:** {problem}", problem=clip(club.post_problem, 300)) + "\n"
                     + tr.t("Fix it, then run `/club setup` again (or `/club post-now` to try at once)."))
    elif retrying is not None and retrying.next_try_at is not None:
        lines.append(tr.t("🔁 **A post could not go out yet; I will try again {at} ({relative}):** {failure}",
                          at=_ts(retrying.next_try_at), relative=_ts(retrying.next_try_at, "R"),
                          failure=clip(retrying.error or "", 300)))
    elif failure:
        lines.append(tr.t("⚠️ **The last post failed:** {failure}", failure=clip(failure, 300)))
    embed = discord.Embed(title=tr.t("Club settings"), description="\n".join(lines), colour=COLOUR)
    if runs:
        late = tr.t("(late)")
        history = []
        for run in runs:
            kind, status = run_words(tr, run.kind, run.status)
            # i18n: a line of /club show's recent posts: "routine Nov 16, 2026: sent".
            line = tr.t("{kind} {date}: {status}", kind=kind, date=_period_date(tr, run.period_key), status=status)
            history.append(f"{line} {late}" if run.late else line)
        embed.add_field(name=tr.t("Recent posts"), value=clip("\n".join(history), 1024), inline=False)
    return embed


def post_problem_text(guild_name: str, reason: str, tr: Texts = ENGLISH) -> str:
    """The DM to the admin who set the club up when its posts stop for a reason only they can fix."""
    return clip(
        tr.t("The weekly posts of **{server}** are on hold: {reason}", server=guild_name, reason=reason) + "\n"
        + tr.t("Once that is fixed, run `/club setup` again (or `/club post-now` to post at once). "
               "Until then I will not try every week."),
        MESSAGE_MAX,
    )
