"""Builds the domain services once and hands them out; nothing here is global."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.schema import Content
from bot.core.clock import Clock
from bot.core.routines import RoutineService
from bot.db.engine import SessionFactory


@dataclass
class Services:
    content: Content
    sessions: SessionFactory
    clock: Clock
    routines: RoutineService

    @classmethod
    def build(cls, content: Content, sessions: SessionFactory, clock: Clock) -> Services:
        return cls(
            content=content,
            sessions=sessions,
            clock=clock,
            routines=RoutineService(sessions, content, clock),
        )
