"""The playground's page on 127.0.0.1: static files, the pictures the bot uploaded, and a websocket for live updates."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from aiohttp import WSMsgType, web

from bot.playground.session import Playground

log = logging.getLogger(__name__)
STATIC = ("index.html", "app.js", "style.css")
TYPES = {"html": "text/html", "js": "text/javascript", "css": "text/css"}


def _static(name: str) -> bytes:
    return resources.files("bot.playground").joinpath("static", name).read_bytes()


def make_app(playground: Playground) -> web.Application:
    app = web.Application()

    async def index(_request: web.Request) -> web.Response:
        return web.Response(body=_static("index.html"), content_type="text/html", charset="utf-8")

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        return web.Response(body=_static(name), content_type=TYPES[name.rsplit(".", 1)[1]], charset="utf-8")

    async def attachment(request: web.Request) -> web.Response:
        found = playground.fake.attachment_files.get(int(request.match_info["id"]))
        if found is None:
            raise web.HTTPNotFound()
        filename, data = found
        kind = "image/png" if filename.endswith(".png") else "application/octet-stream"
        return web.Response(body=data, content_type=kind)

    async def state(_request: web.Request) -> web.Response:
        return web.json_response(playground.state())

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        playground.listeners.add(outbox.put_nowait)
        sender = asyncio.create_task(_send_all(ws, outbox))
        tasks: set[asyncio.Task[None]] = set()
        try:
            await outbox.put(playground.state())
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                # Each action runs on its own: a slow one (a clock jump) does not hold up a button press.
                task = asyncio.create_task(_answer(playground, json.loads(msg.data), outbox))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        finally:
            playground.listeners.discard(outbox.put_nowait)
            for task in [*tasks, sender]:
                task.cancel()
            await asyncio.gather(*tasks, sender, return_exceptions=True)
        return ws

    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/attachments/{id:\\d+}", attachment)
    app.router.add_get("/state", state)
    app.router.add_get("/ws", socket)
    return app


async def _answer(playground: Playground, request: dict[str, Any], outbox: asyncio.Queue[dict[str, Any]]) -> None:
    answer = await playground.act(request)
    await outbox.put({**answer, "req": request.get("req")})


async def _send_all(ws: web.WebSocketResponse, outbox: asyncio.Queue[dict[str, Any]]) -> None:
    while True:
        event = await outbox.get()
        if ws.closed:
            return
        await ws.send_json(event)


@contextlib.asynccontextmanager
async def serving(playground: Playground, port: int) -> AsyncIterator[str]:
    """Serve the page on 127.0.0.1 only; yields its URL."""
    runner = web.AppRunner(make_app(playground), access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        await runner.cleanup()
