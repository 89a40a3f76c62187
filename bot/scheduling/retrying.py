"""Sending again after a transient failure, inside one tick, for due work whose claim is final.

Challenge results, nudges and re-test DMs are claimed once (:mod:`bot.scheduling.claim_source`): a claim
is never handed out again, so a 429, a 5xx or a dropped connection is tried again here, after a short
wait, before the outcome is recorded. A lasting failure (no access, DMs closed) is not retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.core.delivery import DeliveryError

T = TypeVar("T")

# Waits (seconds) between attempts; the tick waits for the slowest item, so they stay short.
RETRY_DELAYS: tuple[float, ...] = (2.0, 10.0)


async def with_retries(
    send: Callable[[], Awaitable[T]], delays: Sequence[float],
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """``send()``, and again after each of ``delays`` while it fails transiently; the last error is raised."""
    for delay in (*delays, None):
        try:
            return await send()
        except DeliveryError as error:
            if not error.transient or delay is None:
                raise
            await sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover
