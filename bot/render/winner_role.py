"""Replies about the weekly winner role."""

from __future__ import annotations

from bot.core.winner_role import RoleChanges, WinnerSetting


def winner_role_saved_text(setting: WinnerSetting) -> str:
    places = "the week's top member" if setting.winners == 1 else f"the week's top {setting.winners} members"
    return (
        f"Winner role: <@&{setting.role_id}> goes to {places} (ties included) after each weekly leaderboard "
        "post, and last week's holders lose it. Members who hide from the boards never get it."
    )


def winner_role_cleared_text(changes: RoleChanges, failed: int) -> str:
    text = f"The winner role <@&{changes.role_id}> is no longer handed out"
    if changes.remove:
        text += f"; I took it from {len(changes.remove)} current holder(s)"
    text += "."
    if failed:
        text += f" {failed} of them still have it: I was not allowed to remove it (check my role's position)."
    return text
