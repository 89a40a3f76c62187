"""Replies about the weekly winner role (to the admin who sets it up), in the language of ``tr``."""

from __future__ import annotations

from bot.core.winner_role import RoleChanges, WinnerSetting
from bot.i18n import Texts


def winner_role_saved_text(tr: Texts, setting: WinnerSetting) -> str:
    role = f"<@&{setting.role_id}>"
    return tr.n(
        "Winner role: {role} goes to the week's top member (ties included) after each weekly leaderboard post, "
        "and last week's holders lose it. Members who hide from the boards never get it.",
        "Winner role: {role} goes to the week's top {count} members (ties included) after each weekly leaderboard "
        "post, and last week's holders lose it. Members who hide from the boards never get it.",
        setting.winners, role=role,
    )


def winner_role_cleared_text(tr: Texts, changes: RoleChanges, failed: int) -> str:
    role = f"<@&{changes.role_id}>"
    if changes.remove:
        text = tr.n("The winner role {role} is no longer handed out; I took it from {count} current holder.",
                    "The winner role {role} is no longer handed out; I took it from {count} current holders.",
                    len(changes.remove), role=role)
    else:
        text = tr.t("The winner role {role} is no longer handed out.", role=role)
    if failed:
        text += " " + tr.n(
            "{count} of them still has it: I was not allowed to remove it (check my role's position).",
            "{count} of them still have it: I was not allowed to remove it (check my role's position).",
            failed,
        )
    return text
