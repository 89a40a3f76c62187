"""Builds the domain services once and hands them out; nothing here is global."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.schema import Content
from bot.core.challenges import ChallengeService
from bot.core.checkins import CheckinService
from bot.core.clock import Clock
from bot.core.club_posts import ClubPostService
from bot.core.clubs import ClubService
from bot.core.history import HistoryService
from bot.core.leaderboard import LeaderboardService
from bot.core.nudges import NudgeService
from bot.core.privacy import PrivacyService
from bot.core.progression import ProgressionService
from bot.core.retests import RetestService
from bot.core.routines import RoutineService
from bot.core.selftests import SelfTestService
from bot.core.standups import StandupService
from bot.core.state import StateStore
from bot.core.stats import StatsService
from bot.core.winner_role import WinnerRoleService
from bot.db.engine import SessionFactory
from bot.db.rowcache import RowCache
from bot.i18n import Languages
from bot.pictures.service import PictureService
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
    nudges: NudgeService
    winner_roles: WinnerRoleService
    retests: RetestService
    challenges: ChallengeService
    pictures: PictureService
    history: HistoryService
    # The message catalogues: which language an answer is written in (bot.i18n).
    languages: Languages
    # The club and member rows the press path keeps (and, with them, each club's language).
    rows: RowCache = field(default_factory=RowCache)

    @classmethod
    def build(
        cls, content: Content, sessions: SessionFactory, clock: Clock, settings: Settings | None = None
    ) -> Services:
        settings = settings or Settings()
        languages = Languages()
        rows = RowCache()  # club and member rows for the check-in path; the services that change them drop them
        checkins = CheckinService(sessions, clock, rows)
        routines = RoutineService(sessions, content, clock)
        boards = LeaderboardService(sessions, clock, rows)
        return cls(
            content=content,
            sessions=sessions,
            clock=clock,
            routines=routines,
            progression=ProgressionService(sessions, content, clock),
            checkins=checkins,
            boards=boards,
            stats=StatsService(sessions, clock),
            privacy=PrivacyService(sessions, clock, rows),
            selftests=SelfTestService(sessions, content, clock, checkins),
            clubs=ClubService(sessions, content, clock, rows, retry_delays=settings.club_save_retry_delays),
            posts=ClubPostService(sessions, clock, routines, boards, timing=settings.post_timing(),
                                  languages=languages),
            standups=StandupService(sessions, clock, checkins),
            state=StateStore(sessions, clock),
            nudges=NudgeService(sessions, clock),
            winner_roles=WinnerRoleService(sessions, clock),
            retests=RetestService(sessions, clock, {slug: t.name for slug, t in content.selftests.items()}),
            challenges=ChallengeService(sessions, clock),
            pictures=PictureService(content),
            history=HistoryService(sessions, content, clock),
            languages=languages,
            rows=rows,
        )
