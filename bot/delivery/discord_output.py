"""The one place that sends to Discord outside an interaction, and turns its errors into DeliveryError.

Weekly posts, stand-up DMs and closed-DM notices all go through :class:`DiscordOutput`: it finds the
channel, paces bulk sends under the global limit, and classifies every failure (transient or not, DMs
closed, channel gone, no access, and whether the message may have been created anyway).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
import discord

from bot.core.delivery import ChannelNotice, DeliveryError, Problem
from bot.ops.metrics import BotMetrics
from bot.pacing import Pacer

log = logging.getLogger(__name__)

# Discord's JSON error codes that decide what happens next.
UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
DMS_CLOSED = 50007
MISSING_PERMISSIONS = 50013


def translate(error: BaseException, where: str) -> DeliveryError:
    """A discord.py or network error as a DeliveryError; ``where`` names the target for the reason text."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, discord.Forbidden):
        if error.code == DMS_CLOSED:
            return DeliveryError("the member's DMs are closed", problem=Problem.DMS_CLOSED)
        return DeliveryError(
            f"I am not allowed to post in {where} ({error.text or error.status}). "
            "Check my View Channel, Send Messages and Embed Links permissions there.",
            problem=Problem.NO_ACCESS,
        )
    if isinstance(error, discord.NotFound):
        if error.code in (UNKNOWN_CHANNEL, 0):
            return DeliveryError(f"the channel {where} no longer exists", problem=Problem.CHANNEL_GONE)
        return DeliveryError(f"Discord did not find {where} ({error.code}: {error.text})", problem=Problem.REFUSED)
    if isinstance(error, discord.HTTPException) and error.status >= 500:
        # A 5xx may come after Discord created the message.
        return DeliveryError(f"HTTP {error.status} from Discord (a server error)", problem=Problem.TRANSIENT,
                             maybe_delivered=True)
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            return DeliveryError("Discord asked me to slow down (429)", problem=Problem.TRANSIENT)
        if error.code in (MISSING_ACCESS, MISSING_PERMISSIONS):
            return DeliveryError(f"I am not allowed to post in {where} ({error.text})", problem=Problem.NO_ACCESS)
        return DeliveryError(f"Discord refused the post ({error.status}: {error.text})", problem=Problem.REFUSED)
    if isinstance(error, (aiohttp.ClientError, OSError, TimeoutError)):
        # No answer at all (dropped connection, timeout, broken payload): the request may have gone through.
        return DeliveryError(f"network error ({type(error).__name__})", problem=Problem.TRANSIENT,
                             maybe_delivered=True)
    raise TypeError(f"not a Discord or network error: {error!r}")


_DISCORD_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)

# How often discord.py may sweep its per-route rate-limit buckets for idle ones.
BUCKET_SWEEP_SECONDS = 60.0


def sweep_buckets_less_often(http: Any, every: float = BUCKET_SWEEP_SECONDS) -> None:
    """Let discord.py look for idle rate-limit buckets once a minute, not on every new one.

    Each channel posted to gets its own bucket; past 256 buckets discord.py scans all of them for idle
    ones (unused for 5 minutes) every time it adds one, so a fan-out to thousands of channels scans
    thousands of buckets per post (quadratic over the minute). A bucket only becomes idle after five
    minutes, so sweeping once a minute frees the same ones.
    """
    sweep = getattr(http, "_try_clear_expired_ratelimits", None)
    if sweep is None:  # a discord.py without the sweep: nothing to do
        return
    last = [float("-inf")]

    def sweep_sometimes() -> None:
        now = time.monotonic()
        if now - last[0] >= every:
            last[0] = now
            sweep()

    http._try_clear_expired_ratelimits = sweep_sometimes


