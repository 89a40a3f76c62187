"""Gateway websocket: sessions, sequence numbers, zlib-stream transport compression."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import zlib
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("bot.playground.fake.gateway")

Compressor = Callable[[bytes], bytes]


def _zlib_stream() -> Compressor:
    """One deflate stream per connection, every message flushed with Z_SYNC_FLUSH (ends in 00 00 ff ff)."""
    obj = zlib.compressobj()

    def compress(data: bytes) -> bytes:
        return obj.compress(data) + obj.flush(zlib.Z_SYNC_FLUSH)

    return compress


def _zstd_stream() -> Compressor | None:
    """One zstd stream per connection, every message block-flushed (needs zstandard or compression.zstd)."""
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        obj = zstandard.ZstdCompressor().compressobj()
        flush_block = zstandard.COMPRESSOBJ_FLUSH_BLOCK

        def compress(data: bytes) -> bytes:
            return obj.compress(data) + obj.flush(flush_block)

        return compress
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        return None
    comp = zstd.ZstdCompressor()

    def compress_stdlib(data: bytes) -> bytes:
        return comp.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)

    return compress_stdlib


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class Intent:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12


# Events that Discord only sends when the session asked for the intent.
_EVENT_INTENTS = {
    "GUILD_MEMBER_ADD": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": Intent.GUILD_MEMBERS,
    "GUILD_ROLE_CREATE": Intent.GUILDS,
    "GUILD_ROLE_UPDATE": Intent.GUILDS,
    "GUILD_ROLE_DELETE": Intent.GUILDS,
    "CHANNEL_CREATE": Intent.GUILDS,
    "CHANNEL_UPDATE": Intent.GUILDS,
    "CHANNEL_DELETE": Intent.GUILDS,
}

HISTORY_SIZE = 4096


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class Session:
    """A gateway session (survives reconnects when the client RESUMEs)."""

    def __init__(
        self,
        session_id: str,
        shard_id: int,
        shard_count: int,
        intents: int,
        large_threshold: int,
    ) -> None:
        self.session_id = session_id
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.intents = intents
        self.large_threshold = large_threshold
        self.seq = 0
        self.history: deque[tuple[int, str]] = deque(maxlen=HISTORY_SIZE)
        self.conn: GatewayConnection | None = None
        self.invalid = False

    def owns(self, guild_id: int) -> bool:
        return (guild_id >> 22) % self.shard_count == self.shard_id

    def wants(self, event: str) -> bool:
        needed = _EVENT_INTENTS.get(event)
        return needed is None or bool(self.intents & needed)

    def dispatch(self, event: str, data: Any) -> int:
        """Send (or, while disconnected, buffer for RESUME) one DISPATCH; returns its sequence number."""
        self.seq += 1
        text = dumps({"op": Op.DISPATCH, "t": event, "s": self.seq, "d": data})
        self.history.append((self.seq, text))
        if self.conn is not None:
            self.conn.send_text(text)
        return self.seq

    def __repr__(self) -> str:
        return f"<Session {self.session_id} shard=[{self.shard_id}, {self.shard_count}] seq={self.seq}>"


class GatewayConnection:
    """One websocket. Outgoing frames are serialised and compressed in order and written by one task."""

    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.fake = fake
        self.ws = ws
        self.session: Session | None = None
        self.closed = False
        self.transport: asyncio.BaseTransport | None = None
        self._queue: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self._compress: Compressor | None = None
        if compress == "zlib-stream":
            self._compress = _zlib_stream()
        elif compress == "zstd-stream":
            self._compress = _zstd_stream()
            if self._compress is None:
                raise ValueError("zstd-stream needs the zstandard module")
        elif compress:
            raise ValueError(f"unsupported compression {compress!r}")
        self._writer = asyncio.get_running_loop().create_task(self._write_loop(), name="fakediscord-gateway-writer")

    def send_text(self, text: str) -> None:
        if self.closed:
            return
        if self._compress is not None:
            self._queue.put_nowait(self._compress(text.encode()))
        else:
            self._queue.put_nowait(text)

    def send_op(self, op: int, data: Any) -> None:
        self.send_text(dumps({"op": op, "d": data, "s": None, "t": None}))

    async def _write_loop(self) -> None:
        queue = self._queue
        ws = self.ws
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                if isinstance(item, bytes):
                    await ws.send_bytes(item)
                else:
                    await ws.send_str(item)
        except (ConnectionResetError, RuntimeError) as exc:
            log.debug("gateway writer stopped: %s", exc)

    async def close(self, code: int = 1000, message: str = "") -> None:
        """Close from the server side (frames already queued are flushed first)."""
        if self.closed:
            return
        self.closed = True
        self._queue.put_nowait(None)
        await asyncio.wait({self._writer}, timeout=1.0)
        with contextlib.suppress(ConnectionResetError, RuntimeError):
            await self.ws.close(code=code, message=message.encode())

    async def finish(self) -> None:
        """Tear down after the socket ended, whoever closed it."""
        self.closed = True
        if self._writer.done():
            return
        self._queue.put_nowait(None)
        await asyncio.wait({self._writer}, timeout=1.0)
        if not self._writer.done():
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    async def serve(self) -> None:
        fake = self.fake
        self.send_op(Op.HELLO, {"heartbeat_interval": fake.heartbeat_interval, "_trace": ["fake-gateway"]})
        async for msg in self.ws:
            if msg.type == WSMsgType.TEXT:
                try:
                    payload = json.loads(msg.data)
                    op = payload["op"]
                except (ValueError, KeyError, TypeError):
                    await self.close(4002, "Error while decoding payload.")
                    return
                await self._handle(op, payload.get("d"))
                if self.closed:
                    return
            elif msg.type == WSMsgType.BINARY:
                await self.close(4002, "Error while decoding payload.")
                return
            elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return

    async def _handle(self, op: int, data: Any) -> None:
        fake = self.fake
        if op == Op.HEARTBEAT:
            self.send_op(Op.HEARTBEAT_ACK, None)
            fake.heartbeat_count += 1
            return
        if op == Op.IDENTIFY:
            if self.session is not None:
                await self.close(4005, "Already authenticated.")
                return
            await fake._on_identify(self, data or {})
            return
        if op == Op.RESUME:
            if self.session is not None:
                await self.close(4005, "Already authenticated.")
                return
            await fake._on_resume(self, data or {})
            return
        if self.session is None:
            await self.close(4003, "Not authenticated.")
            return
        if op == Op.REQUEST_GUILD_MEMBERS:
            fake._on_request_members(self.session, data or {})
            return
        if op in (Op.PRESENCE_UPDATE, Op.VOICE_STATE_UPDATE):
            fake.presence_updates.append(data)
            return
        await self.close(4001, "Unknown opcode.")
