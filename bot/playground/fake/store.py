"""The fake's message store: building, storing, editing and deleting messages and their attachments."""

from __future__ import annotations

import re
from typing import Any

from .interactions import FakeInteraction, InteractionType
from .models import FakeChannel, FakeUser
from .routing import EPHEMERAL_FLAG, LOADING_FLAG
from .snowflake import iso_timestamp


class MessageStoreMixin:
    """Part of ``FakeDiscord``: the messages it holds."""

    # ------------------------------------------------------------------------------------------------
    # messages

    def build_message(
        self,
        channel: FakeChannel,
        body: dict[str, Any],
        files: list[tuple[str, str, bytes]],
        *,
        author: FakeUser | None = None,
        flags: int | None = None,
        webhook_id: int | None = None,
        interaction: FakeInteraction | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        mid = message_id or self._ids.next()
        author = author or self.bot_user
        message: dict[str, Any] = {
            "id": str(mid),
            "type": 0,
            "channel_id": str(channel.id),
            "author": author.payload(),
            "content": body.get("content") or "",
            "timestamp": iso_timestamp(mid),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": self._build_attachments(channel.id, body.get("attachments"), files, []),
            "embeds": list(body.get("embeds") or []),
            "reactions": [],
            "pinned": False,
            "flags": int(body.get("flags") or 0) if flags is None else flags,
            "components": list(body.get("components") or []),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("poll"):
            message["poll"] = body["poll"]
        if body.get("message_reference"):
            ref = dict(body["message_reference"])
            ref.setdefault("channel_id", str(channel.id))
            if channel.guild_id is not None:
                ref.setdefault("guild_id", str(channel.guild_id))
            message["message_reference"] = ref
            message["type"] = 19
            referenced = self.messages.get(int(ref.get("message_id", 0) or 0))
            message["referenced_message"] = referenced
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        if interaction is not None:
            user = self.users[interaction.user_id]
            meta: dict[str, Any] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user.payload(),
                "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
            }
            if interaction.type == InteractionType.APPLICATION_COMMAND:
                message["type"] = 20
                meta["name"] = interaction.label
                message["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": interaction.label,
                    "user": user.payload(),
                }
            elif interaction.message is not None:
                meta["interacted_message_id"] = interaction.message["id"]
            message["interaction_metadata"] = meta
        self._apply_mentions(message, body, channel)
        return message

    def _apply_mentions(self, message: dict[str, Any], body: dict[str, Any], channel: FakeChannel) -> None:
        content = message["content"]
        if "<@" not in content and "@everyone" not in content and "@here" not in content:
            return
        allowed = body.get("allowed_mentions")
        parse = set(allowed.get("parse", [])) if isinstance(allowed, dict) else {"users", "roles", "everyone"}
        allowed_users = {int(u) for u in (allowed or {}).get("users", [])} if isinstance(allowed, dict) else set()
        allowed_roles = {int(r) for r in (allowed or {}).get("roles", [])} if isinstance(allowed, dict) else set()
        users = []
        for raw in dict.fromkeys(re.findall(r"<@!?(\d+)>", content)):
            uid = int(raw)
            if uid in self.users and ("users" in parse or uid in allowed_users):
                users.append(self.users[uid].payload())
        roles = []
        for raw in dict.fromkeys(re.findall(r"<@&(\d+)>", content)):
            rid = int(raw)
            if rid in self._role_guild and ("roles" in parse or rid in allowed_roles):
                roles.append(str(rid))
        message["mentions"] = users
        message["mention_roles"] = roles
        message["mention_everyone"] = "everyone" in parse and ("@everyone" in content or "@here" in content)

    def _build_attachments(
        self,
        channel_id: int,
        declared: list[dict[str, Any]] | None,
        files: list[tuple[str, str, bytes]],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        by_field = {name: (filename, data) for name, filename, data in files}
        uploads = [(filename, data) for _, filename, data in files]
        existing_by_id = {str(a["id"]): a for a in existing}
        result: list[dict[str, Any]] = []
        for entry in declared or []:
            key = str(entry.get("id"))
            if key in existing_by_id:
                result.append(existing_by_id[key])
                continue
            upload = by_field.get(f"files[{key}]")
            if upload is None and key.isdigit() and int(key) < len(uploads):
                upload = uploads[int(key)]
            if upload is None:
                continue
            result.append(self._attachment(channel_id, upload[0], upload[1], entry))
        if declared is None:
            result = list(existing)
            for filename, data in uploads:
                result.append(self._attachment(channel_id, filename, data, {}))
        return result

    def _attachment(self, channel_id: int, filename: str, data: bytes, entry: dict[str, Any]) -> dict[str, Any]:
        aid = self._ids.next()
        url = f"{self.base_url}/attachments/{channel_id}/{aid}/{filename}"
        att: dict[str, Any] = {
            "id": str(aid),
            "filename": entry.get("filename") or filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": _guess_content_type(filename),
        }
        if entry.get("description"):
            att["description"] = entry["description"]
        if self.keep_attachments:
            self.attachment_files[aid] = (att["filename"], data)
        return att

    def store_message(self, message: dict[str, Any], *, channel_list: bool) -> None:
        mid = int(message["id"])
        self.messages[mid] = message
        channel_id = int(message["channel_id"])
        if channel_list:
            self._channel_messages.setdefault(channel_id, {})[mid] = message
        channel = self.channels.get(channel_id)
        if channel is not None:
            channel.last_message_id = mid
        self._index_components(message)
        self._notify("create", message)

    def edit_message(
        self, message: dict[str, Any], body: dict[str, Any], files: list[tuple[str, str, bytes]]
    ) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "poll"):
            if key in body:
                value = body[key]
                message[key] = (value or "") if key == "content" else (value if value is not None else [])
        if "flags" in body and body["flags"] is not None:
            keep = int(message.get("flags") or 0) & EPHEMERAL_FLAG
            message["flags"] = (int(body["flags"]) & ~LOADING_FLAG) | keep
        if "attachments" in body or files:
            message["attachments"] = self._build_attachments(
                int(message["channel_id"]), body.get("attachments"), files, message.get("attachments") or []
            )
        message["edited_timestamp"] = iso_timestamp()
        if "content" in body:
            channel = self.channels.get(int(message["channel_id"]))
            if channel is not None:
                self._apply_mentions(message, body, channel)
        self._index_components(message)
        self._notify("update", message)
        return message

    def delete_message(self, message_id: int) -> dict[str, Any] | None:
        message = self.messages.pop(message_id, None)
        if message is not None:
            per_channel = self._channel_messages.get(int(message["channel_id"]))
            if per_channel is not None:
                per_channel.pop(message_id, None)
            self._notify("delete", message)
        return message

    def _index_components(self, message: dict[str, Any]) -> None:
        components = message.get("components")
        if not components:
            return
        mid = int(message["id"])
        stack = list(components)
        while stack:
            comp = stack.pop()
            if not isinstance(comp, dict):
                continue
            cid = comp.get("custom_id")
            if cid is not None:
                self._custom_id_index[cid] = mid
            children = comp.get("components")
            if isinstance(children, list):
                stack.extend(children)
            for key in ("accessory", "component"):
                child = comp.get(key)
                if isinstance(child, dict):
                    stack.append(child)

    def echo_message_create(self, message: dict[str, Any], channel: FakeChannel) -> None:
        if not self.echo_messages:
            return
        data = dict(message)
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
            bot_member = self.guilds[channel.guild_id].members.get(self.bot_user.id)
            if bot_member is not None:
                data["member"] = bot_member.payload(include_user=False)
        self._dispatch_guild(channel.guild_id, "MESSAGE_CREATE", data)


def _guess_content_type(filename: str) -> str:
    lower = filename.lower()
    for ext, ctype in (
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
        (".gif", "image/gif"),
        (".txt", "text/plain; charset=utf-8"),
        (".csv", "text/csv; charset=utf-8"),
        (".json", "application/json"),
    ):
        if lower.endswith(ext):
            return ctype
    return "application/octet-stream"
