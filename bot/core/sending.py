"""The one way a claimed message is sent: tried again after a transient failure, looked for first when an
earlier attempt may have reached Discord.

Every send-once kind (weekly and board posts through :mod:`bot.core.club_posts`, the due-work jobs of
:mod:`bot.scheduling.due`) sends through :func:`attempt`: a nonce goes with every create (Discord drops a
repeat and the message can be found again), and after an ambiguous failure (no answer, a 5xx) or when a
claim is taken again after a crash or a shutdown, the channel or DM is searched for the message before
anything is sent again. A lasting failure (no access, DMs closed, refused) is not tried again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.core.delivery import DeliveryError, unexpected

log = logging.getLogger(__name__)

# Waits (seconds) between attempts within one run; a tick waits for its slowest item, so they stay short.
RETRY_DELAYS: tuple[float, ...] = (2.0, 10.0)
# A claim whose sends were tried this many times in all (in runs, across runs and restarts) is given up.
MAX_ATTEMPTS = 10
# A failure that outlasts the in-run retries is tried again later: after 1 min, 2, 4 … at most an hour apart.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try of a claim that failed ``attempts`` times (at least once)."""
    return min(BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 16), BACKOFF_MAX)


# How far before a claim's time the look for an earlier attempt starts (clock skew with Discord).
LOOK_BACK = timedelta(minutes=1)

Send = Callable[[], Awaitable[int | None]]
Find = Callable[[], Awaitable[int | None]]


@dataclass
class Attempt:
    """Where a send stands; read by the caller even when the send is cancelled midway."""

    attempts: int = 0
    message_id: int | None = None
    found: bool = False
    error: DeliveryError | None = None

    @property
    def sent(self) -> bool:
        return self.error is None


async def attempt(
    send: Send, find: Find | None, delays: Sequence[float], *, look_first: bool = False,
    state: Attempt | None = None, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    describe: str = "a send",
) -> Attempt:
    """``send()``, again after each of ``delays`` while it fails transiently; look with ``find()`` before a
    send when an earlier attempt may have been delivered. Never raises a send's error: it is in the result."""
    state = state or Attempt()
    look = look_first
    for delay in (*delays, None):
        if look and find is not None:
            try:
                found = await find()
            except Exception as error:  # could not look: sending again is the lesser harm (the nonce helps)
                log.warning("could not look for an earlier attempt of %s: %s", describe, error)
                found = None
            if found is not None:
                state.message_id, state.found, state.error = found, True, None
                return state
        state.attempts += 1
        try:
            state.message_id = await send()
        except DeliveryError as error:
            state.error = error
        except Exception as error:  # a bug must not leave the claim unrecorded
            log.warning("%s raised", describe, exc_info=error)
            state.error = unexpected(error)
        else:
            state.error = None
            return state
        log.warning("%s failed: %s (attempt %d)", describe, state.error, state.attempts)
        if not state.error.transient or delay is None:
            return state
        look = state.error.maybe_delivered
        await sleep(delay)
    return state  # pragma: no cover - the loop returns
