"""Driving the bot like a member would: slash commands, autocomplete, button clicks, selects, modals."""

from __future__ import annotations

import secrets
import time
from typing import Any

from .interactions import FakeInteraction, InteractionType, OptionType, infer_option_type, nest_options, walk_command
from .models import FakeChannel, FakeGuild, Perm
from .routing import EPHEMERAL_FLAG


class DrivingMixin:
    """Part of ``FakeDiscord``: the interactions tests and the playground send."""

    # ------------------------------------------------------------------------------------------------
    # interactions

    def _find_command(self, guild_id: int | None, name: str, ctype: int = 1) -> dict[str, Any] | None:
        if guild_id is not None:
            for cmd in self.guild_commands.get(guild_id, ()):
                if cmd["name"] == name and int(cmd.get("type", 1)) == ctype:
                    return cmd
        for cmd in self.commands:
            if cmd["name"] == name and int(cmd.get("type", 1)) == ctype:
                return cmd
        return None

    def _resolve_option(
        self,
        otype: int,
        value: Any,
        guild: FakeGuild | None,
        channel: FakeChannel,
        resolved: dict[str, dict[str, Any]],
        invoker_id: int | None = None,
    ) -> Any:
        if otype == OptionType.STRING:
            return str(value)
        if otype == OptionType.INTEGER:
            return int(value)
        if otype == OptionType.BOOLEAN:
            return bool(value)
        if otype == OptionType.NUMBER:
            return float(value)
        if otype == OptionType.ATTACHMENT:
            filename, data = value if isinstance(value, tuple) else ("file.bin", bytes(value))
            att = self._attachment(channel.id, filename, data, {})
            att["ephemeral"] = True
            resolved.setdefault("attachments", {})[att["id"]] = att
            return att["id"]
        target_id = int(getattr(value, "id", value))
        if otype == OptionType.MENTIONABLE:
            otype = OptionType.ROLE if target_id in self._role_guild else OptionType.USER
        if otype == OptionType.USER:
            user = self.users.get(target_id)
            if user is None:
                raise ValueError(f"unknown user {target_id}")
            resolved.setdefault("users", {})[str(target_id)] = user.payload()
            if guild is not None and target_id in guild.members:
                member = guild.members[target_id]
                mdata = member.payload(include_user=False)
                mdata["permissions"] = str(self.member_permissions_in(guild, member, channel))
                resolved.setdefault("members", {})[str(target_id)] = mdata
            return str(target_id)
        if otype == OptionType.ROLE:
            gid = self._role_guild.get(target_id)
            if gid is None:
                raise ValueError(f"unknown role {target_id}")
            resolved.setdefault("roles", {})[str(target_id)] = self.guilds[gid].role(target_id).payload()
            return str(target_id)
        if otype == OptionType.CHANNEL:
            target = self.channels.get(target_id)
            if target is None:
                raise ValueError(f"unknown channel {target_id}")
            cdata = self.channel_payload(target)
            invoker = guild.members.get(invoker_id) if guild is not None and invoker_id is not None else None
            if guild is not None and invoker is not None and target.guild_id == guild.id:
                # the invoking member's permissions in that channel
                cdata["permissions"] = str(self.member_permissions_in(guild, invoker, target))
            else:
                cdata["permissions"] = str(Perm.DM_DEFAULT if target.is_dm else 0)
            resolved.setdefault("channels", {})[str(target_id)] = cdata
            return str(target_id)
        return value

    def _interaction_context(
        self, guild_id: int | None, user_id: int, channel_id: int | None
    ) -> tuple[FakeGuild | None, FakeChannel, dict[str, Any]]:
        """Common interaction fields for a guild or a DM."""
        user = self.users.get(user_id)
        if user is None:
            raise ValueError(f"unknown user {user_id}; create it with add_member()/add_user()")
        if guild_id is None:
            channel = self.channels[channel_id] if channel_id else self.channels[self.dm_channel_id(user_id)]
            fields: dict[str, Any] = {
                "user": user.payload(),
                "channel_id": str(channel.id),
                "channel": self.channel_payload(channel),
                "app_permissions": str(Perm.DM_DEFAULT),
                "context": 1,
                "authorizing_integration_owners": {"0": "0"},
            }
            return None, channel, fields
        guild = self.guilds[guild_id]
        member = guild.members.get(user_id)
        if member is None:
            raise ValueError(f"user {user_id} is not a member of guild {guild_id}")
        channel = self.channels[channel_id or guild.text_channel_id]
        member_data = member.payload()
        perms = self.member_permissions_in(guild, member, channel)
        member_data["permissions"] = str(perms)
        channel_data = self.channel_payload(channel)
        channel_data["permissions"] = str(perms)
        fields = {
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "guild_locale": guild.locale,
            "member": member_data,
            "channel_id": str(channel.id),
            "channel": channel_data,
            "app_permissions": str(self.bot_permissions_in(channel)),
            "context": 0,
            "authorizing_integration_owners": {"0": str(guild.id)},
        }
        return guild, channel, fields

    def _new_interaction_payload(
        self, itype: int, data: dict[str, Any], fields: dict[str, Any], locale: str
    ) -> dict[str, Any]:
        iid = self._ids.next()
        payload = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": f"aW50ZXJhY3Rpb246{iid}{secrets.token_urlsafe(48)}",
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        payload.update(fields)
        return payload

    async def _send_interaction(self, ix: FakeInteraction) -> FakeInteraction:
        session = await self._wait_owning_session(ix.guild_id, timeout=self.session_wait_timeout)
        self.interactions.append(ix)
        self._interactions_by_token[ix.token] = ix
        ix.sent_at = time.perf_counter()
        session.dispatch("INTERACTION_CREATE", ix.payload)
        return ix

    def _command_data(
        self,
        guild: FakeGuild | None,
        channel: FakeChannel,
        command: str,
        options: dict[str, Any],
        *,
        focused: str | None = None,
        invoker_id: int | None = None,
    ) -> tuple[dict[str, Any], str]:
        parts = command.strip().lstrip("/").split()
        if not parts:
            raise ValueError("empty command")
        root = parts[0]
        cmd = self._find_command(guild.id if guild else None, root)
        registered = [*self.commands, *(self.guild_commands.get(guild.id, []) if guild else [])]
        if cmd is None and registered:
            # Discord only delivers commands that exist; before any sync, types are inferred instead.
            known = sorted({c["name"] for c in registered if int(c.get("type", 1)) == 1})
            raise ValueError(f"/{root} is not registered (registered: {known})")
        chain, definitions = walk_command(cmd, parts[1:])
        resolved: dict[str, dict[str, Any]] = {}
        leaf: list[dict[str, Any]] = []
        for name, value in options.items():
            definition = None
            if definitions is not None:
                definition = next((o for o in definitions if o.get("name") == name), None)
                if definition is None:
                    known = [o.get("name") for o in definitions]
                    raise ValueError(f"/{' '.join(parts)} has no option {name!r} (known: {known})")
            otype = int(definition["type"]) if definition is not None else infer_option_type(value)
            if name == focused:
                leaf.append(
                    {"name": name, "type": otype, "value": "" if value is None else str(value), "focused": True}
                )
            else:
                leaf.append(
                    {
                        "name": name,
                        "type": otype,
                        "value": self._resolve_option(otype, value, guild, channel, resolved, invoker_id),
                    }
                )
        if focused is not None and focused not in options:
            definition = None
            if definitions is not None:
                definition = next((o for o in definitions if o.get("name") == focused), None)
            otype = int(definition["type"]) if definition else OptionType.STRING
            leaf.append({"name": focused, "type": otype, "value": "", "focused": True})
        data: dict[str, Any] = {
            "id": cmd["id"] if cmd else str(self._command_id(None, 1, root)),
            "name": root,
            "type": 1,
            "options": nest_options(chain, leaf),
        }
        if resolved:
            data["resolved"] = resolved
        if cmd is not None and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return data, " ".join(parts)

    def _command_id(self, guild_id: int | None, ctype: int, name: str) -> int:
        key = (guild_id, ctype, name)
        cid = self._command_ids.get(key)
        if cid is None:
            cid = self._ids.next()
            self._command_ids[key] = cid
        return cid

    async def slash(
        self,
        guild_id: int | None,
        user_id: int,
        command: str,
        /,
        *,
        channel_id: int | None = None,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        **kwargs: Any,
    ) -> FakeInteraction:
        """Invoke a slash command ("cmd", "group sub" or "group subgroup sub") with options by name.

        Option types come from the commands the bot registered (PUT .../commands); unregistered commands
        get types inferred from the Python values. ``guild_id=None`` invokes it in the user's DM.
        """
        opts = {**(options or {}), **kwargs}
        guild, channel, fields = self._interaction_context(guild_id, user_id, channel_id)
        data, label = self._command_data(guild, channel, command, opts, invoker_id=user_id)
        payload = self._new_interaction_payload(InteractionType.APPLICATION_COMMAND, data, fields, locale)
        ix = FakeInteraction(self, payload, guild_id=guild_id, channel_id=channel.id, user_id=user_id, label=label)
        return await self._send_interaction(ix)

    async def autocomplete(
        self,
        guild_id: int | None,
        user_id: int,
        command: str,
        /,
        *,
        focused: str,
        value: Any = "",
        channel_id: int | None = None,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        **kwargs: Any,
    ) -> FakeInteraction:
        """Autocomplete request for option ``focused`` currently typed as ``value``."""
        opts = {**(options or {}), **kwargs, focused: value}
        guild, channel, fields = self._interaction_context(guild_id, user_id, channel_id)
        data, label = self._command_data(guild, channel, command, opts, focused=focused, invoker_id=user_id)
        payload = self._new_interaction_payload(InteractionType.AUTOCOMPLETE, data, fields, locale)
        ix = FakeInteraction(self, payload, guild_id=guild_id, channel_id=channel.id, user_id=user_id, label=label)
        return await self._send_interaction(ix)

    def _find_component(self, message: dict[str, Any], custom_id: str | None) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        stack = list(reversed(message.get("components") or []))
        while stack:
            comp = stack.pop()
            if not isinstance(comp, dict):
                continue
            if comp.get("custom_id") is not None and comp.get("type") != 4:
                found.append(comp)
            children = comp.get("components")
            if isinstance(children, list):
                stack.extend(reversed(children))
            for key in ("accessory", "component"):
                child = comp.get(key)
                if isinstance(child, dict):
                    stack.append(child)
        if custom_id is None:
            if len(found) != 1:
                ids = [c["custom_id"] for c in found]
                raise ValueError(f"message {message.get('id')} has components {ids}; pass custom_id=")
            return found[0]
        for comp in found:
            if comp["custom_id"] == custom_id:
                return comp
        return {"type": 2, "custom_id": custom_id}

    def _minimal_message(self, channel: FakeChannel, custom_id: str, ephemeral: bool) -> dict[str, Any]:
        return self.build_message(
            channel,
            {
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "custom_id": custom_id, "label": custom_id}]}
                ]
            },
            [],
            flags=EPHEMERAL_FLAG if ephemeral else 0,
        )

    async def click(
        self,
        message_or_custom_id: dict[str, Any] | str,
        user_id: int,
        guild_id: int | None = None,
        *,
        message: dict[str, Any] | None = None,
        custom_id: str | None = None,
        values: list[str] | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Press a button (or pick ``values`` in a select menu) on a message.

        ``message_or_custom_id`` is a recorded message dict or a custom_id. With only a custom_id the latest
        recorded message carrying it is used (else a minimal ephemeral-style message). The guild is taken from
        the message's channel when ``guild_id`` is None; DM channels give a DM interaction.
        """
        if isinstance(message_or_custom_id, dict):
            message = message_or_custom_id
        else:
            custom_id = message_or_custom_id
            if message is None:
                message = self.message_with_custom_id(custom_id)
        if message is not None:
            stored = self.messages.get(int(message["id"]))
            if stored is not None:
                message = stored
            msg_channel = self.channels.get(int(message["channel_id"]))
            if guild_id is None and msg_channel is not None:
                guild_id = msg_channel.guild_id
            if channel_id is None and msg_channel is not None:
                channel_id = msg_channel.id
        if guild_id is not None and channel_id is None:
            channel_id = self.guilds[guild_id].text_channel_id
        if guild_id is None and channel_id is None:
            channel_id = self.dm_channel_id(user_id)
        guild, channel, fields = self._interaction_context(guild_id, user_id, channel_id)
        if message is None:
            assert custom_id is not None
            message = self._minimal_message(channel, custom_id, ephemeral=True)
            self.messages[int(message["id"])] = message
        component = self._find_component(message, custom_id)
        component_type = int(component.get("type", 2))
        data: dict[str, Any] = {"custom_id": component["custom_id"], "component_type": component_type}
        if "id" in component:
            data["id"] = component["id"]
        if values is not None or component_type in (3, 5, 6, 7, 8):
            data["values"] = [str(getattr(v, "id", v)) for v in values or []]
            resolved: dict[str, dict[str, Any]] = {}
            kind = {5: OptionType.USER, 6: OptionType.ROLE, 7: OptionType.MENTIONABLE, 8: OptionType.CHANNEL}.get(
                component_type
            )
            if kind is not None:
                for v in values or []:
                    self._resolve_option(kind, v, guild, channel, resolved, user_id)
                data["resolved"] = resolved
        payload = self._new_interaction_payload(InteractionType.MESSAGE_COMPONENT, data, fields, locale)
        payload["message"] = message
        ix = FakeInteraction(
            self,
            payload,
            guild_id=guild_id,
            channel_id=channel.id,
            user_id=user_id,
            label=f"click:{data['custom_id']}",
            message=message,
        )
        return await self._send_interaction(ix)

    async def select(
        self,
        message_or_custom_id: dict[str, Any] | str,
        user_id: int,
        values: list[Any],
        guild_id: int | None = None,
        **kwargs: Any,
    ) -> FakeInteraction:
        return await self.click(message_or_custom_id, user_id, guild_id, values=values, **kwargs)

    async def dm_click(
        self,
        custom_id: str,
        user_id: int,
        *,
        message: dict[str, Any] | None = None,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Press a button on a message in the bot's DM with that user (whose Discord client speaks ``locale``)."""
        channel_id = self.dm_channel_id(user_id)
        if message is None:
            candidate = self.message_with_custom_id(custom_id)
            if candidate is not None and int(candidate["channel_id"]) == channel_id:
                message = candidate
        if message is None:
            message = self._minimal_message(self.channels[channel_id], custom_id, ephemeral=False)
            self.messages[int(message["id"])] = message
        return await self.click(custom_id, user_id, None, message=message, values=values, channel_id=channel_id,
                                locale=locale)

    async def submit_modal(
        self,
        modal_from: FakeInteraction | str,
        user_id: int,
        values: dict[str, Any],
        guild_id: int | None = None,
        *,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Submit a modal the bot opened (callback type 9), with text-input values by custom_id."""
        if isinstance(modal_from, FakeInteraction):
            if modal_from.callback is None or modal_from.callback["type"] != 9:
                raise ValueError(f"{modal_from!r} did not answer with a modal")
            modal = modal_from.callback["data"]
            guild_id = modal_from.guild_id if guild_id is None else guild_id
            channel_id = channel_id or modal_from.channel_id
            source_message = modal_from.message
        else:
            modal = {"custom_id": modal_from, "components": []}
            source_message = None
        _, channel, fields = self._interaction_context(guild_id, user_id, channel_id)

        def fill(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
            out = []
            for comp in components:
                ctype = comp.get("type")
                if ctype == 1:
                    out.append({"type": 1, "components": fill(comp.get("components") or [])})
                elif ctype == 18:
                    out.append({"type": 18, "component": fill([comp["component"]])[0]})
                elif ctype == 4:
                    value = values.get(comp["custom_id"], comp.get("value") or "")
                    out.append({"type": 4, "custom_id": comp["custom_id"], "value": str(value)})
                elif comp.get("custom_id") is not None:
                    picked = values.get(comp["custom_id"], [])
                    out.append({"type": ctype, "custom_id": comp["custom_id"], "values": [str(v) for v in picked]})
            return out

        components = fill(modal.get("components") or [])
        if not components:
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": str(v)}]} for k, v in values.items()
            ]
        data = {"custom_id": modal["custom_id"], "components": components}
        payload = self._new_interaction_payload(InteractionType.MODAL_SUBMIT, data, fields, locale)
        if source_message is not None:
            payload["message"] = source_message
        ix = FakeInteraction(
            self,
            payload,
            guild_id=guild_id,
            channel_id=channel.id,
            user_id=user_id,
            label=f"modal:{modal['custom_id']}",
            message=source_message,
        )
        return await self._send_interaction(ix)

    def interaction_by_token(self, token: str) -> FakeInteraction | None:
        return self._interactions_by_token.get(token)
