"""Builds the domain services once and hands them out; nothing here is global."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.schema import Content
from bot.core.checkins import CheckinService
from bot.core.clock import Clock
from bot.core.club_posts import ClubPostService
from bot.core.clubs import ClubService
from bot.core.history import HistoryService
from bot.core.leaderboard import LeaderboardService
from bot.core.privacy import PrivacyService
from bot.core.progression import ProgressionService
from bot.core.routines import RoutineService
from bot.core.selftests import SelfTestService
from bot.core.standups import StandupService
from bot.core.state import StateStore
from bot.core.stats import StatsService
from bot.db.engine import SessionFactory
from bot.pictures.service import PictureService
from bot.scheduling.due_work import DueWorkQueue
from bot.settings import Settings


@dataclass
class Services:
    content: Content
    sessions: SessionFactory
    clock: Clock
    routines: RoutineService
    progression: ProgressionService
    checkins: CheckinService
    boards: LeaderboardService
    stats: StatsService
    privacy: PrivacyService
    selftests: SelfTestService
    clubs: ClubService
    posts: ClubPostService
    standups: StandupService
    state: StateStore
    due_work: DueWorkQueue
    pictures: PictureService
    history: HistoryService

    @classmethod
    def build(
        cls, content: Content, sessions: SessionFactory, clock: Clock, settings: Settings | None = None
    ) -> Services:
        settings = settings or Settings()
        checkins = CheckinService(sessions, clock)
        routines = RoutineService(sessions, content, clock)
        boards = LeaderboardService(sessions, clock)
        return cls(
            content=content,
            sessions=sessions,
            clock=clock,
            routines=routines,
            progression=ProgressionService(sessions, content, clock),
            checkins=checkins,
            boards=boards,
            stats=StatsService(sessions, clock),
            privacy=PrivacyService(sessions, clock),
            selftests=SelfTestService(sessions, content, clock, checkins),
            clubs=ClubService(sessions, content, clock),
            posts=ClubPostService(sessions, clock, routines, boards, timing=settings.post_timing()),
            standups=StandupService(sessions, clock, checkins),
            state=StateStore(sessions, clock),
            due_work=DueWorkQueue(sessions, clock, settings.due_work_timing()),
            pictures=PictureService(content),
            history=HistoryService(sessions, content, clock),
        )
