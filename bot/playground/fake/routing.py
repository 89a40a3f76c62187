"""Route registration of the fake's REST API (``@route``) and the lookups and checks the handlers share."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .models import FakeChannel, FakeGuild, FakeMember, FakeRole, Perm
from .validation import ApiError

if TYPE_CHECKING:
    from .server import FakeDiscord

LOADING_FLAG = 1 << 7
EPHEMERAL_FLAG = 1 << 6

Result = tuple[int, Any] | tuple[int, Any, dict[str, str]]
Handler = Callable[..., Awaitable[Result]]


@dataclass(slots=True)
class Req:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, str, bytes]]  # (form field name, filename, data)
    headers: Any


_ROUTES: list[tuple[str, str, Handler, bool, bool]] = []


def route(method: str, template: str, *, auth: bool = True, global_limit: bool = True):
    """Register a handler. ``auth``: needs ``Authorization: Bot <token>``; ``global_limit``: counts towards the
    global rate limit (interaction callbacks and interaction webhooks do not)."""

    def deco(fn: Handler) -> Handler:
        _ROUTES.append((method, template, fn, auth, global_limit))
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
