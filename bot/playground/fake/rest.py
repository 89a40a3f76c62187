"""REST API of the fake: routing, auth, rate limits, error injection and the route handlers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from .gateway import dumps
from .interactions import CallbackType, FakeInteraction, InteractionType
from .models import Call, ChannelType, FakeChannel, FakeGuild, FakeMember, FakeRole, Perm
from .validation import ApiError, validate_commands, validate_message

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("bot.playground.fake.rest")

LOADING_FLAG = 1 << 7
EPHEMERAL_FLAG = 1 << 6

Result = tuple[int, Any] | tuple[int, Any, dict[str, str]]
Handler = Callable[..., Awaitable[Result]]

_VERSION_PREFIX = re.compile(r"^v\d+(?=/)")


@dataclass(slots=True)
class Req:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, str, bytes]]  # (form field name, filename, data)
    headers: Any


_ROUTES: list[tuple[str, str, str, bool, bool]] = []


def route(method: str, template: str, *, auth: bool = True, global_limit: bool = True):
    """Register a handler. ``auth``: needs ``Authorization: Bot <token>``; ``global_limit``: counts towards the
    global rate limit (interaction callbacks and interaction webhooks do not)."""

    def deco(fn: Handler) -> Handler:
        _ROUTES.append((method, template, fn.__name__, auth, global_limit))
        return fn

    return deco


def _compile(template: str) -> re.Pattern[str]:
    out = ""
    for part in re.split(r"(\{[a-z_]+\})", template):
        if part.startswith("{"):
            name = part[1:-1]
            out += f"(?P<{name}>\\d+)" if name.endswith("_id") else f"(?P<{name}>[^/]+)"
        else:
            out += re.escape(part)
    return re.compile(f"^{out}$")


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
        for method, template, name, auth, global_limit in _ROUTES:
            handler = globals()[name]
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


# ----------------------------------------------------------------------------------------------------
# helpers


def _channel(fake: FakeDiscord, channel_id: str) -> FakeChannel:
    channel = fake.channels.get(int(channel_id))
    if channel is None:
        raise ApiError(404, 10003, "Unknown Channel")
    return channel


def _guild(fake: FakeDiscord, guild_id: str) -> FakeGuild:
    guild = fake.guilds.get(int(guild_id))
    if guild is None:
        raise ApiError(404, 10004, "Unknown Guild")
    return guild


def _member(guild: FakeGuild, user_id: str) -> FakeMember:
    member = guild.members.get(int(user_id))
    if member is None:
        raise ApiError(404, 10007, "Unknown Member")
    return member


def _role(guild: FakeGuild, role_id: str) -> FakeRole:
    try:
        return guild.role(int(role_id))
    except KeyError:
        raise ApiError(404, 10011, "Unknown Role") from None


def _channel_message(fake: FakeDiscord, channel: FakeChannel, message_id: str) -> dict[str, Any]:
    message = fake.messages.get(int(message_id))
    if message is None or int(message["channel_id"]) != channel.id:
        raise ApiError(404, 10008, "Unknown Message")
    return message


def _require(fake: FakeDiscord, channel: FakeChannel, *perms: int) -> None:
    if channel.guild_id is None:
        return
    have = fake.bot_permissions_in(channel)
    if not have & Perm.VIEW_CHANNEL:
        raise ApiError(403, 50001, "Missing Access")
    for perm in perms:
        if not have & perm:
            raise ApiError(403, 50013, "Missing Permissions")


def _require_guild(fake: FakeDiscord, guild: FakeGuild, perm: int) -> None:
    if not guild.base_permissions(guild.members[fake.bot_user.id]) & perm:
        raise ApiError(403, 50013, "Missing Permissions")


def _app(fake: FakeDiscord, application_id: str) -> None:
    if int(application_id) != fake.application_id:
        raise ApiError(403, 50001, "Missing Access")


def _body(req: Req) -> dict[str, Any]:
    return req.json if isinstance(req.json, dict) else {}


# ----------------------------------------------------------------------------------------------------
# users, application, gateway


@route("GET", "/users/@me")
async def get_me(fake: FakeDiscord, req: Req) -> Result:
    return 200, fake.bot_user.me_payload()


@route("POST", "/users/@me/channels")
async def create_dm(fake: FakeDiscord, req: Req) -> Result:
    recipient = _body(req).get("recipient_id")
    if recipient is None:
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {"recipient_id": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}},
        )
    user_id = int(recipient)
    if user_id not in fake.users:
        raise ApiError(404, 10013, "Unknown User")
    channel = fake.channels[fake.dm_channel_id(user_id)]
    return 200, fake.channel_payload(channel)


@route("GET", "/users/{user_id}")
async def get_user(fake: FakeDiscord, req: Req, user_id: str) -> Result:
    user = fake.users.get(int(user_id))
    if user is None:
        raise ApiError(404, 10013, "Unknown User")
    return 200, user.payload()


@route("GET", "/oauth2/applications/@me")
async def get_oauth_application(fake: FakeDiscord, req: Req) -> Result:
    return 200, fake.application_payload()


@route("GET", "/applications/@me")
async def get_application(fake: FakeDiscord, req: Req) -> Result:
    return 200, fake.application_payload()


@route("GET", "/gateway", auth=False)
async def get_gateway(fake: FakeDiscord, req: Req) -> Result:
    return 200, {"url": fake.gateway_url}


@route("GET", "/gateway/bot")
async def get_gateway_bot(fake: FakeDiscord, req: Req) -> Result:
    return 200, {
        "url": fake.gateway_url,
        "shards": fake.shard_count,
        "session_start_limit": {
            "total": 1000,
            "remaining": 1000 - fake.identify_count,
            "reset_after": 14400000,
            "max_concurrency": 1,
        },
    }


# ----------------------------------------------------------------------------------------------------
# application commands


def _store_command(fake: FakeDiscord, raw: dict[str, Any], guild_id: int | None) -> dict[str, Any]:
    ctype = int(raw.get("type", 1))
    cmd: dict[str, Any] = {
        "id": str(fake._command_id(guild_id, ctype, raw["name"])),
        "application_id": str(fake.application_id),
        "version": str(fake.next_id()),
        "type": ctype,
        "name": raw["name"],
        "name_localizations": raw.get("name_localizations"),
        "description": raw.get("description", ""),
        "description_localizations": raw.get("description_localizations"),
        "default_member_permissions": raw.get("default_member_permissions"),
        "dm_permission": raw.get("dm_permission", True),
        "nsfw": raw.get("nsfw", False),
        "contexts": raw.get("contexts"),
        "integration_types": raw.get("integration_types", [0]),
    }
    if raw.get("options"):
        cmd["options"] = raw["options"]
    if guild_id is not None:
        cmd["guild_id"] = str(guild_id)
    return cmd


def _command_list(fake: FakeDiscord, guild_id: int | None) -> list[dict[str, Any]]:
    if guild_id is None:
        return fake.commands
    return fake.guild_commands.setdefault(guild_id, [])


def _set_command_list(fake: FakeDiscord, guild_id: int | None, commands: list[dict[str, Any]]) -> None:
    if guild_id is None:
        fake.commands = commands
    else:
        fake.guild_commands[guild_id] = commands


@route("GET", "/applications/{application_id}/commands")
async def get_global_commands(fake: FakeDiscord, req: Req, application_id: str) -> Result:
    _app(fake, application_id)
    return 200, fake.commands


@route("PUT", "/applications/{application_id}/commands")
async def put_global_commands(fake: FakeDiscord, req: Req, application_id: str) -> Result:
    _app(fake, application_id)
    validate_commands(req.json)
    fake.commands = [_store_command(fake, c, None) for c in req.json]
    return 200, fake.commands


@route("POST", "/applications/{application_id}/commands")
async def upsert_global_command(fake: FakeDiscord, req: Req, application_id: str) -> Result:
    return _upsert(fake, req, application_id, None)


@route("GET", "/applications/{application_id}/commands/{command_id}")
async def get_global_command(fake: FakeDiscord, req: Req, application_id: str, command_id: str) -> Result:
    return 200, _get_command(fake, application_id, None, command_id)


@route("PATCH", "/applications/{application_id}/commands/{command_id}")
async def edit_global_command(fake: FakeDiscord, req: Req, application_id: str, command_id: str) -> Result:
    return _edit_command(fake, req, application_id, None, command_id)


@route("DELETE", "/applications/{application_id}/commands/{command_id}")
async def delete_global_command(fake: FakeDiscord, req: Req, application_id: str, command_id: str) -> Result:
    return _delete_command(fake, application_id, None, command_id)


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
async def get_guild_commands(fake: FakeDiscord, req: Req, application_id: str, guild_id: str) -> Result:
    _app(fake, application_id)
    _guild(fake, guild_id)
    return 200, fake.guild_commands.get(int(guild_id), [])


@route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
async def put_guild_commands(fake: FakeDiscord, req: Req, application_id: str, guild_id: str) -> Result:
    _app(fake, application_id)
    _guild(fake, guild_id)
    validate_commands(req.json)
    gid = int(guild_id)
    fake.guild_commands[gid] = [_store_command(fake, c, gid) for c in req.json]
    return 200, fake.guild_commands[gid]


@route("POST", "/applications/{application_id}/guilds/{guild_id}/commands")
async def upsert_guild_command(fake: FakeDiscord, req: Req, application_id: str, guild_id: str) -> Result:
    _guild(fake, guild_id)
    return _upsert(fake, req, application_id, int(guild_id))


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions")
async def get_guild_command_permissions(fake: FakeDiscord, req: Req, application_id: str, guild_id: str) -> Result:
    return 200, []


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def get_guild_command(fake: FakeDiscord, req: Req, application_id: str, guild_id: str, command_id: str) -> Result:
    return 200, _get_command(fake, application_id, int(guild_id), command_id)


@route("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def edit_guild_command(
    fake: FakeDiscord, req: Req, application_id: str, guild_id: str, command_id: str
) -> Result:
    return _edit_command(fake, req, application_id, int(guild_id), command_id)


@route("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def delete_guild_command(
    fake: FakeDiscord, req: Req, application_id: str, guild_id: str, command_id: str
) -> Result:
    return _delete_command(fake, application_id, int(guild_id), command_id)


def _upsert(fake: FakeDiscord, req: Req, application_id: str, guild_id: int | None) -> Result:
    _app(fake, application_id)
    raw = _body(req)
    validate_commands([raw])
    cmd = _store_command(fake, raw, guild_id)
    existing = _command_list(fake, guild_id)
    replaced = [c for c in existing if c["id"] != cmd["id"]]
    status = 200 if len(replaced) != len(existing) else 201
    _set_command_list(fake, guild_id, [*replaced, cmd])
    return status, cmd


def _get_command(fake: FakeDiscord, application_id: str, guild_id: int | None, command_id: str) -> dict[str, Any]:
    _app(fake, application_id)
    for cmd in _command_list(fake, guild_id):
        if cmd["id"] == command_id:
            return cmd
    raise ApiError(404, 10063, "Unknown application command")


def _edit_command(fake: FakeDiscord, req: Req, application_id: str, guild_id: int | None, command_id: str) -> Result:
    cmd = _get_command(fake, application_id, guild_id, command_id)
    merged = {**cmd, **_body(req)}
    validate_commands([merged])
    cmd.update(_body(req))
    cmd["version"] = str(fake.next_id())
    return 200, cmd


def _delete_command(fake: FakeDiscord, application_id: str, guild_id: int | None, command_id: str) -> Result:
    cmd = _get_command(fake, application_id, guild_id, command_id)
    _set_command_list(fake, guild_id, [c for c in _command_list(fake, guild_id) if c is not cmd])
    return 204, None


# ----------------------------------------------------------------------------------------------------
# interactions


def _interaction(fake: FakeDiscord, token: str) -> FakeInteraction:
    ix = fake.interaction_by_token(token)
    if ix is None:
        raise ApiError(404, 10015, "Unknown Webhook")
    return ix


@route("POST", "/interactions/{interaction_id}/{token}/callback", auth=False, global_limit=False)
async def interaction_callback(fake: FakeDiscord, req: Req, interaction_id: str, token: str) -> Result:
    ix = fake.interaction_by_token(token)
    body = _body(req)
    if ix is None or ix.id != int(interaction_id):
        raise ApiError(404, 10062, "Unknown interaction")
    if ix.callback is not None:
        ix.rejected.append((400, body))
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    now = time.perf_counter()
    if (
        fake.interaction_deadline is not None
        and ix.sent_at is not None
        and now - ix.sent_at > fake.interaction_deadline
    ):
        ix.rejected.append((404, body))
        log.warning(
            "fake discord: interaction %s answered after %.2fs (deadline %.1fs)",
            ix.label,
            now - ix.sent_at,
            fake.interaction_deadline,
        )
        raise ApiError(404, 10062, "Unknown interaction")
    ctype = body.get("type")
    data = body.get("data") or {}
    allowed = {
        InteractionType.APPLICATION_COMMAND: {4, 5, 9, 12},
        InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9, 12},
        InteractionType.AUTOCOMPLETE: {8},
        InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
    }[ix.type]
    if ctype not in allowed:
        ix.rejected.append((400, body))
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {
                "type": {
                    "_errors": [
                        {
                            "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                            "message": f"Interaction response type {ctype} is not valid here",
                        }
                    ]
                }
            },
        )
    if ctype in (CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, CallbackType.UPDATE_MESSAGE):
        try:
            validate_message(data, n_files=len(req.files), edit=ctype == CallbackType.UPDATE_MESSAGE)
        except ApiError:
            ix.rejected.append((400, body))
            raise
    if ctype == CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT and len(data.get("choices") or []) > 25:
        ix.rejected.append((400, body))
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {
                "data": {
                    "choices": {
                        "_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}]
                    }
                }
            },
        )

    channel = fake.channels[ix.channel_id]
    message: dict[str, Any] | None = None
    if ctype == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
        message = fake.build_message(
            channel, data, req.files, flags=int(data.get("flags") or 0), webhook_id=fake.application_id, interaction=ix
        )
        fake.store_message(message, channel_list=False)
        ix.original = message
    elif ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
        flags = LOADING_FLAG | (int(data.get("flags") or 0) & EPHEMERAL_FLAG)
        message = fake.build_message(channel, {}, [], flags=flags, webhook_id=fake.application_id, interaction=ix)
        fake.store_message(message, channel_list=False)
        ix.original = message
    elif ctype in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE) and ix.message is not None:
        message = fake.messages.get(int(ix.message["id"]), ix.message)
        if ctype == CallbackType.UPDATE_MESSAGE:
            fake.edit_message(message, data, req.files)
        ix.original = message

    recorded = dict(body)
    if req.files:
        recorded["files"] = [(filename, blob) for _, filename, blob in req.files]
    ix._set_response(recorded)

    if req.query.get("with_response") not in ("1", "true", "True"):
        return 204, None
    info: dict[str, Any] = {
        "id": str(ix.id),
        "type": ix.type,
        "activity_instance_id": None,
        "response_message_id": message["id"] if message is not None else None,
        "response_message_loading": ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        "response_message_ephemeral": bool(message is not None and int(message.get("flags") or 0) & EPHEMERAL_FLAG),
    }
    resource: dict[str, Any] = {"type": ctype}
    if message is not None and ctype != CallbackType.DEFERRED_UPDATE_MESSAGE:
        resource["message"] = message
    return 200, {"interaction": info, "resource": resource}


def _original(ix: FakeInteraction) -> dict[str, Any]:
    if ix.original is None or ix.deleted_original:
        raise ApiError(404, 10008, "Unknown Message")
    return ix.original


@route("GET", "/webhooks/{application_id}/{token}/messages/@original", auth=False, global_limit=False)
async def get_original(fake: FakeDiscord, req: Req, application_id: str, token: str) -> Result:
    return 200, _original(_interaction(fake, token))


@route("PATCH", "/webhooks/{application_id}/{token}/messages/@original", auth=False, global_limit=False)
async def edit_original(fake: FakeDiscord, req: Req, application_id: str, token: str) -> Result:
    ix = _interaction(fake, token)
    message = _original(ix)
    body = _body(req)
    validate_message(body, n_files=len(req.files), edit=True)
    fake.edit_message(message, body, req.files)
    message["flags"] = int(message.get("flags") or 0) & ~LOADING_FLAG
    ix.edits.append(body)
    ix._set_final(body, files=[(filename, blob) for _, filename, blob in req.files])
    return 200, message


@route("DELETE", "/webhooks/{application_id}/{token}/messages/@original", auth=False, global_limit=False)
async def delete_original(fake: FakeDiscord, req: Req, application_id: str, token: str) -> Result:
    ix = _interaction(fake, token)
    message = _original(ix)
    fake.delete_message(int(message["id"]))
    ix.deleted_original = True
    return 204, None


@route("POST", "/webhooks/{application_id}/{token}", auth=False, global_limit=False)
async def create_followup(fake: FakeDiscord, req: Req, application_id: str, token: str) -> Result:
    ix = _interaction(fake, token)
    if ix.callback is None:
        raise ApiError(404, 10015, "Unknown Webhook")
    body = _body(req)
    validate_message(body, n_files=len(req.files))
    files = [(filename, blob) for _, filename, blob in req.files]
    ix.followups.append({**body, "files": files} if files else body)
    original = ix.original
    if (
        original is not None
        and not ix.deleted_original
        and int(original.get("flags") or 0) & LOADING_FLAG
        and ix.callback["type"] == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    ):
        # Discord turns the first followup after a "thinking" deferral into the original response.
        fake.edit_message(original, body, req.files)
        original["flags"] = int(original.get("flags") or 0) & ~LOADING_FLAG
        message = original
    else:
        channel = fake.channels[ix.channel_id]
        message = fake.build_message(
            channel, body, req.files, flags=int(body.get("flags") or 0), webhook_id=fake.application_id, interaction=ix
        )
        fake.store_message(message, channel_list=False)
    ix.followup_messages.append(message)
    ix._set_final(body, files=files)
    if req.query.get("wait") in ("1", "true", "True"):
        return 200, message
    return 204, None


def _followup(fake: FakeDiscord, ix: FakeInteraction, message_id: str) -> dict[str, Any]:
    mid = int(message_id)
    if ix.original is not None and int(ix.original["id"]) == mid and not ix.deleted_original:
        return ix.original
    for message in ix.followup_messages:
        if int(message["id"]) == mid and mid in fake.messages:
            return message
    raise ApiError(404, 10008, "Unknown Message")


@route("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", auth=False, global_limit=False)
async def get_followup(fake: FakeDiscord, req: Req, application_id: str, token: str, message_id: str) -> Result:
    return 200, _followup(fake, _interaction(fake, token), message_id)


@route("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", auth=False, global_limit=False)
async def edit_followup(fake: FakeDiscord, req: Req, application_id: str, token: str, message_id: str) -> Result:
    ix = _interaction(fake, token)
    message = _followup(fake, ix, message_id)
    body = _body(req)
    validate_message(body, n_files=len(req.files), edit=True)
    fake.edit_message(message, body, req.files)
    message["flags"] = int(message.get("flags") or 0) & ~LOADING_FLAG
    ix.edits.append(body)
    ix._set_final(body)
    return 200, message


@route("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", auth=False, global_limit=False)
async def delete_followup(fake: FakeDiscord, req: Req, application_id: str, token: str, message_id: str) -> Result:
    ix = _interaction(fake, token)
    message = _followup(fake, ix, message_id)
    fake.delete_message(int(message["id"]))
    if message is ix.original:
        ix.deleted_original = True
    return 204, None


# ----------------------------------------------------------------------------------------------------
# channels and messages


@route("GET", "/channels/{channel_id}")
async def get_channel(fake: FakeDiscord, req: Req, channel_id: str) -> Result:
    channel = _channel(fake, channel_id)
    if channel.guild_id is not None and not fake.bot_permissions_in(channel) & Perm.VIEW_CHANNEL:
        raise ApiError(403, 50001, "Missing Access")
    return 200, fake.channel_payload(channel)


@route("PATCH", "/channels/{channel_id}")
async def edit_channel(fake: FakeDiscord, req: Req, channel_id: str) -> Result:
    channel = _channel(fake, channel_id)
    _require(fake, channel, Perm.MANAGE_CHANNELS)
    body = _body(req)
    for key in ("name", "topic", "position", "nsfw", "rate_limit_per_user"):
        if key in body:
            setattr(channel, key, body[key])
    if "parent_id" in body:
        channel.parent_id = int(body["parent_id"]) if body["parent_id"] else None
    if "permission_overwrites" in body:
        channel.overwrites = [
            {
                "id": str(o["id"]),
                "type": int(o.get("type", 0)),
                "allow": str(o.get("allow", 0)),
                "deny": str(o.get("deny", 0)),
            }
            for o in body["permission_overwrites"]
        ]
    payload = fake.channel_payload(channel)
    fake._dispatch_guild(channel.guild_id, "CHANNEL_UPDATE", payload)
    return 200, payload


@route("DELETE", "/channels/{channel_id}")
async def delete_channel(fake: FakeDiscord, req: Req, channel_id: str) -> Result:
    channel = _channel(fake, channel_id)
    _require(fake, channel, Perm.MANAGE_CHANNELS)
    payload = fake.channel_payload(channel)
    fake.channels.pop(channel.id, None)
    if channel.guild_id is not None:
        fake.guilds[channel.guild_id].channels.pop(channel.id, None)
        fake._dispatch_guild(channel.guild_id, "CHANNEL_DELETE", payload)
    return 200, payload


@route("POST", "/guilds/{guild_id}/channels")
async def create_channel(fake: FakeDiscord, req: Req, guild_id: str) -> Result:
    guild = _guild(fake, guild_id)
    _require_guild(fake, guild, Perm.MANAGE_CHANNELS)
    body = _body(req)
    cid = fake.add_channel(
        guild.id,
        body.get("name") or "channel",
        type=int(body.get("type") or 0),
        overwrites=body.get("permission_overwrites") or (),
        topic=body.get("topic"),
        parent_id=int(body["parent_id"]) if body.get("parent_id") else None,
    )
    return 201, fake.channel_payload(fake.channels[cid])


@route("GET", "/channels/{channel_id}/messages")
async def list_messages(fake: FakeDiscord, req: Req, channel_id: str) -> Result:
    channel = _channel(fake, channel_id)
    _require(fake, channel, Perm.READ_MESSAGE_HISTORY)
    limit = int(req.query.get("limit", 50))
    messages = sorted(fake._channel_messages.get(channel.id, {}).values(), key=lambda m: int(m["id"]), reverse=True)
    if "before" in req.query:
        messages = [m for m in messages if int(m["id"]) < int(req.query["before"])]
    if "after" in req.query:
        messages = [m for m in messages if int(m["id"]) > int(req.query["after"])]
    return 200, messages[:limit]


@route("POST", "/channels/{channel_id}/messages")
async def create_message(fake: FakeDiscord, req: Req, channel_id: str) -> Result:
    channel = _channel(fake, channel_id)
    body = _body(req)
    if channel.is_dm:
        if channel.recipient_id in fake._closed_dms:
            raise ApiError(403, 50007, "Cannot send messages to this user")
    else:
        needed = [Perm.SEND_MESSAGES]
        if req.files:
            needed.append(Perm.ATTACH_FILES)
        if body.get("embeds"):
            needed.append(Perm.EMBED_LINKS)
        _require(fake, channel, *needed)
    validate_message(body, n_files=len(req.files))
    if body.get("nonce") is not None and body.get("enforce_nonce"):
        # As Discord does: a repeat of a send with the same nonce from the same author returns the first message.
        for earlier in fake._channel_messages.get(channel.id, {}).values():
            if earlier.get("nonce") == body["nonce"] and earlier["author"]["id"] == str(fake.bot_user.id):
                return 200, earlier
    message = fake.build_message(channel, body, req.files)
    fake.store_message(message, channel_list=True)
    fake.echo_message_create(message, channel)
    return 200, message


@route("GET", "/channels/{channel_id}/messages/pins")
async def list_pins(fake: FakeDiscord, req: Req, channel_id: str) -> Result:
    channel = _channel(fake, channel_id)
    pinned = [m for m in fake._channel_messages.get(channel.id, {}).values() if m.get("pinned")]
    return 200, {"items": [{"pinned_at": m.get("timestamp"), "message": m} for m in pinned], "has_more": False}


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_message(fake: FakeDiscord, req: Req, channel_id: str, message_id: str) -> Result:
    channel = _channel(fake, channel_id)
    _require(fake, channel, Perm.READ_MESSAGE_HISTORY)
    return 200, _channel_message(fake, channel, message_id)


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_channel_message(fake: FakeDiscord, req: Req, channel_id: str, message_id: str) -> Result:
    channel = _channel(fake, channel_id)
    message = _channel_message(fake, channel, message_id)
    if int(message["author"]["id"]) != fake.bot_user.id:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    body = _body(req)
    if body.get("embeds"):
        _require(fake, channel, Perm.EMBED_LINKS)
    validate_message(body, n_files=len(req.files), edit=True)
    fake.edit_message(message, body, req.files)
    return 200, message


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_channel_message(fake: FakeDiscord, req: Req, channel_id: str, message_id: str) -> Result:
    channel = _channel(fake, channel_id)
    message = _channel_message(fake, channel, message_id)
    if int(message["author"]["id"]) != fake.bot_user.id:
        _require(fake, channel, Perm.MANAGE_MESSAGES)
    fake.delete_message(int(message["id"]))
    return 204, None


@route("POST", "/channels/{channel_id}/messages/bulk-delete")
async def bulk_delete(fake: FakeDiscord, req: Req, channel_id: str) -> Result:
    channel = _channel(fake, channel_id)
    _require(fake, channel, Perm.MANAGE_MESSAGES)
    for mid in _body(req).get("messages", []):
        fake.delete_message(int(mid))
    return 204, None


@route("POST", "/channels/{channel_id}/typing")
async def typing(fake: FakeDiscord, req: Req, channel_id: str) -> Result:
    _channel(fake, channel_id)
    return 204, None


@route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def add_reaction(fake: FakeDiscord, req: Req, channel_id: str, message_id: str, emoji: str) -> Result:
    channel = _channel(fake, channel_id)
    message = _channel_message(fake, channel, message_id)
    _require(fake, channel, Perm.ADD_REACTIONS, Perm.READ_MESSAGE_HISTORY)
    reactions = message.setdefault("reactions", [])
    for reaction in reactions:
        if reaction["emoji"].get("name") == emoji:
            if not reaction["me"]:
                reaction["me"] = True
                reaction["count"] += 1
            break
    else:
        reactions.append({"emoji": {"id": None, "name": emoji}, "count": 1, "me": True})
    return 204, None


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def remove_reaction(fake: FakeDiscord, req: Req, channel_id: str, message_id: str, emoji: str) -> Result:
    channel = _channel(fake, channel_id)
    message = _channel_message(fake, channel, message_id)
    message["reactions"] = [
        r for r in message.get("reactions", []) if not (r["emoji"].get("name") == emoji and r["count"] == 1 and r["me"])
    ]
    return 204, None


@route("PUT", "/channels/{channel_id}/messages/pins/{message_id}")
async def pin_message(fake: FakeDiscord, req: Req, channel_id: str, message_id: str) -> Result:
    channel = _channel(fake, channel_id)
    _require(fake, channel, Perm.MANAGE_MESSAGES)
    _channel_message(fake, channel, message_id)["pinned"] = True
    return 204, None


@route("DELETE", "/channels/{channel_id}/messages/pins/{message_id}")
async def unpin_message(fake: FakeDiscord, req: Req, channel_id: str, message_id: str) -> Result:
    channel = _channel(fake, channel_id)
    _require(fake, channel, Perm.MANAGE_MESSAGES)
    _channel_message(fake, channel, message_id)["pinned"] = False
    return 204, None


# ----------------------------------------------------------------------------------------------------
# guilds, members, roles


@route("GET", "/guilds/{guild_id}")
async def get_guild(fake: FakeDiscord, req: Req, guild_id: str) -> Result:
    guild = _guild(fake, guild_id)
    return 200, fake.guild_payload(guild, with_counts=req.query.get("with_counts") in ("1", "true", "True"))


@route("GET", "/guilds/{guild_id}/channels")
async def get_guild_channels(fake: FakeDiscord, req: Req, guild_id: str) -> Result:
    guild = _guild(fake, guild_id)
    return 200, [fake.channel_payload(c) for c in guild.channels.values()]


@route("GET", "/guilds/{guild_id}/roles")
async def get_roles(fake: FakeDiscord, req: Req, guild_id: str) -> Result:
    return 200, [r.payload() for r in _guild(fake, guild_id).roles]


@route("POST", "/guilds/{guild_id}/roles")
async def create_role(fake: FakeDiscord, req: Req, guild_id: str) -> Result:
    guild = _guild(fake, guild_id)
    _require_guild(fake, guild, Perm.MANAGE_ROLES)
    body = _body(req)
    role = fake.add_role(
        guild.id,
        body.get("name") or "new role",
        permissions=int(body.get("permissions") or 0),
        color=int(body.get("color") or 0),
        position=1,
    )
    for other in guild.roles:
        if other is not role and other.position >= 1:
            other.position += 1
    role.hoist = bool(body.get("hoist", False))
    role.mentionable = bool(body.get("mentionable", False))
    return 200, role.payload()


@route("GET", "/guilds/{guild_id}/members")
async def list_members(fake: FakeDiscord, req: Req, guild_id: str) -> Result:
    guild = _guild(fake, guild_id)
    limit = min(int(req.query.get("limit", 1)), 1000)
    after = int(req.query.get("after", 0))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
    return 200, [m.payload() for m in members[:limit]]


@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member(fake: FakeDiscord, req: Req, guild_id: str, user_id: str) -> Result:
    guild = _guild(fake, guild_id)
    return 200, _member(guild, user_id).payload()


@route("PATCH", "/guilds/{guild_id}/members/{user_id}")
async def edit_member(fake: FakeDiscord, req: Req, guild_id: str, user_id: str) -> Result:
    guild = _guild(fake, guild_id)
    member = _member(guild, user_id)
    body = _body(req)
    if "roles" in body:
        _require_guild(fake, guild, Perm.MANAGE_ROLES)
        new_roles = [int(r) for r in body["roles"]]
        for rid in set(new_roles) ^ set(member.roles):
            _check_role_hierarchy(fake, guild, _role(guild, str(rid)))
        member.roles = new_roles
    if "nick" in body:
        _require_guild(fake, guild, Perm.MANAGE_NICKNAMES)
        member.nick = body["nick"]
    fake._dispatch_member_update(guild.id, member)
    return 200, member.payload()


def _check_role_hierarchy(fake: FakeDiscord, guild: FakeGuild, role: FakeRole) -> None:
    bot_member = guild.members[fake.bot_user.id]
    if role.managed or role.id == guild.id or role.position >= guild.top_role_position(bot_member):
        raise ApiError(403, 50013, "Missing Permissions")


@route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def add_member_role(fake: FakeDiscord, req: Req, guild_id: str, user_id: str, role_id: str) -> Result:
    guild = _guild(fake, guild_id)
    member = _member(guild, user_id)
    role = _role(guild, role_id)
    _require_guild(fake, guild, Perm.MANAGE_ROLES)
    _check_role_hierarchy(fake, guild, role)
    if role.id not in member.roles:
        member.roles.append(role.id)
        fake._dispatch_member_update(guild.id, member)
    return 204, None


@route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def remove_member_role(fake: FakeDiscord, req: Req, guild_id: str, user_id: str, role_id: str) -> Result:
    guild = _guild(fake, guild_id)
    member = _member(guild, user_id)
    role = _role(guild, role_id)
    _require_guild(fake, guild, Perm.MANAGE_ROLES)
    _check_role_hierarchy(fake, guild, role)
    if role.id in member.roles:
        member.roles.remove(role.id)
        fake._dispatch_member_update(guild.id, member)
    return 204, None


__all__ = ["ChannelType", "Router", "make_response", "read_body"]