class DiscordOutput:
    """Posts to channels, DMs members, and looks for a post that may have gone out already."""

    def __init__(self, bot: discord.Client, pacer: Pacer | None = None, *, metrics: BotMetrics | None = None) -> None:
        self.bot = bot
        # Bulk sends share the minute across clubs: stay just under the global 50 requests/s.
        self.pacer = pacer or Pacer(per_second=49)
        self.metrics = metrics

    def _failed(self, kind: str, error: DeliveryError) -> DeliveryError:
        if self.metrics is not None:
            self.metrics.sent(kind, "retry" if error.problem is Problem.TRANSIENT else "failed")
        return error

    def _sent(self, kind: str, message: discord.Message) -> discord.Message:
        if self.metrics is not None:
            self.metrics.sent(kind, "sent")
        return message

    async def _channel(self, channel_id: int, guild_id: int | None = None) -> discord.abc.Messageable:
        # Through the guild when it is known: the client's own lookup walks every guild it is in.
        guild = self.bot.get_guild(guild_id) if guild_id is not None else None
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else self.bot.get_channel(channel_id)
        if channel is None:
            async with self.pacer.slot():
                channel = await self.bot.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise DeliveryError("the configured channel is not a text channel", problem=Problem.REFUSED)
        return channel

    async def post(self, channel_id: int, *, guild_id: int | None = None, **kwargs: Any) -> discord.Message:
        """Send to a channel (paced); ``nonce`` in kwargs makes Discord drop a repeat of the same send.
        ``guild_id``, when given, is the channel's guild (a faster lookup)."""
        return await self._post("post", channel_id, guild_id, kwargs)

    async def _post(self, kind: str, channel_id: int, guild_id: int | None, kwargs: dict[str, Any]) -> discord.Message:
        try:
            channel = await self._channel(channel_id, guild_id)
            async with self.pacer.slot():
                return self._sent(kind, await channel.send(**kwargs))
        except _DISCORD_ERRORS as error:
            raise self._failed(kind, translate(error, f"<#{channel_id}>")) from error

    async def _dm_channel(self, user_id: int) -> discord.abc.Messageable:
        # A DM is up to two requests (open the DM channel, send): each waits for the pacer.
        user = self.bot.get_user(user_id)
        if user is not None and user.dm_channel is not None:
            return user.dm_channel
        # Users are rarely cached (no member cache): open the DM directly, one request instead of two.
        async with self.pacer.slot():
            opening = user.create_dm() if user is not None else self.bot.create_dm(discord.Object(id=user_id))
            return await opening

    async def dm(self, user_id: int, **kwargs: Any) -> discord.Message:
        """Send a DM (``nonce`` as for :meth:`post`); closed DMs raise DeliveryError with Problem.DMS_CLOSED."""
        try:
            channel = await self._dm_channel(user_id)
            async with self.pacer.slot():
                return self._sent("dm", await channel.send(**kwargs))
        except _DISCORD_ERRORS as error:
            raise self._failed("dm", translate(error, f"a DM to {user_id}")) from error

    async def find_post(
        self, channel_id: int, nonce: str, since: datetime, looks_like: Callable[[discord.Message], bool],
        guild_id: int | None = None,
    ) -> int | None:
        """The id of a message of ours in the channel, sent since ``since``, with this nonce (or, where Discord
        does not echo nonces in history, that ``looks_like`` the post). None when there is none."""
        try:
            return await self._find_in(await self._channel(channel_id, guild_id), nonce, since, looks_like)
        except _DISCORD_ERRORS as error:
            raise translate(error, f"<#{channel_id}>") from error

    async def find_dm(
        self, user_id: int, nonce: str, since: datetime, looks_like: Callable[[discord.Message], bool]
    ) -> int | None:
        """:meth:`find_post` in the DM with ``user_id``."""
        try:
            return await self._find_in(await self._dm_channel(user_id), nonce, since, looks_like)
        except _DISCORD_ERRORS as error:
            raise translate(error, f"a DM to {user_id}") from error

    async def _find_in(
        self, channel: discord.abc.Messageable, nonce: str, since: datetime,
        looks_like: Callable[[discord.Message], bool],
    ) -> int | None:
        if not isinstance(channel, discord.abc.GuildChannel | discord.abc.PrivateChannel | discord.Thread):
            return None
        me = self.bot.user
        after = discord.Object(id=discord.utils.time_snowflake(since, high=False))
        async with self.pacer.slot():
            messages = [m async for m in channel.history(limit=50, after=after)]  # type: ignore[union-attr]
        for message in messages:
            if me is None or message.author.id != me.id:
                continue
            if message.nonce is not None and str(message.nonce) == nonce:
                return message.id
            if message.nonce is None and looks_like(message):
                return message.id
        return None

    async def notice(self, notice: ChannelNotice) -> None:
        """A short public message in a club channel that may mention one member and nobody else."""
        mentions = discord.AllowedMentions(
            everyone=False, roles=False, users=[discord.Object(id=notice.user_id)] if notice.user_id else False
        )
        await self._post("notice", notice.channel_id, None, {"content": notice.text, "allowed_mentions": mentions})
