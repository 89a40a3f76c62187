"""Self-test answers: stored privately, with the recommendation that follows from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.content.schema import Content, Outcome, SelfTest
from bot.core.checkins import CheckinService, Who, seen
from bot.core.clock import Clock
from bot.core.errors import DomainError, InvalidInput, NotFound, quoted
from bot.core.points import Kind
from bot.db.engine import SessionFactory
from bot.db.models import TestResult

SIDES = ("left", "right", "both")


class StaleAnswer(DomainError):
    """A button from a test run that was already answered."""


@dataclass(frozen=True)
class Recommendation:
    test: SelfTest
    outcome: Outcome
    side: str
    exercises: list[str]  # slugs, activation work first, then loaded work
    points_counted: bool


@dataclass(frozen=True)
class HistoryEntry:
    test_name: str
    side: str
    outcome_label: str
    weak: bool
    at: datetime


def activation_first(content: Content, outcome: Outcome) -> list[str]:
    """The outcome's exercises: activation/isolation first, then loaded work, then the rest (stretches)."""
    order = {"activation": 0, "loaded": 1, "stretch": 2}
    found = [s for s in outcome.exercises if s in content.exercises]
    return sorted(found, key=lambda s: order.get(content.exercises[s].type, 3))


def lead_in_for(content: Content, latest: TestResult | None) -> list[str]:
    """Activation exercises to start with when the latest self-test result was weak (best first)."""
    if latest is None or not latest.weak:
        return []
    test = content.selftests.get(latest.test_slug)
    outcome = next((o for o in test.outcomes if o.id == latest.outcome), None) if test else None
    if outcome is None:
        return []
    return [s for s in activation_first(content, outcome) if content.exercises[s].type == "activation"]


class SelfTestService:
    def __init__(self, sessions: SessionFactory, content: Content, clock: Clock, checkins: CheckinService) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self._checkins = checkins

    def test(self, slug: str) -> SelfTest:
        test = self._content.selftests.get(slug)
        if test is None:
            raise NotFound(f"There is no self-test called {quoted(slug)}.")
        return test

    def ordered_exercises(self, outcome: Outcome) -> list[str]:
        return activation_first(self._content, outcome)

    async def record(self, who: Who, slug: str, side: str, outcome_id: str, run_id: str) -> Recommendation:
        """Store one answer. A second answer for the same side of the same run is refused as stale."""
        test = self.test(slug)
        if side not in SIDES or (test.one_sided and side == "both") or (not test.one_sided and side != "both"):
            raise InvalidInput("That side does not fit this test.")
        try:
            outcome = test.outcome(outcome_id)
        except KeyError:
            raise InvalidInput("That answer is not one of this test's options.") from None
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await seen(session, who, now)
            assert club.id is not None
            assert member.id is not None
            try:
                async with session.begin_nested():
                    session.add(
                        TestResult(
                            member_id=member.id,
                            club_id=club.id,
                            test_slug=slug,
                            run_id=run_id[:16],
                            side=side,
                            outcome=outcome.id,
                            weak=outcome.weak,
                            created_at=now,
                        )
                    )
            except IntegrityError:
                await session.commit()
                where = "" if side == "both" else f" for the {side} side"
                raise StaleAnswer(
                    f"You already answered this test{where}. Start `/test {slug}` again to retake it."
                ) from None
            await session.commit()
        counted = (await self._checkins.record(who, Kind.TEST)).counted
        return Recommendation(test, outcome, side, self.ordered_exercises(outcome), counted)

    async def history(self, who: Who, limit: int = 15) -> list[HistoryEntry]:
        async with self._sessions() as session:
            _club, member = await seen(session, who, self._clock.now())
            await session.commit()
            rows = (
                await session.execute(
                    select(TestResult)
                    .where(TestResult.member_id == member.id)
                    .order_by(TestResult.created_at.desc(), TestResult.id.desc())
                    .limit(limit)
                )
            ).scalars()
            entries = []
            for row in rows:
                test = self._content.selftests.get(row.test_slug)
                if test is None:
                    continue
                label = next((o.label for o in test.outcomes if o.id == row.outcome), row.outcome)
                entries.append(HistoryEntry(test.name, row.side, label, row.weak, row.created_at))
            return entries
