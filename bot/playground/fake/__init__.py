"""A fake Discord (REST API + gateway) on 127.0.0.1 that the real discord.py client talks to.

The playground runs the bot against it; the test suite and benchmarks use it too (``tests.fakediscord`` adds
a check of every request against Discord's published API spec). Usage::

    fake = FakeDiscord()
    await fake.start()
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    guild = fake.add_guild("Club")
    ...
    await fake.stop()
"""

from .interactions import CallbackType, FakeInteraction, InteractionType, OptionType
from .models import Call, ChannelType, FailRule, FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, Perm
from .server import FakeDiscord
from .validation import ApiError

__all__ = [
    "ApiError",
    "Call",
    "CallbackType",
    "ChannelType",
    "FailRule",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "InteractionType",
    "OptionType",
    "Perm",
]
