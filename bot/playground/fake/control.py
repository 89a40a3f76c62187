"""HTTP control API (``/_fake/...``) to drive a fake running in another process.

All bodies are JSON. Ids are accepted as numbers or strings and returned as strings.

  GET    /_fake/info                              api_base, gateway_url, ids, guilds, identified shards
  GET    /_fake/stats                             counters
  GET    /_fake/spec_violations                   requests that broke Discord's API spec (spec.py), oldest first
  POST   /_fake/guilds            {name, owner_id?, shard_id?, members?}
  POST   /_fake/channels          {guild_id, name, bot_permissions_deny?}
  POST   /_fake/roles             {guild_id, name, permissions?}
  POST   /_fake/members           {guild_id, username, permissions?, roles?}
  DELETE /_fake/members/{guild_id}/{user_id}
  POST   /_fake/interactions      {kind: slash|autocomplete|click|dm_click, guild_id, user_id, command?, options?,
                                   focused?, value?, custom_id?, message_id?, values?, wait: none|response|final,
                                   timeout?}
  POST   /_fake/interactions/batch {"items": [<interaction>...], wait, timeout}  fired concurrently
  GET    /_fake/calls?since=N
  POST   /_fake/wait_for          {method, path, count?, timeout?, since?}
  GET    /_fake/channels/{channel_id}/messages
  GET    /_fake/dms/{user_id}
  GET    /_fake/commands
  POST   /_fake/fail              {method, path, status?, json?, times?, headers?}
  POST   /_fake/clear_failures
  POST   /_fake/rate_limit        {per_second: int|null}
  POST   /_fake/dms_closed        {user_id, closed?}
  POST   /_fake/drop_gateway      {resume?}
  POST   /_fake/reset_calls
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .gateway import dumps

if TYPE_CHECKING:
    from .interactions import FakeInteraction
    from .models import Call, FakeGuild
    from .server import FakeDiscord


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=dumps(data).encode(), headers={"Content-Type": "application/json"})


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _jsonable_call(call: Call, index: int) -> dict[str, Any]:
    return {
        "index": index,
        "method": call.method,
        "path": call.path,
        "query": call.query,
        "json": call.json,
        "files": [{"filename": name, "size": len(blob)} for name, blob in call.files],
        "status": call.status,
        "at": call.at,
    }


def _guild_info(guild: FakeGuild) -> dict[str, Any]:
    return {
        "id": str(guild.id),
        "name": guild.name,
        "owner_id": str(guild.owner_id),
        "text_channel_id": str(guild.text_channel_id),
        "roles": [r.payload() for r in guild.roles],
        "member_count": len(guild.members),
    }


class ControlApi:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def install(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/_fake/info", self.info)
        r.add_get("/_fake/stats", self.stats)
        r.add_get("/_fake/spec_violations", self.spec_violations)
        r.add_post("/_fake/guilds", self.add_guild)
        r.add_post("/_fake/channels", self.add_channel)
        r.add_post("/_fake/roles", self.add_role)
        r.add_post("/_fake/members", self.add_member)
        r.add_delete("/_fake/members/{guild_id}/{user_id}", self.remove_member)
        r.add_post("/_fake/interactions", self.interaction)
        r.add_post("/_fake/interactions/batch", self.interaction_batch)
        r.add_get("/_fake/calls", self.calls)
        r.add_post("/_fake/wait_for", self.wait_for)
        r.add_get("/_fake/channels/{channel_id}/messages", self.channel_messages)
        r.add_get("/_fake/dms/{user_id}", self.dm_messages)
        r.add_get("/_fake/commands", self.commands)
        r.add_post("/_fake/fail", self.fail)
        r.add_post("/_fake/clear_failures", self.clear_failures)
        r.add_post("/_fake/rate_limit", self.rate_limit)
        r.add_post("/_fake/dms_closed", self.dms_closed)
        r.add_post("/_fake/drop_gateway", self.drop_gateway)
        r.add_post("/_fake/reset_calls", self.reset_calls)

    async def _body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        return json.loads(raw) if raw else {}

    async def info(self, request: web.Request) -> web.Response:
        fake = self.fake
        return _json(
            {
                "api_base": fake.api_base,
                "gateway_url": fake.gateway_url,
                "control_url": fake.control_url,
                "application_id": str(fake.application_id),
                "bot_user_id": str(fake.bot_user_id),
                "shard_count": fake.shard_count,
                "guilds": [_guild_info(g) for g in fake.guilds.values()],
                "identified_shards": fake.identified_shards,
                "identify_count": fake.identify_count,
            }
        )

    async def stats(self, request: web.Request) -> web.Response:
        return _json(self.fake.stats())

    async def spec_violations(self, request: web.Request) -> web.Response:
        return _json([{**dataclasses.asdict(v), "text": str(v)} for v in self.fake.spec_violations])

    async def add_guild(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        guild = self.fake.add_guild(
            body.get("name", "Club"),
            _int(body.get("owner_id")),
            shard_id=_int(body.get("shard_id")),
            members=int(body.get("members", 0)),
        )
        return _json(_guild_info(guild))

    async def add_channel(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        cid = self.fake.add_channel(
            int(body["guild_id"]), body["name"], bot_permissions_deny=int(body.get("bot_permissions_deny", 0))
        )
        return _json({"id": str(cid)})

    async def add_role(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        role = self.fake.add_role(int(body["guild_id"]), body["name"], permissions=int(body.get("permissions", 0)))
        return _json(role.payload())

    async def add_member(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        member = self.fake.add_member(
            int(body["guild_id"]),
            body.get("username", "runner"),
            permissions=_int(body.get("permissions")),
            roles=[int(r) for r in body.get("roles", [])],
        )
        return _json({"id": str(member.id), "username": member.username})

    async def remove_member(self, request: web.Request) -> web.Response:
        self.fake.remove_member(int(request.match_info["guild_id"]), int(request.match_info["user_id"]))
        return _json({})

    async def _fire(self, spec: dict[str, Any]) -> FakeInteraction:
        fake = self.fake
        kind = spec.get("kind", "slash")
        guild_id = _int(spec.get("guild_id"))
        user_id = int(spec["user_id"])
        options = spec.get("options") or {}
        channel_id = _int(spec.get("channel_id"))
        if kind == "slash":
            return await fake.slash(guild_id, user_id, spec["command"], channel_id=channel_id, options=options)
        if kind == "autocomplete":
            return await fake.autocomplete(
                guild_id,
                user_id,
                spec["command"],
                focused=spec["focused"],
                value=spec.get("value", ""),
                channel_id=channel_id,
                options=options,
            )
        if kind in ("click", "select"):
            message = fake.messages.get(int(spec["message_id"])) if spec.get("message_id") else None
            target: Any = message if message is not None and not spec.get("custom_id") else spec.get("custom_id")
            return await fake.click(
                target,
                user_id,
                guild_id,
                message=message,
                values=spec.get("values"),
                channel_id=channel_id,
            )
        if kind == "dm_click":
            message = fake.messages.get(int(spec["message_id"])) if spec.get("message_id") else None
            return await fake.dm_click(spec["custom_id"], user_id, message=message, values=spec.get("values"))
        raise ValueError(f"unknown interaction kind {kind!r}")

    async def _report(self, ix: FakeInteraction, wait: str, timeout: float) -> dict[str, Any]:
        out: dict[str, Any] = {"id": str(ix.id), "token": ix.token, "label": ix.label}
        try:
            if wait in ("response", "final"):
                out["response"] = _strip_files(await ix.response(timeout))
            if wait == "final":
                out["final"] = _strip_files(await ix.final(timeout))
        except TimeoutError as exc:
            out["error"] = str(exc)
        out["sent_at"] = ix.sent_at
        out["callback_at"] = ix.callback_at
        out["final_at"] = ix.final_at
        out["latency"] = ix.latency
        out["final_latency"] = ix.final_latency
        return out

    async def interaction(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        try:
            ix = await self._fire(body)
        except (KeyError, ValueError, RuntimeError) as exc:
            return _json({"error": f"{type(exc).__name__}: {exc}"}, status=400)
        return _json(await self._report(ix, body.get("wait", "response"), float(body.get("timeout", 5))))

    async def interaction_batch(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        wait = body.get("wait", "response")
        timeout = float(body.get("timeout", 10))
        try:
            fired = [await self._fire(spec) for spec in body["items"]]
        except (KeyError, ValueError, RuntimeError) as exc:
            return _json({"error": f"{type(exc).__name__}: {exc}"}, status=400)
        reports = await asyncio.gather(*(self._report(ix, wait, timeout) for ix in fired))
        return _json({"results": reports})

    async def calls(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", 0))
        calls = self.fake.calls
        return _json([_jsonable_call(c, since + i) for i, c in enumerate(calls[since:])])

    async def wait_for(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        try:
            calls = await self.fake.wait_for(
                body.get("method"),
                body["path"],
                timeout=float(body.get("timeout", 5)),
                count=int(body.get("count", 1)),
                since=int(body.get("since", 0)),
            )
        except TimeoutError as exc:
            return _json({"error": str(exc)}, status=408)
        return _json([_jsonable_call(c, -1) for c in calls])

    async def channel_messages(self, request: web.Request) -> web.Response:
        return _json(self.fake.channel_messages(int(request.match_info["channel_id"])))

    async def dm_messages(self, request: web.Request) -> web.Response:
        return _json(self.fake.dm_messages(int(request.match_info["user_id"])))

    async def commands(self, request: web.Request) -> web.Response:
        fake = self.fake
        return _json({"global": fake.commands, "guild": {str(k): v for k, v in fake.guild_commands.items()}})

    async def fail(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        times = body.get("times", 1)
        self.fake.fail(
            body.get("method"),
            body["path"],
            status=int(body.get("status", 403)),
            json=body.get("json"),
            times=None if times is None else int(times),
            headers=body.get("headers"),
        )
        return _json({})

    async def clear_failures(self, request: web.Request) -> web.Response:
        self.fake.clear_failures()
        return _json({})

    async def rate_limit(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self.fake.set_global_rate_limit(_int(body.get("per_second")))
        return _json({})

    async def dms_closed(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self.fake.dms_closed(int(body["user_id"]), bool(body.get("closed", True)))
        return _json({})

    async def drop_gateway(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        await self.fake.drop_gateway(resume=bool(body.get("resume", True)))
        return _json({})

    async def reset_calls(self, request: web.Request) -> web.Response:
        self.fake.calls.clear()
        return _json({})


def _strip_files(data: dict[str, Any]) -> dict[str, Any]:
    if "files" not in data:
        return data
    return {**data, "files": [{"filename": name, "size": len(blob)} for name, blob in data["files"]]}
