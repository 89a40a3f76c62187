"""FakeDiscord: a local Discord (REST API + gateway) that the real discord.py client talks to."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from . import rest
from .driving import DrivingMixin
from .gateway import GatewayConnection, Session, dumps
from .interactions import FakeInteraction
from .models import Call, ChannelType, FailRule, FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, Perm
from .payloads import PayloadsMixin
from .sessions import SessionsMixin
from .snowflake import GuildIdGenerator, SnowflakeGenerator, snowflake_at
from .store import MessageStoreMixin
from .traffic import TrafficMixin, _CallWaiter, _GlobalLimiter

log = logging.getLogger("bot.playground.fake")

APPLICATION_ID = snowflake_at(1678838400000, worker=0, process=0, increment=7)  # 2023-03-15
LOADING_FLAG = 1 << 7
EPHEMERAL_FLAG = 1 << 6


class FakeDiscord(TrafficMixin, SessionsMixin, PayloadsMixin, MessageStoreMixin, DrivingMixin):
    """A fake Discord on 127.0.0.1 for end-to-end tests and benchmarks.

    Point discord.py at it with ``discord.http.Route.BASE = fake.api_base`` and
    ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``.
    """

    APPLICATION_ID = APPLICATION_ID
    BOT_USER_ID = APPLICATION_ID

    def __init__(
        self,
        shard_count: int = 1,
        *,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "GluteClub",
        interaction_deadline: float | None = 3.0,
        echo_messages: bool = False,
        heartbeat_interval: int = 41250,
        rest_latency: float = 0.0,
        control_api: bool = True,
        spec_check: bool = False,
        keep_attachments: bool = False,
    ) -> None:
        self.shard_count = shard_count
        self.token = token
        self.host = host
        self.port = port
        self.interaction_deadline = interaction_deadline
        self.echo_messages = echo_messages
        self.heartbeat_interval = heartbeat_interval
        self.rest_latency = rest_latency
        self.control_api = control_api
        # With spec_check, each REST request goes through _check_spec (the test suite's subclass checks it
        # against Discord's OpenAPI spec); what fails lands here.
        self.spec_check = spec_check
        self.spec_violations: list[Any] = []
        # The bytes of uploaded files by attachment id (the playground's page serves the pictures).
        self.keep_attachments = keep_attachments
        self.attachment_files: dict[int, tuple[str, bytes]] = {}
        # Called with ("create" | "update" | "delete", message) whenever a stored message changes.
        self.observers: list[Callable[[str, dict[str, Any]], None]] = []

        self.application_id = APPLICATION_ID
        self.bot_user = FakeUser(id=APPLICATION_ID, username=bot_username, bot=True, discriminator="4821")
        self.bot_user_id = self.bot_user.id
        self.app_owner = FakeUser(id=snowflake_at(1577880000000, increment=3), username="club-admin")

        self._ids = SnowflakeGenerator()
        self._guild_ids = GuildIdGenerator()

        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user, self.app_owner.id: self.app_owner}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self._role_guild: dict[int, int] = {}

        self.calls: list[Call] = []
        self.commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}

        self.identify_count = 0
        self.identified_shards: list[tuple[int, int]] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.resume_count = 0
        self.heartbeat_count = 0
        self.presence_updates: list[Any] = []
        self.rate_limited_count = 0

        self.messages: dict[int, dict[str, Any]] = {}
        self._channel_messages: dict[int, dict[int, dict[str, Any]]] = {}
        self._custom_id_index: dict[str, int] = {}
        self._dm_channels: dict[int, int] = {}
        self._closed_dms: set[int] = set()

        self.interactions: list[FakeInteraction] = []
        self._interactions_by_token: dict[str, FakeInteraction] = {}

        self._failures: list[FailRule] = []
        self._global_limiter: _GlobalLimiter | None = None
        self._waiters: list[_CallWaiter] = []

        self._sessions: dict[str, Session] = {}
        self._shard_sessions: dict[int, Session] = {}
        self._connections: set[GatewayConnection] = set()
        # While True, new gateway connections are refused (HTTP 503 instead of the websocket upgrade).
        self.refuse_gateway = False
        self._session_changed: asyncio.Event | None = None
        self._background: set[asyncio.Task[None]] = set()

        # how long slash()/click()... wait for a gateway session owning the target guild
        self.session_wait_timeout = 5.0
        self._runner: web.AppRunner | None = None
        self._router = rest.Router(self)
        # Set by stop(): requests held back by hold() are answered at once, so no handler outlives the fake.
        self._stopping = asyncio.Event()

    # ------------------------------------------------------------------------------------------------
    # lifecycle

    async def start(self) -> FakeDiscord:
        self._session_changed = asyncio.Event()
        self._stopping = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/", self._gateway_handler)
        app.router.add_route("*", "/api/{tail:.*}", self._router.handle)
        if self.control_api:
            from .control import ControlApi

            ControlApi(self).install(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.debug("fake discord listening on %s", self.api_base)
        return self

    async def stop(self) -> None:
        self._stopping.set()
        conns = list(self._connections)
        await asyncio.gather(*(conn.close(1001, "Going away") for conn in conns))
        await asyncio.gather(*(conn.finish() for conn in conns))
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_fake"

    # ------------------------------------------------------------------------------------------------
    # world building

    def next_id(self) -> int:
        return self._ids.next()

    def add_user(self, username: str, *, global_name: str | None = None, bot: bool = False) -> FakeUser:
        user = FakeUser(id=self._ids.next(), username=username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "Club",
        owner_id: int | None = None,
        *,
        shard_id: int | None = None,
        bot_permissions: int = Perm.BOT_DEFAULT,
        everyone_permissions: int = Perm.EVERYONE_DEFAULT,
        members: int = 0,
    ) -> FakeGuild:
        """Create a guild the bot is in: @everyone, a managed bot role, a "general" text channel.

        ``shard_id`` places the guild on that shard for ``self.shard_count`` shards. ``members`` adds that
        many extra plain members (``member0``, ``member1``...). If a connected session owns the guild it
        receives a GUILD_CREATE.
        """
        gid = self._guild_ids.next(shard_id=shard_id, shard_count=self.shard_count)
        if owner_id is None:
            owner = self.add_user(f"{name.lower().replace(' ', '-')}-owner")
            owner_id = owner.id
        elif owner_id not in self.users:
            self.users[owner_id] = FakeUser(id=owner_id, username=f"user{owner_id % 10000}")
        everyone = FakeRole(id=gid, guild_id=gid, name="@everyone", permissions=everyone_permissions, position=0)
        bot_role = FakeRole(
            id=self._ids.next(),
            guild_id=gid,
            name=self.bot_user.username,
            permissions=bot_permissions,
            position=10,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild = FakeGuild(id=gid, name=name, owner_id=owner_id, roles=[everyone, bot_role], bot_role_id=bot_role.id)
        self._role_guild[everyone.id] = gid
        self._role_guild[bot_role.id] = gid
        text = FakeChannel(id=self._ids.next(), guild_id=gid, name="general", type=ChannelType.GUILD_TEXT, position=0)
        guild.channels[text.id] = text
        guild.text_channel_id = text.id
        self.channels[text.id] = text
        guild.members[self.bot_user.id] = FakeMember(user=self.bot_user, guild_id=gid, roles=[bot_role.id])
        guild.members[owner_id] = FakeMember(user=self.users[owner_id], guild_id=gid)
        for i in range(members):
            user = self.add_user(f"member{i}")
            guild.members[user.id] = FakeMember(user=user, guild_id=gid)
        self.guilds[gid] = guild
        session = self._owning_session(gid)
        if session is not None:
            session.dispatch("GUILD_CREATE", self._guild_create_payload(guild, session, joined=True))
        return guild

    def remove_guild(self, guild_id: int) -> None:
        """The bot leaves / is kicked from the guild: GUILD_DELETE."""
        guild = self.guilds.pop(guild_id)
        for cid in guild.channels:
            self.channels.pop(cid, None)
        session = self._owning_session(guild_id)
        if session is not None:
            session.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    def add_channel(
        self,
        guild_id: int,
        name: str,
        *,
        bot_permissions_deny: int = 0,
        bot_permissions_allow: int = 0,
        type: int = ChannelType.GUILD_TEXT,
        overwrites: Iterable[dict[str, Any]] = (),
        topic: str | None = None,
        parent_id: int | None = None,
    ) -> int:
        """Add a guild channel; ``bot_permissions_deny`` becomes a member overwrite for the bot user."""
        guild = self.guilds[guild_id]
        channel = FakeChannel(
            id=self._ids.next(),
            guild_id=guild_id,
            name=name,
            type=type,
            position=len(guild.channels),
            topic=topic,
            parent_id=parent_id,
            overwrites=[
                {
                    "id": str(o["id"]),
                    "type": int(o.get("type", 0)),
                    "allow": str(o.get("allow", 0)),
                    "deny": str(o.get("deny", 0)),
                }
                for o in overwrites
            ],
        )
        if bot_permissions_deny or bot_permissions_allow:
            channel.overwrites.append(
                {
                    "id": str(self.bot_user.id),
                    "type": 1,
                    "allow": str(bot_permissions_allow),
                    "deny": str(bot_permissions_deny),
                }
            )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self._dispatch_guild(guild_id, "CHANNEL_CREATE", channel.payload())
        return channel.id

    def add_role(
        self, guild_id: int, name: str, *, permissions: int = 0, position: int | None = None, color: int = 0
    ) -> FakeRole:
        guild = self.guilds[guild_id]
        if position is None:
            # below the bot's role so the bot may hand it out
            position = max((r.position for r in guild.roles if r.position < guild.bot_role.position), default=0) + 1
            position = min(position, guild.bot_role.position - 1) if guild.bot_role.position > 1 else position
        role = FakeRole(
            id=self._ids.next(), guild_id=guild_id, name=name, permissions=permissions, position=position, color=color
        )
        guild.roles.append(role)
        self._role_guild[role.id] = guild_id
        self._dispatch_guild(guild_id, "GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role.payload()})
        return role

    def update_role(
        self, guild_id: int, role_id: int, *, permissions: int | None = None, position: int | None = None
    ) -> FakeRole:
        """Change a role's permissions or position (as an admin would in Server Settings) and tell the bot."""
        role = self.guilds[guild_id].role(role_id)
        if permissions is not None:
            role.permissions = permissions
        if position is not None:
            role.position = position
        self._dispatch_guild(guild_id, "GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": role.payload()})
        return role

    def add_member(
        self,
        guild_id: int,
        username: str = "runner",
        *,
        permissions: int | None = None,
        roles: Iterable[int | FakeRole] = (),
        user_id: int | None = None,
        nick: str | None = None,
        global_name: str | None = None,
    ) -> FakeMember:
        """Add a member (creating the user unless ``user_id`` names a known one).

        ``permissions`` is what interactions report as ``member.permissions``; when None it is derived from
        the roles and channel overwrites like Discord does.
        """
        guild = self.guilds[guild_id]
        if user_id is not None and user_id in self.users:
            user = self.users[user_id]
        else:
            user = FakeUser(id=user_id or self._ids.next(), username=username, global_name=global_name)
            self.users[user.id] = user
        role_ids = [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
        member = FakeMember(user=user, guild_id=guild_id, roles=role_ids, permissions=permissions, nick=nick)
        guild.members[user.id] = member
        self._dispatch_guild(guild_id, "GUILD_MEMBER_ADD", {**member.payload(), "guild_id": str(guild_id)})
        return member

    def add_members(self, guild_id: int, count: int, *, prefix: str = "member") -> list[FakeMember]:
        """Bulk-add plain members (no gateway events when nobody is connected)."""
        return [self.add_member(guild_id, f"{prefix}{i}") for i in range(count)]

    def remove_member(self, guild_id: int, user_id: int) -> None:
        guild = self.guilds[guild_id]
        member = guild.members.pop(user_id)
        self._dispatch_guild(
            guild_id, "GUILD_MEMBER_REMOVE", {"guild_id": str(guild_id), "user": member.user.payload()}
        )

    def set_member_roles(self, guild_id: int, user_id: int, roles: Iterable[int | FakeRole]) -> None:
        member = self.guilds[guild_id].members[user_id]
        member.roles = [r.id if isinstance(r, FakeRole) else int(r) for r in roles]
        self._dispatch_member_update(guild_id, member)

    def dm_channel_id(self, user_id: int) -> int:
        """The (stable) DM channel between the bot and that user."""
        cid = self._dm_channels.get(user_id)
        if cid is None:
            cid = self._ids.next()
            self._dm_channels[user_id] = cid
            self.channels[cid] = FakeChannel(id=cid, guild_id=None, name="", type=ChannelType.DM, recipient_id=user_id)
        return cid

    def dms_closed(self, user_id: int, closed: bool = True) -> None:
        """Sending a DM to that user answers 403 code 50007 (until called again with closed=False)."""
        self.dm_channel_id(user_id)
        if closed:
            self._closed_dms.add(user_id)
        else:
            self._closed_dms.discard(user_id)

    def _notify(self, change: str, message: dict[str, Any]) -> None:
        for observer in self.observers:
            observer(change, message)

    # ------------------------------------------------------------------------------------------------
    # misc

    def stats(self) -> dict[str, Any]:
        return {
            "calls": len(self.calls),
            "messages": len(self.messages),
            "interactions": len(self.interactions),
            "answered_interactions": sum(1 for ix in self.interactions if ix.callback is not None),
            "rate_limited_count": self.rate_limited_count,
            "identify_count": self.identify_count,
            "resume_count": self.resume_count,
            "connections": len(self._connections),
            "spec_violations": len(self.spec_violations),
        }



__all__ = ["FakeDiscord", "dumps"]
