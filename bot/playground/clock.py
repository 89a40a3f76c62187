"""The playground's clock: the machine's time plus an offset that the page moves forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ShiftedClock:
    """A Clock (bot.core.clock) that runs with real time but can jump ahead; the machine's clock is untouched."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def jump_to(self, instant: datetime) -> None:
        """Move to ``instant`` (never backwards: the bot's records assume time goes forward)."""
        if instant.tzinfo is None:
            raise ValueError("jump_to needs an aware datetime")
        self.offset += max(timedelta(0), instant - self.now())
