"""What the page sees of the fake Discord: the seeded club, the command tree the bot synced, messages as views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.playground.fake import ChannelType, FakeChannel, FakeDiscord, FakeGuild, FakeMember, OptionType, Perm

EPHEMERAL = 1 << 6
LOADING = 1 << 7
MEMBER_NAMES = ("ann", "ben", "cara")


@dataclass
class World:
    """One server with a club channel, a coach who can set the club up and a few runners."""

    guild: FakeGuild
    club_channel: FakeChannel
    coach: FakeMember
    members: list[FakeMember]


def seed_world(fake: FakeDiscord) -> World:
    guild = fake.add_guild("Canal Joggers")
    channel = fake.channels[fake.add_channel(guild.id, "club", topic="Weekly glute routines for runners")]
    coach = fake.add_member(guild.id, "coach", permissions=Perm.MANAGE_GUILD | Perm.USE_APPLICATION_COMMANDS)
    runners = [fake.add_member(guild.id, name) for name in MEMBER_NAMES]
    return World(guild=guild, club_channel=channel, coach=coach, members=[coach, *runners])


def flatten_commands(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every chat command path ("glutes today", "club setup") with its leaf options, as the page lists them."""
    found: list[dict[str, Any]] = []

    def walk(path: list[str], description: str, options: list[dict[str, Any]]) -> None:
        subs = [o for o in options if o.get("type") in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)]
        if not subs:
            leaf = [
                {
                    "name": o["name"],
                    "type": o["type"],
                    "description": o.get("description", ""),
                    "required": bool(o.get("required")),
                    "choices": [{"name": c["name"], "value": c["value"]} for c in o.get("choices") or []],
                    "autocomplete": bool(o.get("autocomplete")),
                }
                for o in options
            ]
            found.append({"path": " ".join(path), "description": description, "options": leaf})
            return
        for sub in subs:
            walk([*path, sub["name"]], sub.get("description", ""), sub.get("options") or [])

    for command in commands:
        if command.get("type", 1) == 1:
            walk([command["name"]], command.get("description", ""), command.get("options") or [])
    return sorted(found, key=lambda c: c["path"])


def convert_options(definition: dict[str, Any] | None, raw: dict[str, Any]) -> dict[str, Any]:
    """The page's option strings as the types the command declares (ids for channels, users and roles)."""
    types = {o["name"]: o["type"] for o in (definition or {}).get("options", [])}
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None or value == "":
            continue
        kind = types.get(name, OptionType.STRING)
        if kind in (OptionType.INTEGER, OptionType.USER, OptionType.CHANNEL, OptionType.ROLE, OptionType.MENTIONABLE):
            out[name] = int(value)
        elif kind == OptionType.NUMBER:
            out[name] = float(value)
        elif kind == OptionType.BOOLEAN:
            out[name] = value if isinstance(value, bool) else str(value).lower() in ("true", "yes", "1")
        else:
            out[name] = str(value)
    return out


def message_view(fake: FakeDiscord, message: dict[str, Any]) -> dict[str, Any]:
    """A message as the page draws it: who may see it, which pane it belongs to, pictures served by the page."""
    flags = int(message.get("flags") or 0)
    meta = message.get("interaction_metadata") or {}
    invoker = (meta.get("user") or {}).get("id")
    channel = fake.channels.get(int(message["channel_id"]))
    dm_user = str(channel.recipient_id) if channel is not None and channel.type == ChannelType.DM else None
    attachments = [
        {**a, "url": f"/attachments/{a['id']}"} if int(a["id"]) in fake.attachment_files else a
        for a in message.get("attachments") or []
    ]
    return {
        **message,
        "attachments": attachments,
        "visible_to": invoker if flags & EPHEMERAL else None,
        "loading": bool(flags & LOADING),
        "dm_user": dm_user,
        "invoker_name": (meta.get("user") or {}).get("username"),
        "command_name": meta.get("name"),
    }
