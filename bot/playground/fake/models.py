"""State objects of the fake Discord and their JSON payloads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .snowflake import iso_timestamp


class Perm:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40
    SEND_POLLS = 1 << 49

    ALL = (1 << 51) - 1

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | STREAM
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | CREATE_PRIVATE_THREADS
        | USE_EXTERNAL_STICKERS
        | SEND_MESSAGES_IN_THREADS
        | SEND_POLLS
    )
    # What the bot role gets: everything a moderating bot needs, but not ADMINISTRATOR, so that
    # channel overwrites still apply to it.
    BOT_DEFAULT = (
        EVERYONE_DEFAULT
        | MANAGE_CHANNELS
        | MANAGE_MESSAGES
        | MANAGE_ROLES
        | MANAGE_THREADS
        | MENTION_EVERYONE
        | MANAGE_NICKNAMES
        | MANAGE_WEBHOOKS
        | MODERATE_MEMBERS
        | KICK_MEMBERS
    )
    # What Discord reports as the bot's permissions in a DM.
    DM_DEFAULT = (
        ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
        | SEND_POLLS
    )


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    PUBLIC_THREAD = 11
    GUILD_FORUM = 15


@dataclass(eq=False)
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    discriminator: str = "0"
    avatar: str | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": self.discriminator,
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def me_payload(self) -> dict[str, Any]:
        data = self.payload()
        data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None, "bio": ""})
        return data


@dataclass(eq=False)
class FakeRole:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class FakeChannel:
    id: int
    guild_id: int | None
    name: str
    type: int = ChannelType.GUILD_TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    recipient_id: int | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    last_message_id: int | None = None

    @property
    def is_dm(self) -> bool:
        return self.type == ChannelType.DM

    def payload(self, *, include_guild_id: bool = True, recipient: FakeUser | None = None) -> dict[str, Any]:
        if self.is_dm:
            return {
                "id": str(self.id),
                "type": ChannelType.DM,
                "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                "recipients": [recipient.payload()] if recipient is not None else [],
                "flags": 0,
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "permission_overwrites": [dict(o) for o in self.overwrites],
            "flags": 0,
        }
        if self.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.GUILD_FORUM):
            data.update(
                {
                    "topic": self.topic,
                    "nsfw": self.nsfw,
                    "rate_limit_per_user": self.rate_limit_per_user,
                    "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                    "default_auto_archive_duration": 1440,
                }
            )
        elif self.type == ChannelType.GUILD_VOICE:
            data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None, "nsfw": False})
        if include_guild_id and self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data


@dataclass(eq=False)
class FakeMember:
    user: FakeUser
    guild_id: int
    roles: list[int] = field(default_factory=list)
    # Explicit permissions to report in interactions (``member.permissions``); None derives them from roles.
    permissions: int | None = None
    nick: str | None = None
    joined_at: str = field(default_factory=iso_timestamp)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def username(self) -> str:
        return self.user.username

    def payload(self, *, include_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if include_user:
            data["user"] = self.user.payload()
        return data


@dataclass(eq=False)
class FakeGuild:
    id: int
    name: str
    owner_id: int
    text_channel_id: int = 0
    roles: list[FakeRole] = field(default_factory=list)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    bot_role_id: int = 0
    joined_at: str = field(default_factory=iso_timestamp)
    locale: str = "en-US"

    @property
    def everyone_role(self) -> FakeRole:
        return self.roles[0]

    @property
    def bot_role(self) -> FakeRole:
        return self.role(self.bot_role_id)

    def role(self, role_id: int) -> FakeRole:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)

    def shard_id(self, shard_count: int) -> int:
        return (self.id >> 22) % shard_count

    def top_role_position(self, member: FakeMember) -> int:
        positions = [r.position for r in self.roles if r.id in member.roles]
        return max(positions, default=0)

    def base_permissions(self, member: FakeMember) -> int:
        if member.id == self.owner_id:
            return Perm.ALL
        perms = self.everyone_role.permissions
        wanted = set(member.roles)
        for role in self.roles:
            if role.id in wanted:
                perms |= role.permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        return perms

    def channel_permissions(self, member: FakeMember, channel: FakeChannel, base: int | None = None) -> int:
        """Discord's permission algorithm: base permissions, then @everyone, role and member overwrites."""
        perms = self.base_permissions(member) if base is None else base
        if perms & Perm.ADMINISTRATOR or member.id == self.owner_id:
            return Perm.ALL
        by_target = {(int(o["id"]), int(o["type"])): o for o in channel.overwrites}
        everyone = by_target.get((self.id, 0))
        if everyone is not None:
            perms &= ~int(everyone.get("deny", 0))
            perms |= int(everyone.get("allow", 0))
        allow = deny = 0
        for role_id in member.roles:
            ow = by_target.get((role_id, 0))
            if ow is not None:
                allow |= int(ow.get("allow", 0))
                deny |= int(ow.get("deny", 0))
        perms = (perms & ~deny) | allow
        own = by_target.get((member.id, 1))
        if own is not None:
            perms &= ~int(own.get("deny", 0))
            perms |= int(own.get("allow", 0))
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        if not perms & Perm.SEND_MESSAGES:
            perms &= ~(Perm.MENTION_EVERYONE | Perm.SEND_TTS_MESSAGES | Perm.ATTACH_FILES | Perm.EMBED_LINKS)
        return perms


@dataclass(eq=False)
class Call:
    """One REST request the client made, as recorded by the fake."""

    method: str
    path: str  # relative to the API base, e.g. ``/channels/123/messages``
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]]
    status: int
    at: float  # time.perf_counter() when the request arrived
    response: Any = None

    def __repr__(self) -> str:
        return f"<Call {self.method} {self.path} -> {self.status}>"


@dataclass(eq=False)
class FailRule:
    """An injected failure; see FakeDiscord.fail()."""

    method: str | None
    pattern: re.Pattern[str]
    status: int
    json: Any
    times: int | None
    headers: dict[str, str] | None
    hits: int = 0
    # "before": close the connection without an answer; "after": do the request, then close without an answer.
    drop: str | None = None
    # Seconds to hold the request before acting on it (a slow Discord).
    delay: float = 0.0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and self.pattern.search(path) is not None
