"""Routes of the fake's REST API: guilds, members and roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import FakeGuild, FakeRole, Perm
from .routing import (
    Req,
    Result,
    _body,
    _guild,
    _member,
    _require_guild,
    _role,
    route,
)
from .validation import ApiError

if TYPE_CHECKING:
    from .server import FakeDiscord


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
