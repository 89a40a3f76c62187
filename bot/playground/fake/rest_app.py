"""Routes of the fake's REST API: the bot user, the application, the gateway and application commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .routing import (
    Req,
    Result,
    _app,
    _body,
    _guild,
    route,
)
from .validation import ApiError, validate_commands

if TYPE_CHECKING:
    from .server import FakeDiscord


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
