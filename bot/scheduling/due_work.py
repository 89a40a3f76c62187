"""One shape for database-driven scheduled work, and the DM delivery with its closed-DM fallback.

A feature supplies three things: ``claim(limit)`` (its due rows, claimed exactly once and
advanced in one transaction, see :mod:`bot.core.due_claims`), ``deliver(item)`` (returns an
:class:`Outcome`) and the claim id of an item. :class:`DueTicker` runs the loop: claim a batch,
deliver it concurrently (discord.py's rate limiter paces the requests), record every outcome,
and go on while rows are due, up to a bound per tick. :class:`DmDelivery` sends a DM and, when
the member's DMs are closed, tells them once in the club's channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import discord

from bot.core.clock import Clock
from bot.core.due_claims import Finished, Outcome, finish_claims
from bot.db.engine import SessionFactory

log = logging.getLogger(__name__)

T = TypeVar("T")

# Discord's "Cannot send messages to this user": DMs closed, or no shared server.
DMS_CLOSED = 50007


@dataclass
class DueTicker(Generic[T]):
    """Claims and delivers one feature's due work; ``tick()`` is what the scheduler runs."""

    name: str
    claim: Callable[[int], Awaitable[list[T]]]
    has_due: Callable[[], Awaitable[bool]]
    deliver: Callable[[T], Awaitable[tuple[Outcome, str | None]]]
    claim_id: Callable[[T], int]
    sessions: SessionFactory
    clock: Clock
    batch_size: int = 500
    max_batches: int = 20

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()

    async def tick(self) -> int:
        """Claim what is due and deliver it; returns how many items were sent (or fell back)."""
        if self._lock.locked():
            return 0
        sent = 0
        async with self._lock:
            for _ in range(self.max_batches):
                batch = await self.claim(self.batch_size)
                if batch:
                    results = await asyncio.gather(*(self.deliver(item) for item in batch), return_exceptions=True)
                    finished = []
                    for item, result in zip(batch, results, strict=True):
                        if isinstance(result, BaseException):
                            log.error("%s: delivering claim %s failed", self.name, self.claim_id(item),
                                      exc_info=result)
                            finished.append(Finished(self.claim_id(item), Outcome.FAILED, repr(result)))
                            continue
                        outcome, error = result
                        sent += outcome in (Outcome.SENT, Outcome.FALLBACK)
                        finished.append(Finished(self.claim_id(item), outcome, error))
                    await finish_claims(self.sessions, finished, self.clock.now())
                if not await self.has_due():
                    break
        if sent:
            log.info("%s tick: %d sent", self.name, sent)
        return sent


class DmDelivery:
    """Sends DMs; on closed DMs, runs the feature's ``on_closed`` and mentions the member in the channel once."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    async def send(
        self,
        user_id: int,
        content: str,
        *,
        view: discord.ui.View | None = None,
        channel_id: int | None = None,
        on_closed: Callable[[], Awaitable[bool]] | None = None,
        fallback: Callable[[], tuple[str, discord.ui.View | None]] | None = None,
    ) -> tuple[Outcome, str | None]:
        """DM ``content``; when DMs are closed and ``on_closed()`` says it is the first time,
        post ``fallback()`` in ``channel_id`` mentioning the member."""
        try:
            channel = await self._dm_channel(user_id)
            kwargs: dict[str, Any] = {"content": content}
            if view is not None:
                kwargs["view"] = view
            await channel.send(**kwargs)
        except discord.Forbidden as error:
            if error.code != DMS_CLOSED:
                log.warning("DM to user %s refused: %s (code %s)", user_id, error.text, error.code)
                return Outcome.FAILED, f"forbidden {error.code}"
            first = await on_closed() if on_closed is not None else False
            if not first or channel_id is None or fallback is None:
                return Outcome.FAILED, "dms closed"
            text, fallback_view = fallback()
            if await self.mention(channel_id, user_id, text, fallback_view):
                return Outcome.FALLBACK, "dms closed"
            return Outcome.FAILED, "dms closed; channel post failed"
        except discord.HTTPException as error:
            log.warning("DM to user %s failed: HTTP %s (code %s) %s", user_id, error.status, error.code, error.text)
            return Outcome.FAILED, f"http {error.status} {error.code}"
        return Outcome.SENT, None

    async def mention(self, channel_id: int, user_id: int, text: str, view: discord.ui.View | None = None) -> bool:
        """Post ``text`` in the channel, pinging only ``user_id``."""
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                return False
            kwargs: dict[str, Any] = {
                "content": text,
                "allowed_mentions": discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(id=user_id)]
                ),
            }
            if view is not None:
                kwargs["view"] = view
            await channel.send(**kwargs)
        except discord.HTTPException as error:
            log.warning("could not mention user %s in channel %s: HTTP %s (code %s)",
                        user_id, channel_id, error.status, error.code)
            return False
        return True

    async def _dm_channel(self, user_id: int) -> discord.abc.Messageable:
        user = self.bot.get_user(user_id)
        if user is not None:
            return user.dm_channel or await user.create_dm()
        return await self.bot.create_dm(discord.Object(id=user_id))
