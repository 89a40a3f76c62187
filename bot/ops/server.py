"""``/healthz`` and ``/metrics`` over HTTP for one bot, started in its ``setup_hook`` and stopped in its ``close``.

``/healthz`` is 200 only while the gateway is connected and the database answers a ``SELECT 1`` within
``HEALTH_DB_TIMEOUT``; otherwise 503, with one line per reason. ``/metrics`` is Prometheus' text format.

A database call that runs late is never cancelled half-way (a cancelled query can leave its connection in a bad
state): it goes on in its task, the request answers without it, and the next request waits on that same task
instead of starting another, so a database that does not answer collects one waiting check, not one per request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from bot.core.clock import Clock
from bot.db.due_waiting import due_waiting
from bot.db.engine import SessionFactory
from bot.ops.metrics import BotMetrics
from bot.tasks import finish_tasks

log = logging.getLogger(__name__)


def gateway_state(bot: discord.Client) -> list[tuple[int, float, bool]]:
    """Each shard's id, heartbeat latency (seconds; inf before the first acknowledgement) and whether it is open."""
    if isinstance(bot, discord.AutoShardedClient):
        return [(sid, info.latency, not info.is_closed()) for sid, info in sorted(bot.shards.items())]
    ws = bot.ws
    return [(bot.shard_id or 0, bot.latency, ws is not None and ws.open)]


def gateway_problems(bot: discord.Client) -> list[str]:
    if bot.is_closed():
        return ["gateway: the bot is closed"]
    if not bot.is_ready():
        return ["gateway: not ready yet (no READY from Discord)"]
    down = [str(shard) for shard, _, up in gateway_state(bot) if not up]
    if down:
        return [f"gateway: disconnected (shard {', '.join(down)})"]
    return []


class HealthServer:
    def __init__(
        self, bot: discord.Client, metrics: BotMetrics, sessions: SessionFactory, clock: Clock, *,
        host: str, port: int, db_timeout: float,
    ) -> None:
        self.bot = bot
        self.metrics = metrics
        self.sessions = sessions
        self.clock = clock
        self.host = host
        self.port = port
        self.db_timeout = db_timeout
        self._runner: web.AppRunner | None = None
        self._calls: dict[str, asyncio.Task[Any]] = {}
        metrics.gateway = lambda: gateway_state(bot)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.scrape)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        calls = list(self._calls.values())
        self._calls.clear()
        await finish_tasks(calls, grace=0, what="database check(s) of /healthz or /metrics")
        for call in calls:
            if call.done() and not call.cancelled():
                call.exception()  # retrieved: the check is over and nobody reads it

    async def _in_time(self, name: str, start: Callable[[], Awaitable[Any]]) -> tuple[bool, Any]:
        """``(True, result)`` when the call ended within the time limit (or had ended since the last request),
        ``(False, None)`` when it is still running; its error is raised."""
        call = self._calls.get(name)
        if call is None:
            call = self._calls[name] = asyncio.ensure_future(start())
        await asyncio.wait({call}, timeout=self.db_timeout)
        if not call.done():
            return False, None
        del self._calls[name]
        return True, call.result()

    async def _select_one(self) -> None:
        async with self.sessions() as session:
            await session.execute(text("SELECT 1"))

    async def database_problem(self) -> str | None:
        try:
            answered, _ = await self._in_time("select", self._select_one)
        except Exception as error:
            reason = str(error).splitlines()[0][:200] if str(error) else ""
            return f"database: {type(error).__name__}" + (f": {reason}" if reason else "")
        if not answered:
            return f"database: no answer within {self.db_timeout:g} s"
        return None

    async def healthz(self, _request: web.Request) -> web.Response:
        problems = gateway_problems(self.bot)
        database = await self.database_problem()
        if database is not None:
            problems.append(database)
        if problems:
            return web.Response(status=503, text="\n".join(problems) + "\n")
        return web.Response(text="ok\n")

    async def scrape(self, _request: web.Request) -> web.Response:
        try:
            answered, waiting = await self._in_time("due", lambda: due_waiting(self.sessions, self.clock.now()))
        except Exception as error:
            log.warning("/metrics: counting the due items failed: %s", type(error).__name__)
            answered, waiting = False, None
        self.metrics.due_waiting = waiting if answered else None
        body = self.metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
