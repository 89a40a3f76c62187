"""Payloads the fake sends: the application, READY, guilds, channels, and permission sums."""

from __future__ import annotations

import time
from typing import Any

from .gateway import Intent, Session
from .models import FakeChannel, FakeGuild, FakeMember, Perm


class PayloadsMixin:
    """Part of ``FakeDiscord``: building Discord payloads from the fake's world."""

    # ------------------------------------------------------------------------------------------------
    # payloads

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": (1 << 15) | (1 << 19) | (1 << 23),
            "owner": self.app_owner.payload(),
            "team": None,
            "bot": self.bot_user.payload(),
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": str(Perm.BOT_DEFAULT)},
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
        }

    def _ready_payload(self, session: Session, owned: list[FakeGuild]) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user.me_payload(),
            "user_settings": {},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in owned],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(self.application_id), "flags": (1 << 15) | (1 << 19) | (1 << 23)},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
            "auth": {},
            "_trace": ["fake-gateway"],
        }

    def guild_payload(self, guild: FakeGuild, *, with_counts: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "owner_id": str(guild.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in guild.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(guild.text_channel_id) if guild.text_channel_id else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "max_presences": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "description": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": guild.locale,
            "nsfw_level": 0,
            "nsfw": False,
            "widget_enabled": False,
            "widget_channel_id": None,
            "incidents_data": None,
        }
        if with_counts:
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return data

    def _guild_create_payload(self, guild: FakeGuild, session: Session, *, joined: bool) -> dict[str, Any]:
        data = self.guild_payload(guild)
        member_count = len(guild.members)
        large = member_count > session.large_threshold
        if session.intents & Intent.GUILD_MEMBERS and not large:
            members = [m.payload() for m in guild.members.values()]
        else:
            members = [guild.members[self.bot_user.id].payload()]
        data.update(
            {
                "joined_at": guild.joined_at,
                "large": large,
                "member_count": member_count,
                "voice_states": [],
                "members": members,
                "channels": [c.payload(include_guild_id=False) for c in guild.channels.values()],
                "threads": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "lazy": True,
                "embedded_activities": [],
                "application_command_counts": {},
                "hub_type": None,
                "latest_onboarding_question_id": None,
                "home_header": None,
                "version": int(time.time() * 1000),
            }
        )
        if not joined:
            data["unavailable"] = False
        return data

    def channel_payload(self, channel: FakeChannel) -> dict[str, Any]:
        recipient = self.users.get(channel.recipient_id) if channel.recipient_id else None
        return channel.payload(recipient=recipient)

    def bot_permissions_in(self, channel: FakeChannel) -> int:
        if channel.guild_id is None:
            return Perm.DM_DEFAULT
        guild = self.guilds[channel.guild_id]
        return guild.channel_permissions(guild.members[self.bot_user.id], channel)

    def member_permissions_in(self, guild: FakeGuild, member: FakeMember, channel: FakeChannel) -> int:
        if member.permissions is not None:
            return member.permissions
        return guild.channel_permissions(member, channel)
