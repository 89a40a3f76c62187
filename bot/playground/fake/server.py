"""FakeDiscord: a local Discord (REST API + gateway) that the real discord.py client talks to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from . import rest
from .gateway import GatewayConnection, Intent, Op, Session, dumps
from .interactions import (
    FakeInteraction,
    InteractionType,
    OptionType,
    infer_option_type,
    nest_options,
    walk_command,
)
from .models import (
    Call,
    ChannelType,
    FailRule,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
)
from .snowflake import GuildIdGenerator, SnowflakeGenerator, iso_timestamp, snowflake_at

log = logging.getLogger("bot.playground.fake")

APPLICATION_ID = snowflake_at(1678838400000, worker=0, process=0, increment=7)  # 2023-03-15
LOADING_FLAG = 1 << 7
EPHEMERAL_FLAG = 1 << 6


class _CallWaiter:
    __slots__ = ("count", "future", "matched", "method", "pattern", "status")

    def __init__(
        self,
        method: str | None,
        pattern: re.Pattern[str],
        count: int,
        status: int | None,
        matched: list[Call],
        future: asyncio.Future[list[Call]],
    ) -> None:
        self.method = method
        self.pattern = pattern
        self.count = count
        self.status = status
        self.matched = matched
        self.future = future

    def matches(self, call: Call) -> bool:
        return (
            (self.method is None or call.method == self.method)
            and (self.status is None or call.status == self.status)
            and self.pattern.search(call.path) is not None
        )


class _GlobalLimiter:
    """Fixed one-second windows, like Discord's global limit of N requests per second."""

    __slots__ = ("count", "per_second", "window_start")

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self.window_start = -1e9
        self.count = 0

    def hit(self, now: float) -> float | None:
        if now - self.window_start >= 1.0:
            self.window_start = now
            self.count = 0
        if self.count < self.per_second:
            self.count += 1
            return None
        return self.window_start + 1.0 - now


