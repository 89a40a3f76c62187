"""REST API of the fake: routing, auth, rate limits and error injection. The route handlers live in the
``rest_*`` modules and register themselves with ``@route`` (see ``routing``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import time
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from . import rest_app, rest_channels, rest_guilds, rest_interactions  # noqa: F401 (they register the routes)
from .gateway import dumps
from .models import Call, ChannelType
from .routing import _ROUTES, Handler, Req, _compile
from .validation import ApiError

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("bot.playground.fake.rest")

_VERSION_PREFIX = re.compile(r"^v\d+(?=/)")


async def read_body(request: web.Request) -> tuple[Any, list[tuple[str, str, bytes]]]:
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        payload: Any = None
        files: list[tuple[str, str, bytes]] = []
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):  # nested multipart: not used by Discord clients
                continue
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            elif part.filename is not None:
                files.append((part.name or "", part.filename, bytes(await part.read())))
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    if ctype == "application/json":
        try:
            return json.loads(raw), []
        except ValueError:
            raise ApiError(400, 50109, "The request body contains invalid JSON.") from None
    return None, []


def make_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    out = {"Via": "1.1 google"}
    if headers:
        out.update(headers)
    if body is None or status == 204:
        return web.Response(status=status, headers=out)
    if isinstance(body, bytes):
        return web.Response(status=status, body=body, headers=out)
    out["Content-Type"] = "application/json"  # exactly this: discord.py only parses JSON for this value
    return web.Response(status=status, body=dumps(body).encode(), headers=out)


def _rate_limit_headers(retry_after: float, *, scope: str, limit: int = 1) -> dict[str, str]:
    return {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": "fakebucket0000000000000000000000",
        "X-RateLimit-Scope": scope,
    }


class Router:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self._routes: dict[str, list[tuple[re.Pattern[str], Handler, bool, bool]]] = {}
        for method, template, handler, auth, global_limit in _ROUTES:
            self._routes.setdefault(method, []).append((_compile(template), handler, auth, global_limit))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str], bool, bool] | None:
        for pattern, handler, auth, global_limit in self._routes.get(method, ()):
            m = pattern.match(path)
            if m is not None:
                return handler, m.groupdict(), auth, global_limit
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        fake = self.fake
        at = time.perf_counter()
        tail = request.match_info["tail"]
        path = "/" + _VERSION_PREFIX.sub("", tail, count=1).lstrip("/")
        method = request.method
        query = dict(request.query)
        headers: dict[str, str] | None = None
        body_json: Any = None
        files: list[tuple[str, str, bytes]] = []
        try:
            body_json, files = await read_body(request)
            if fake.spec_check:
                fake._check_spec(method, path, request.content_type, body_json, request.body_exists)
            status, data, headers = await self._process(request, method, path, query, body_json, files)
        except ApiError as exc:
            status, data, headers = exc.status, exc.body(), exc.headers
        except DroppedConnection:
            fake._record(Call(method=method, path=path, query=query, json=body_json, files=[], status=0, at=at,
                              response=None))
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=204)  # never reaches the client: the connection is gone
        except Exception as exc:
            # A bug in the fake: fail the request fast (a 5xx would make discord.py retry for ~25 s).
            log.exception("fake discord: handler for %s %s crashed", method, path)
            status, data, headers = 400, {"message": f"fake discord bug: {exc!r}", "code": 0}, None
        if status == 429:
            fake.rate_limited_count += 1
        fake._record(
            Call(
                method=method,
                path=path,
                query=query,
                json=body_json,
                files=[(filename, blob) for _, filename, blob in files],
                status=status,
                at=at,
                response=data,
            )
        )
        if fake.rest_latency:
            await asyncio.sleep(fake.rest_latency)
        return make_response(status, data, headers)

    async def _process(
        self,
        request: web.Request,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        files: list[tuple[str, str, bytes]],
    ) -> tuple[int, Any, dict[str, str] | None]:
        fake = self.fake
        found = self.match(method, path)
        if found is None:
            log.warning("fake discord: unknown route %s %s", method, path)
            return 404, {"message": "Unknown route", "code": 0}, None
        handler, params, auth, global_limit = found
        if auth:
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bot ") or not fake._check_token(header[4:]):
                return 401, {"message": "401: Unauthorized", "code": 0}, None
        if global_limit and fake._global_limiter is not None:
            retry_after = fake._global_limiter.hit(time.monotonic())
            if retry_after is not None:
                retry_after = math.ceil(retry_after * 1000) / 1000 + 0.001
                hdrs = _rate_limit_headers(retry_after, scope="global")
                hdrs["X-RateLimit-Global"] = "true"
                return (
                    429,
                    {"message": "You are being rate limited.", "retry_after": retry_after, "global": True, "code": 0},
                    hdrs,
                )
        drop_after = False
        for rule in fake._failures:
            if rule.exhausted or not rule.matches(method, path):
                continue
            rule.hits += 1
            if rule.delay:
                with contextlib.suppress(TimeoutError):  # cut short when the fake stops
                    await asyncio.wait_for(fake._stopping.wait(), rule.delay)
            if rule.drop == "before":
                raise DroppedConnection
            if rule.drop == "after" or rule.delay:
                drop_after = rule.drop == "after"
                break
            hdrs = dict(rule.headers or {})
            if rule.status == 429:
                retry = float(rule.json.get("retry_after", 0.05)) if isinstance(rule.json, dict) else 0.05
                scope = "global" if isinstance(rule.json, dict) and rule.json.get("global") else "user"
                hdrs = {**_rate_limit_headers(retry, scope=scope), **hdrs}
                if scope == "global":
                    hdrs.setdefault("X-RateLimit-Global", "true")
            return rule.status, rule.json, hdrs
        req = Req(method=method, path=path, query=query, json=body, files=files, headers=request.headers)
        result = await handler(fake, req, **params)
        if drop_after:
            raise DroppedConnection
        if len(result) == 2:
            return result[0], result[1], None
        return result  # type: ignore[return-value]


class DroppedConnection(Exception):
    """Raised to close the client's connection without any HTTP answer."""


__all__ = ["ChannelType", "Router", "make_response", "read_body"]
