"""Key–value facts the bot keeps about itself in the database."""

from __future__ import annotations

from bot.core.clock import Clock
from bot.db.engine import SessionFactory
from bot.db.models import BotState


class StateStore:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def get(self, key: str) -> str | None:
        async with self._sessions() as session:
            row = await session.get(BotState, key)
            return row.value if row else None

    async def set(self, key: str, value: str) -> None:
        async with self._sessions() as session:
            row = await session.get(BotState, key)
            if row is None:
                row = BotState(key=key, value=value, updated_at=self._clock.now())
            else:
                row.value = value
                row.updated_at = self._clock.now()
            session.add(row)
            await session.commit()
