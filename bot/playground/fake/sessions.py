"""Gateway sessions of the fake: identify, resume, member requests, dispatching events, dropping connections."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from .gateway import GatewayConnection, Op, Session
from .models import FakeMember


class SessionsMixin:
    """Part of ``FakeDiscord``: the gateway side."""

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