class FakeDiscord:
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
    # recording

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        if self._waiters:
            for waiter in self._waiters:
                if not waiter.future.done() and waiter.matches(call):
                    waiter.matched.append(call)
                    if len(waiter.matched) >= waiter.count:
                        waiter.future.set_result(list(waiter.matched))

    def _check_spec(self, method: str, path: str, content_type: str, body: Any, has_body: bool) -> None:
        """Checks one REST request (with ``spec_check``); the product fake has no spec to check against."""

    def take_spec_violations(self) -> list[Any]:
        """This fake's spec violations so far, which no longer fail the test (for requests bad on purpose)."""
        taken, self.spec_violations = self.spec_violations, []
        return taken

    def mark(self) -> int:
        """Index into ``calls`` to pass as ``since=`` to only look at later calls."""
        return len(self.calls)

    def find_calls(
        self, method: str | None, path_regex: str, *, since: int = 0, status: int | None = None
    ) -> list[Call]:
        pattern = re.compile(path_regex)
        method = method.upper() if method else None
        return [
            c
            for c in self.calls[since:]
            if (method is None or c.method == method)
            and (status is None or c.status == status)
            and pattern.search(c.path)
        ]

    async def wait_for(
        self,
        method: str | None,
        path_regex: str,
        timeout: float = 5.0,
        count: int = 1,
        *,
        since: int = 0,
        status: int | None = None,
    ) -> list[Call]:
        """Wait until ``count`` calls matching (method, ``re.search(path_regex, path)``) were recorded.

        Paths are relative to the API base (``/channels/123/messages``). Returns the matching calls.
        """
        matched = self.find_calls(method, path_regex, since=since, status=status)
        if len(matched) >= count:
            return matched
        future: asyncio.Future[list[Call]] = asyncio.get_running_loop().create_future()
        waiter = _CallWaiter(method.upper() if method else None, re.compile(path_regex), count, status, matched, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            recent = ", ".join(f"{c.method} {c.path} {c.status}" for c in self.calls[-8:])
            raise TimeoutError(
                f"waited {timeout}s for {count} x {method} {path_regex!r}, saw {len(waiter.matched)}; "
                f"last calls: [{recent}]"
            ) from None
        finally:
            self._waiters.remove(waiter)

    def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        """Messages the bot created in that channel via POST /channels/{id}/messages (minus deleted ones)."""
        return list(self._channel_messages.get(channel_id, {}).values())

    def dm_messages(self, user_id: int) -> list[dict[str, Any]]:
        cid = self._dm_channels.get(user_id)
        return [] if cid is None else self.channel_messages(cid)

    def message_with_custom_id(self, custom_id: str) -> dict[str, Any] | None:
        """The latest recorded message carrying a component with that custom_id."""
        mid = self._custom_id_index.get(custom_id)
        return None if mid is None else self.messages.get(mid)

    # ------------------------------------------------------------------------------------------------
    # error injection

    def fail(
        self,
        method: str | None,
        path_regex: str,
        status: int = 403,
        json: Any = None,
        times: int | None = 1,
        headers: dict[str, str] | None = None,
    ) -> FailRule:
        """Answer the next ``times`` matching requests (None: all of them) with that status and body."""
        if json is None:
            json = (
                {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}
                if status == 429
                else {"message": "Cannot send messages to this user", "code": 50007}
            )
        if status == 429 and isinstance(json, dict):
            json = {"global": False, **json}
            json.setdefault("retry_after", 0.05)
            json.setdefault("message", "You are being rate limited.")
        rule = FailRule(
            method=method.upper() if method else None,
            pattern=re.compile(path_regex),
            status=status,
            json=json,
            times=times,
            headers=headers,
        )
        self._failures.append(rule)
        return rule

    def drop(self, method: str | None, path_regex: str, *, after: bool = True, times: int | None = 1) -> FailRule:
        """Close the connection on the next ``times`` matching requests without answering: ``after`` the request
        took effect (e.g. the message was created) or before it did."""
        rule = FailRule(method=method.upper() if method else None, pattern=re.compile(path_regex), status=0,
                        json=None, times=times, headers=None, drop="after" if after else "before")
        self._failures.append(rule)
        return rule

    def hold(self, method: str | None, path_regex: str, seconds: float, *, times: int | None = 1) -> FailRule:
        """Answer the next ``times`` matching requests normally, but only after ``seconds``."""
        rule = FailRule(method=method.upper() if method else None, pattern=re.compile(path_regex), status=0,
                        json=None, times=times, headers=None, delay=seconds)
        self._failures.append(rule)
        return rule

    def clear_failures(self) -> None:
        self._failures.clear()

    def set_global_rate_limit(self, per_second: int | None = 50) -> None:
        """Enforce Discord's global limit (None: off). Interaction callbacks/webhooks are exempt, as on Discord."""
        self._global_limiter = None if per_second is None else _GlobalLimiter(per_second)

    # ------------------------------------------------------------------------------------------------
    # gateway

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(status=400, text="gateway: websocket upgrade expected")
        if self.refuse_gateway:
            return web.Response(status=503, text="gateway: refused by the test")
        encoding = request.query.get("encoding", "json")
        compress = request.query.get("compress")
        ws = web.WebSocketResponse(max_msg_size=0, compress=False, autoclose=True, autoping=True)
        await ws.prepare(request)
        if encoding != "json":
            await ws.close(code=4002, message=b"Only encoding=json is supported by the fake")
            return ws
        try:
            conn = GatewayConnection(self, ws, compress)
        except ValueError:
            await ws.close(code=4002, message=b"Unsupported compression")
            return ws
        conn.transport = request.transport
        self._connections.add(conn)
        try:
            await conn.serve()
        finally:
            self._connections.discard(conn)
            conn.closed = True
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
            await conn.finish()
            if not ws.closed:
                with contextlib.suppress(Exception):
                    await ws.close()
        return ws

    def _check_token(self, token: str | None) -> bool:
        if not token:
            return False
        return self.token is None or token == self.token

    async def _on_identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if not self._check_token(data.get("token")):
            await conn.close(4004, "Authentication failed.")
            return
        shard = data.get("shard") or [0, 1]
        shard_id, shard_count = int(shard[0]), int(shard[1])
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await conn.close(4010, "Invalid shard.")
            return
        intents = int(data.get("intents", 0))
        session = Session(
            session_id=secrets.token_hex(16),
            shard_id=shard_id,
            shard_count=shard_count,
            intents=intents,
            large_threshold=int(data.get("large_threshold", 50)),
        )
        old = self._shard_sessions.get(shard_id)
        if old is not None:
            old.invalid = True
            self._sessions.pop(old.session_id, None)
        self._sessions[session.session_id] = session
        self._shard_sessions[shard_id] = session
        session.conn = conn
        conn.session = session
        self.identify_count += 1
        self.identified_shards.append((shard_id, shard_count))
        self.identify_payloads.append(data)

        owned = [g for g in self.guilds.values() if session.owns(g.id)]
        session.dispatch("READY", self._ready_payload(session, owned))
        for guild in owned:
            session.dispatch("GUILD_CREATE", self._guild_create_payload(guild, session, joined=False))
        self._notify_sessions()

    async def _on_resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        session = self._sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        if (
            session is None
            or session.invalid
            or not self._check_token(data.get("token"))
            or seq is None
            or (session.history and session.history[0][0] > int(seq) + 1)
        ):
            conn.send_op(Op.INVALID_SESSION, False)
            return
        previous = session.conn
        if previous is not None and previous is not conn:
            previous.session = None
            closing = asyncio.get_running_loop().create_task(previous.close(4000, "Session resumed elsewhere"))
            self._background.add(closing)
            closing.add_done_callback(self._background.discard)
        session.conn = conn
        conn.session = session
        self.resume_count += 1
        for s, text in session.history:
            if s > int(seq):
                conn.send_text(text)
        session.dispatch("RESUMED", {"_trace": ["fake-gateway"]})
        self._notify_sessions()

    def _on_request_members(self, session: Session, data: dict[str, Any]) -> None:
        guild_ids = data.get("guild_id")
        if not isinstance(guild_ids, list):
            guild_ids = [guild_ids]
        for raw_gid in guild_ids:
            guild = self.guilds.get(int(raw_gid))
            if guild is None:
                continue
            members = list(guild.members.values())
            not_found: list[str] = []
            if data.get("user_ids"):
                wanted = [int(u) for u in data["user_ids"]]
                members = [guild.members[u] for u in wanted if u in guild.members]
                not_found = [str(u) for u in wanted if u not in guild.members]
            elif data.get("query"):
                q = str(data["query"]).lower()
                members = [m for m in members if m.username.lower().startswith(q)]
            limit = int(data.get("limit") or 0)
            if limit:
                members = members[:limit]
            chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
            for index, chunk in enumerate(chunks):
                payload: dict[str, Any] = {
                    "guild_id": str(guild.id),
                    "members": [m.payload() for m in chunk],
                    "chunk_index": index,
                    "chunk_count": len(chunks),
                    "not_found": not_found if index == 0 else [],
                }
                if data.get("presences"):
                    payload["presences"] = []
                if data.get("nonce") is not None:
                    payload["nonce"] = data["nonce"]
                session.dispatch("GUILD_MEMBERS_CHUNK", payload)

    def _notify_sessions(self) -> None:
        if self._session_changed is not None:
            self._session_changed.set()
            self._session_changed = asyncio.Event()

    def _owning_session(self, guild_id: int | None) -> Session | None:
        for session in self._shard_sessions.values():
            if session.invalid:
                continue
            if guild_id is None:
                if session.shard_id == 0:
                    return session
            elif session.owns(guild_id):
                return session
        return None

    async def _wait_owning_session(self, guild_id: int | None, timeout: float) -> Session:
        deadline = time.monotonic() + timeout
        while True:
            session = self._owning_session(guild_id)
            if session is not None:
                return session
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._session_changed is None:
                raise RuntimeError(
                    f"no gateway session owns guild {guild_id} (identified shards: {self.identified_shards})"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._session_changed.wait(), remaining)

    def _dispatch_guild(self, guild_id: int | None, event: str, data: Any) -> None:
        session = self._owning_session(guild_id)
        if session is not None and session.wants(event):
            session.dispatch(event, data)

    def _dispatch_member_update(self, guild_id: int, member: FakeMember) -> None:
        self._dispatch_guild(guild_id, "GUILD_MEMBER_UPDATE", {**member.payload(), "guild_id": str(guild_id)})

    async def wait_connected(self, shard_ids: Iterable[int] = (0,), timeout: float = 5.0) -> None:
        """Wait until each of those shards has a live, identified connection."""
        deadline = time.monotonic() + timeout
        wanted = list(shard_ids)
        while True:
            live = [
                sid
                for sid in wanted
                if (s := self._shard_sessions.get(sid)) is not None and s.conn is not None and not s.invalid
            ]
            if len(live) == len(wanted):
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._session_changed is None:
                raise TimeoutError(f"shards {wanted} not all connected (live: {live})")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._session_changed.wait(), remaining)

    async def drop_gateway(self, *, resume: bool = True, code: int = 4000) -> None:
        """Close every gateway socket (the client reconnects).

        With ``resume=True`` the sessions stay valid, so discord.py RESUMEs (missed events are replayed). With
        ``resume=False`` the sessions are invalidated, the RESUME is answered with INVALID_SESSION and the
        client IDENTIFYs again, which fires READY/on_ready a second time. (discord.py waits 5 s in
        ``before_identify_hook`` before a non-initial IDENTIFY; override it in tests.)
        """
        conns = list(self._connections)
        for conn in conns:
            if not resume and conn.session is not None:
                conn.session.invalid = True
        if not resume:
            for session in self._sessions.values():
                session.invalid = True
        await asyncio.gather(*(conn.close(code, "Dropped by test") for conn in conns))

    def abort_gateway(self) -> None:
        """Cut every gateway socket at the TCP level: no close frame, as when a network path dies.

        The sessions stay valid, so the client RESUMEs.
        """
        for conn in list(self._connections):
            conn.closed = True
            if conn.transport is not None:
                conn.transport.abort()

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT on every socket, as Discord does before maintenance."""
        for conn in list(self._connections):
            conn.send_op(Op.RECONNECT, None)

    def dispatch(self, event: str, data: Any, *, guild_id: int | None = None) -> None:
        """Dispatch an arbitrary gateway event to the shard owning ``guild_id`` (shard 0 when None)."""
        session = self._owning_session(guild_id)
        if session is None:
            raise RuntimeError(f"no gateway session for guild {guild_id}")
        session.dispatch(event, data)

    # ------------------------------------------------------------------------------------------------
    # payloads

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": (1 << 15) | (1 << 19) | (1 << 23),
            "owner": self.app_owner.payload(),
            "team": None,
            "bot": self.bot_user.payload(),
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": str(Perm.BOT_DEFAULT)},
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
        }

    def _ready_payload(self, session: Session, owned: list[FakeGuild]) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user.me_payload(),
            "user_settings": {},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in owned],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(self.application_id), "flags": (1 << 15) | (1 << 19) | (1 << 23)},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
            "auth": {},
            "_trace": ["fake-gateway"],
        }

    def guild_payload(self, guild: FakeGuild, *, with_counts: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "owner_id": str(guild.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in guild.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(guild.text_channel_id) if guild.text_channel_id else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "max_presences": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "description": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": guild.locale,
            "nsfw_level": 0,
            "nsfw": False,
            "widget_enabled": False,
            "widget_channel_id": None,
            "incidents_data": None,
        }
        if with_counts:
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return data

    def _guild_create_payload(self, guild: FakeGuild, session: Session, *, joined: bool) -> dict[str, Any]:
        data = self.guild_payload(guild)
        member_count = len(guild.members)
        large = member_count > session.large_threshold
        if session.intents & Intent.GUILD_MEMBERS and not large:
            members = [m.payload() for m in guild.members.values()]
        else:
            members = [guild.members[self.bot_user.id].payload()]
        data.update(
            {
                "joined_at": guild.joined_at,
                "large": large,
                "member_count": member_count,
                "voice_states": [],
                "members": members,
                "channels": [c.payload(include_guild_id=False) for c in guild.channels.values()],
                "threads": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "lazy": True,
                "embedded_activities": [],
                "application_command_counts": {},
                "hub_type": None,
                "latest_onboarding_question_id": None,
                "home_header": None,
                "version": int(time.time() * 1000),
            }
        )
        if not joined:
            data["unavailable"] = False
        return data

    def channel_payload(self, channel: FakeChannel) -> dict[str, Any]:
        recipient = self.users.get(channel.recipient_id) if channel.recipient_id else None
        return channel.payload(recipient=recipient)

    def bot_permissions_in(self, channel: FakeChannel) -> int:
        if channel.guild_id is None:
            return Perm.DM_DEFAULT
        guild = self.guilds[channel.guild_id]
        return guild.channel_permissions(guild.members[self.bot_user.id], channel)

    def member_permissions_in(self, guild: FakeGuild, member: FakeMember, channel: FakeChannel) -> int:
        if member.permissions is not None:
            return member.permissions
        return guild.channel_permissions(member, channel)

    # ------------------------------------------------------------------------------------------------
    # messages

    def build_message(
        self,
        channel: FakeChannel,
        body: dict[str, Any],
        files: list[tuple[str, str, bytes]],
        *,
        author: FakeUser | None = None,
        flags: int | None = None,
        webhook_id: int | None = None,
        interaction: FakeInteraction | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        mid = message_id or self._ids.next()
        author = author or self.bot_user
        message: dict[str, Any] = {
            "id": str(mid),
            "type": 0,
            "channel_id": str(channel.id),
            "author": author.payload(),
            "content": body.get("content") or "",
            "timestamp": iso_timestamp(mid),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": self._build_attachments(channel.id, body.get("attachments"), files, []),
            "embeds": list(body.get("embeds") or []),
            "reactions": [],
            "pinned": False,
            "flags": int(body.get("flags") or 0) if flags is None else flags,
            "components": list(body.get("components") or []),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("poll"):
            message["poll"] = body["poll"]
        if body.get("message_reference"):
            ref = dict(body["message_reference"])
            ref.setdefault("channel_id", str(channel.id))
            if channel.guild_id is not None:
                ref.setdefault("guild_id", str(channel.guild_id))
            message["message_reference"] = ref
            message["type"] = 19
            referenced = self.messages.get(int(ref.get("message_id", 0) or 0))
            message["referenced_message"] = referenced
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        if interaction is not None:
            user = self.users[interaction.user_id]
            meta: dict[str, Any] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user.payload(),
                "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
            }
            if interaction.type == InteractionType.APPLICATION_COMMAND:
                message["type"] = 20
                meta["name"] = interaction.label
                message["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": interaction.label,
                    "user": user.payload(),
                }
            elif interaction.message is not None:
                meta["interacted_message_id"] = interaction.message["id"]
            message["interaction_metadata"] = meta
        self._apply_mentions(message, body, channel)
        return message

    def _apply_mentions(self, message: dict[str, Any], body: dict[str, Any], channel: FakeChannel) -> None:
        content = message["content"]
        if "<@" not in content and "@everyone" not in content and "@here" not in content:
            return
        allowed = body.get("allowed_mentions")
        parse = set(allowed.get("parse", [])) if isinstance(allowed, dict) else {"users", "roles", "everyone"}
        allowed_users = {int(u) for u in (allowed or {}).get("users", [])} if isinstance(allowed, dict) else set()
        allowed_roles = {int(r) for r in (allowed or {}).get("roles", [])} if isinstance(allowed, dict) else set()
        users = []
        for raw in dict.fromkeys(re.findall(r"<@!?(\d+)>", content)):
            uid = int(raw)
            if uid in self.users and ("users" in parse or uid in allowed_users):
                users.append(self.users[uid].payload())
        roles = []
        for raw in dict.fromkeys(re.findall(r"<@&(\d+)>", content)):
            rid = int(raw)
            if rid in self._role_guild and ("roles" in parse or rid in allowed_roles):
                roles.append(str(rid))
        message["mentions"] = users
        message["mention_roles"] = roles
        message["mention_everyone"] = "everyone" in parse and ("@everyone" in content or "@here" in content)

    def _build_attachments(
        self,
        channel_id: int,
        declared: list[dict[str, Any]] | None,
        files: list[tuple[str, str, bytes]],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        by_field = {name: (filename, data) for name, filename, data in files}
        uploads = [(filename, data) for _, filename, data in files]
        existing_by_id = {str(a["id"]): a for a in existing}
        result: list[dict[str, Any]] = []
        for entry in declared or []:
            key = str(entry.get("id"))
            if key in existing_by_id:
                result.append(existing_by_id[key])
                continue
            upload = by_field.get(f"files[{key}]")
            if upload is None and key.isdigit() and int(key) < len(uploads):
                upload = uploads[int(key)]
            if upload is None:
                continue
            result.append(self._attachment(channel_id, upload[0], upload[1], entry))
        if declared is None:
            result = list(existing)
            for filename, data in uploads:
                result.append(self._attachment(channel_id, filename, data, {}))
        return result

    def _attachment(self, channel_id: int, filename: str, data: bytes, entry: dict[str, Any]) -> dict[str, Any]:
        aid = self._ids.next()
        url = f"{self.base_url}/attachments/{channel_id}/{aid}/{filename}"
        att: dict[str, Any] = {
            "id": str(aid),
            "filename": entry.get("filename") or filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": _guess_content_type(filename),
        }
        if entry.get("description"):
            att["description"] = entry["description"]
        if self.keep_attachments:
            self.attachment_files[aid] = (att["filename"], data)
        return att

    def store_message(self, message: dict[str, Any], *, channel_list: bool) -> None:
        mid = int(message["id"])
        self.messages[mid] = message
        channel_id = int(message["channel_id"])
        if channel_list:
            self._channel_messages.setdefault(channel_id, {})[mid] = message
        channel = self.channels.get(channel_id)
        if channel is not None:
            channel.last_message_id = mid
        self._index_components(message)
        self._notify("create", message)

    def edit_message(
        self, message: dict[str, Any], body: dict[str, Any], files: list[tuple[str, str, bytes]]
    ) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "poll"):
            if key in body:
                value = body[key]
                message[key] = (value or "") if key == "content" else (value if value is not None else [])
        if "flags" in body and body["flags"] is not None:
            keep = int(message.get("flags") or 0) & EPHEMERAL_FLAG
            message["flags"] = (int(body["flags"]) & ~LOADING_FLAG) | keep
        if "attachments" in body or files:
            message["attachments"] = self._build_attachments(
                int(message["channel_id"]), body.get("attachments"), files, message.get("attachments") or []
            )
        message["edited_timestamp"] = iso_timestamp()
        if "content" in body:
            channel = self.channels.get(int(message["channel_id"]))
            if channel is not None:
                self._apply_mentions(message, body, channel)
        self._index_components(message)
        self._notify("update", message)
        return message

    def delete_message(self, message_id: int) -> dict[str, Any] | None:
        message = self.messages.pop(message_id, None)
        if message is not None:
            per_channel = self._channel_messages.get(int(message["channel_id"]))
            if per_channel is not None:
                per_channel.pop(message_id, None)
            self._notify("delete", message)
        return message

    def _index_components(self, message: dict[str, Any]) -> None:
        components = message.get("components")
        if not components:
            return
        mid = int(message["id"])
        stack = list(components)
        while stack:
            comp = stack.pop()
            if not isinstance(comp, dict):
                continue
            cid = comp.get("custom_id")
            if cid is not None:
                self._custom_id_index[cid] = mid
            children = comp.get("components")
            if isinstance(children, list):
                stack.extend(children)
            for key in ("accessory", "component"):
                child = comp.get(key)
                if isinstance(child, dict):
                    stack.append(child)

    def echo_message_create(self, message: dict[str, Any], channel: FakeChannel) -> None:
        if not self.echo_messages:
            return
        data = dict(message)
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
            bot_member = self.guilds[channel.guild_id].members.get(self.bot_user.id)
            if bot_member is not None:
                data["member"] = bot_member.payload(include_user=False)
        self._dispatch_guild(channel.guild_id, "MESSAGE_CREATE", data)

    # ------------------------------------------------------------------------------------------------
    # interactions

    def _find_command(self, guild_id: int | None, name: str, ctype: int = 1) -> dict[str, Any] | None:
        if guild_id is not None:
            for cmd in self.guild_commands.get(guild_id, ()):
                if cmd["name"] == name and int(cmd.get("type", 1)) == ctype:
                    return cmd
        for cmd in self.commands:
            if cmd["name"] == name and int(cmd.get("type", 1)) == ctype:
                return cmd
        return None

    def _resolve_option(
        self,
        otype: int,
        value: Any,
        guild: FakeGuild | None,
        channel: FakeChannel,
        resolved: dict[str, dict[str, Any]],
        invoker_id: int | None = None,
    ) -> Any:
        if otype == OptionType.STRING:
            return str(value)
        if otype == OptionType.INTEGER:
            return int(value)
        if otype == OptionType.BOOLEAN:
            return bool(value)
        if otype == OptionType.NUMBER:
            return float(value)
        if otype == OptionType.ATTACHMENT:
            filename, data = value if isinstance(value, tuple) else ("file.bin", bytes(value))
            att = self._attachment(channel.id, filename, data, {})
            att["ephemeral"] = True
            resolved.setdefault("attachments", {})[att["id"]] = att
            return att["id"]
        target_id = int(getattr(value, "id", value))
        if otype == OptionType.MENTIONABLE:
            otype = OptionType.ROLE if target_id in self._role_guild else OptionType.USER
        if otype == OptionType.USER:
            user = self.users.get(target_id)
            if user is None:
                raise ValueError(f"unknown user {target_id}")
            resolved.setdefault("users", {})[str(target_id)] = user.payload()
            if guild is not None and target_id in guild.members:
                member = guild.members[target_id]
                mdata = member.payload(include_user=False)
                mdata["permissions"] = str(self.member_permissions_in(guild, member, channel))
                resolved.setdefault("members", {})[str(target_id)] = mdata
            return str(target_id)
        if otype == OptionType.ROLE:
            gid = self._role_guild.get(target_id)
            if gid is None:
                raise ValueError(f"unknown role {target_id}")
            resolved.setdefault("roles", {})[str(target_id)] = self.guilds[gid].role(target_id).payload()
            return str(target_id)
        if otype == OptionType.CHANNEL:
            target = self.channels.get(target_id)
            if target is None:
                raise ValueError(f"unknown channel {target_id}")
            cdata = self.channel_payload(target)
            invoker = guild.members.get(invoker_id) if guild is not None and invoker_id is not None else None
            if guild is not None and invoker is not None and target.guild_id == guild.id:
                # the invoking member's permissions in that channel
                cdata["permissions"] = str(self.member_permissions_in(guild, invoker, target))
            else:
                cdata["permissions"] = str(Perm.DM_DEFAULT if target.is_dm else 0)
            resolved.setdefault("channels", {})[str(target_id)] = cdata
            return str(target_id)
        return value

    def _interaction_context(
        self, guild_id: int | None, user_id: int, channel_id: int | None
    ) -> tuple[FakeGuild | None, FakeChannel, dict[str, Any]]:
        """Common interaction fields for a guild or a DM."""
        user = self.users.get(user_id)
        if user is None:
            raise ValueError(f"unknown user {user_id}; create it with add_member()/add_user()")
        if guild_id is None:
            channel = self.channels[channel_id] if channel_id else self.channels[self.dm_channel_id(user_id)]
            fields: dict[str, Any] = {
                "user": user.payload(),
                "channel_id": str(channel.id),
                "channel": self.channel_payload(channel),
                "app_permissions": str(Perm.DM_DEFAULT),
                "context": 1,
                "authorizing_integration_owners": {"0": "0"},
            }
            return None, channel, fields
        guild = self.guilds[guild_id]
        member = guild.members.get(user_id)
        if member is None:
            raise ValueError(f"user {user_id} is not a member of guild {guild_id}")
        channel = self.channels[channel_id or guild.text_channel_id]
        member_data = member.payload()
        perms = self.member_permissions_in(guild, member, channel)
        member_data["permissions"] = str(perms)
        channel_data = self.channel_payload(channel)
        channel_data["permissions"] = str(perms)
        fields = {
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "guild_locale": guild.locale,
            "member": member_data,
            "channel_id": str(channel.id),
            "channel": channel_data,
            "app_permissions": str(self.bot_permissions_in(channel)),
            "context": 0,
            "authorizing_integration_owners": {"0": str(guild.id)},
        }
        return guild, channel, fields

    def _new_interaction_payload(
        self, itype: int, data: dict[str, Any], fields: dict[str, Any], locale: str
    ) -> dict[str, Any]:
        iid = self._ids.next()
        payload = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": f"aW50ZXJhY3Rpb246{iid}{secrets.token_urlsafe(48)}",
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        payload.update(fields)
        return payload

    async def _send_interaction(self, ix: FakeInteraction) -> FakeInteraction:
        session = await self._wait_owning_session(ix.guild_id, timeout=self.session_wait_timeout)
        self.interactions.append(ix)
        self._interactions_by_token[ix.token] = ix
        ix.sent_at = time.perf_counter()
        session.dispatch("INTERACTION_CREATE", ix.payload)
        return ix

    def _command_data(
        self,
        guild: FakeGuild | None,
        channel: FakeChannel,
        command: str,
        options: dict[str, Any],
        *,
        focused: str | None = None,
        invoker_id: int | None = None,
    ) -> tuple[dict[str, Any], str]:
        parts = command.strip().lstrip("/").split()
        if not parts:
            raise ValueError("empty command")
        root = parts[0]
        cmd = self._find_command(guild.id if guild else None, root)
        registered = [*self.commands, *(self.guild_commands.get(guild.id, []) if guild else [])]
        if cmd is None and registered:
            # Discord only delivers commands that exist; before any sync, types are inferred instead.
            known = sorted({c["name"] for c in registered if int(c.get("type", 1)) == 1})
            raise ValueError(f"/{root} is not registered (registered: {known})")
        chain, definitions = walk_command(cmd, parts[1:])
        resolved: dict[str, dict[str, Any]] = {}
        leaf: list[dict[str, Any]] = []
        for name, value in options.items():
            definition = None
            if definitions is not None:
                definition = next((o for o in definitions if o.get("name") == name), None)
                if definition is None:
                    known = [o.get("name") for o in definitions]
                    raise ValueError(f"/{' '.join(parts)} has no option {name!r} (known: {known})")
            otype = int(definition["type"]) if definition is not None else infer_option_type(value)
            if name == focused:
                leaf.append(
                    {"name": name, "type": otype, "value": "" if value is None else str(value), "focused": True}
                )
            else:
                leaf.append(
                    {
                        "name": name,
                        "type": otype,
                        "value": self._resolve_option(otype, value, guild, channel, resolved, invoker_id),
                    }
                )
        if focused is not None and focused not in options:
            definition = None
            if definitions is not None:
                definition = next((o for o in definitions if o.get("name") == focused), None)
            otype = int(definition["type"]) if definition else OptionType.STRING
            leaf.append({"name": focused, "type": otype, "value": "", "focused": True})
        data: dict[str, Any] = {
            "id": cmd["id"] if cmd else str(self._command_id(None, 1, root)),
            "name": root,
            "type": 1,
            "options": nest_options(chain, leaf),
        }
        if resolved:
            data["resolved"] = resolved
        if cmd is not None and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return data, " ".join(parts)

    def _command_id(self, guild_id: int | None, ctype: int, name: str) -> int:
        key = (guild_id, ctype, name)
        cid = self._command_ids.get(key)
        if cid is None:
            cid = self._ids.next()
            self._command_ids[key] = cid
        return cid

    async def slash(
        self,
        guild_id: int | None,
        user_id: int,
        command: str,
        /,
        *,
        channel_id: int | None = None,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        **kwargs: Any,
    ) -> FakeInteraction:
        """Invoke a slash command ("cmd", "group sub" or "group subgroup sub") with options by name.

        Option types come from the commands the bot registered (PUT .../commands); unregistered commands
        get types inferred from the Python values. ``guild_id=None`` invokes it in the user's DM.
        """
        opts = {**(options or {}), **kwargs}
        guild, channel, fields = self._interaction_context(guild_id, user_id, channel_id)
        data, label = self._command_data(guild, channel, command, opts, invoker_id=user_id)
        payload = self._new_interaction_payload(InteractionType.APPLICATION_COMMAND, data, fields, locale)
        ix = FakeInteraction(self, payload, guild_id=guild_id, channel_id=channel.id, user_id=user_id, label=label)
        return await self._send_interaction(ix)

    async def autocomplete(
        self,
        guild_id: int | None,
        user_id: int,
        command: str,
        /,
        *,
        focused: str,
        value: Any = "",
        channel_id: int | None = None,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        **kwargs: Any,
    ) -> FakeInteraction:
        """Autocomplete request for option ``focused`` currently typed as ``value``."""
        opts = {**(options or {}), **kwargs, focused: value}
        guild, channel, fields = self._interaction_context(guild_id, user_id, channel_id)
        data, label = self._command_data(guild, channel, command, opts, focused=focused, invoker_id=user_id)
        payload = self._new_interaction_payload(InteractionType.AUTOCOMPLETE, data, fields, locale)
        ix = FakeInteraction(self, payload, guild_id=guild_id, channel_id=channel.id, user_id=user_id, label=label)
        return await self._send_interaction(ix)

    def _find_component(self, message: dict[str, Any], custom_id: str | None) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        stack = list(reversed(message.get("components") or []))
        while stack:
            comp = stack.pop()
            if not isinstance(comp, dict):
                continue
            if comp.get("custom_id") is not None and comp.get("type") != 4:
                found.append(comp)
            children = comp.get("components")
            if isinstance(children, list):
                stack.extend(reversed(children))
            for key in ("accessory", "component"):
                child = comp.get(key)
                if isinstance(child, dict):
                    stack.append(child)
        if custom_id is None:
            if len(found) != 1:
                ids = [c["custom_id"] for c in found]
                raise ValueError(f"message {message.get('id')} has components {ids}; pass custom_id=")
            return found[0]
        for comp in found:
            if comp["custom_id"] == custom_id:
                return comp
        return {"type": 2, "custom_id": custom_id}

    def _minimal_message(self, channel: FakeChannel, custom_id: str, ephemeral: bool) -> dict[str, Any]:
        return self.build_message(
            channel,
            {
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "custom_id": custom_id, "label": custom_id}]}
                ]
            },
            [],
            flags=EPHEMERAL_FLAG if ephemeral else 0,
        )

    async def click(
        self,
        message_or_custom_id: dict[str, Any] | str,
        user_id: int,
        guild_id: int | None = None,
        *,
        message: dict[str, Any] | None = None,
        custom_id: str | None = None,
        values: list[str] | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Press a button (or pick ``values`` in a select menu) on a message.

        ``message_or_custom_id`` is a recorded message dict or a custom_id. With only a custom_id the latest
        recorded message carrying it is used (else a minimal ephemeral-style message). The guild is taken from
        the message's channel when ``guild_id`` is None; DM channels give a DM interaction.
        """
        if isinstance(message_or_custom_id, dict):
            message = message_or_custom_id
        else:
            custom_id = message_or_custom_id
            if message is None:
                message = self.message_with_custom_id(custom_id)
        if message is not None:
            stored = self.messages.get(int(message["id"]))
            if stored is not None:
                message = stored
            msg_channel = self.channels.get(int(message["channel_id"]))
            if guild_id is None and msg_channel is not None:
                guild_id = msg_channel.guild_id
            if channel_id is None and msg_channel is not None:
                channel_id = msg_channel.id
        if guild_id is not None and channel_id is None:
            channel_id = self.guilds[guild_id].text_channel_id
        if guild_id is None and channel_id is None:
            channel_id = self.dm_channel_id(user_id)
        guild, channel, fields = self._interaction_context(guild_id, user_id, channel_id)
        if message is None:
            assert custom_id is not None
            message = self._minimal_message(channel, custom_id, ephemeral=True)
            self.messages[int(message["id"])] = message
        component = self._find_component(message, custom_id)
        component_type = int(component.get("type", 2))
        data: dict[str, Any] = {"custom_id": component["custom_id"], "component_type": component_type}
        if "id" in component:
            data["id"] = component["id"]
        if values is not None or component_type in (3, 5, 6, 7, 8):
            data["values"] = [str(getattr(v, "id", v)) for v in values or []]
            resolved: dict[str, dict[str, Any]] = {}
            kind = {5: OptionType.USER, 6: OptionType.ROLE, 7: OptionType.MENTIONABLE, 8: OptionType.CHANNEL}.get(
                component_type
            )
            if kind is not None:
                for v in values or []:
                    self._resolve_option(kind, v, guild, channel, resolved, user_id)
                data["resolved"] = resolved
        payload = self._new_interaction_payload(InteractionType.MESSAGE_COMPONENT, data, fields, locale)
        payload["message"] = message
        ix = FakeInteraction(
            self,
            payload,
            guild_id=guild_id,
            channel_id=channel.id,
            user_id=user_id,
            label=f"click:{data['custom_id']}",
            message=message,
        )
        return await self._send_interaction(ix)

    async def select(
        self,
        message_or_custom_id: dict[str, Any] | str,
        user_id: int,
        values: list[Any],
        guild_id: int | None = None,
        **kwargs: Any,
    ) -> FakeInteraction:
        return await self.click(message_or_custom_id, user_id, guild_id, values=values, **kwargs)

    async def dm_click(
        self,
        custom_id: str,
        user_id: int,
        *,
        message: dict[str, Any] | None = None,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Press a button on a message in the bot's DM with that user (whose Discord client speaks ``locale``)."""
        channel_id = self.dm_channel_id(user_id)
        if message is None:
            candidate = self.message_with_custom_id(custom_id)
            if candidate is not None and int(candidate["channel_id"]) == channel_id:
                message = candidate
        if message is None:
            message = self._minimal_message(self.channels[channel_id], custom_id, ephemeral=False)
            self.messages[int(message["id"])] = message
        return await self.click(custom_id, user_id, None, message=message, values=values, channel_id=channel_id,
                                locale=locale)

    async def submit_modal(
        self,
        modal_from: FakeInteraction | str,
        user_id: int,
        values: dict[str, Any],
        guild_id: int | None = None,
        *,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Submit a modal the bot opened (callback type 9), with text-input values by custom_id."""
        if isinstance(modal_from, FakeInteraction):
            if modal_from.callback is None or modal_from.callback["type"] != 9:
                raise ValueError(f"{modal_from!r} did not answer with a modal")
            modal = modal_from.callback["data"]
            guild_id = modal_from.guild_id if guild_id is None else guild_id
            channel_id = channel_id or modal_from.channel_id
            source_message = modal_from.message
        else:
            modal = {"custom_id": modal_from, "components": []}
            source_message = None
        _, channel, fields = self._interaction_context(guild_id, user_id, channel_id)

        def fill(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
            out = []
            for comp in components:
                ctype = comp.get("type")
                if ctype == 1:
                    out.append({"type": 1, "components": fill(comp.get("components") or [])})
                elif ctype == 18:
                    out.append({"type": 18, "component": fill([comp["component"]])[0]})
                elif ctype == 4:
                    value = values.get(comp["custom_id"], comp.get("value") or "")
                    out.append({"type": 4, "custom_id": comp["custom_id"], "value": str(value)})
                elif comp.get("custom_id") is not None:
                    picked = values.get(comp["custom_id"], [])
                    out.append({"type": ctype, "custom_id": comp["custom_id"], "values": [str(v) for v in picked]})
            return out

        components = fill(modal.get("components") or [])
        if not components:
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": str(v)}]} for k, v in values.items()
            ]
        data = {"custom_id": modal["custom_id"], "components": components}
        payload = self._new_interaction_payload(InteractionType.MODAL_SUBMIT, data, fields, locale)
        if source_message is not None:
            payload["message"] = source_message
        ix = FakeInteraction(
            self,
            payload,
            guild_id=guild_id,
            channel_id=channel.id,
            user_id=user_id,
            label=f"modal:{modal['custom_id']}",
            message=source_message,
        )
        return await self._send_interaction(ix)

    def interaction_by_token(self, token: str) -> FakeInteraction | None:
        return self._interactions_by_token.get(token)

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


def _guess_content_type(filename: str) -> str:
    lower = filename.lower()
    for ext, ctype in (
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
        (".gif", "image/gif"),
        (".txt", "text/plain; charset=utf-8"),
        (".csv", "text/csv; charset=utf-8"),
        (".json", "application/json"),
    ):
        if lower.endswith(ext):
            return ctype
    return "application/octet-stream"


__all__ = ["FakeDiscord", "dumps"]
