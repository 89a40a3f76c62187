"""Routes of the fake's REST API: channels, messages, reactions and pins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import Perm
from .routing import (
    Req,
    Result,
    _body,
    _channel,
    _channel_message,
    _guild,
    _require,
    _require_guild,
    route,
)
from .validation import ApiError, validate_message

if TYPE_CHECKING:
    from .server import FakeDiscord


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
