"""Self-test answers: stored privately, with the recommendation that follows from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bot.content.schema import (
    STAGE_TITLES,
    Content,
    Dose,
    Outcome,
    RoutineStep,
    SelfTest,
    lead_in_dose,
    session_seconds,
)
from bot.core.checkins import CheckinService
from bot.core.clock import Clock
from bot.core.errors import DomainError, InvalidInput, NotFound, quoted
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import Kind
from bot.core.progression import member_step, routine_for
from bot.db.engine import SessionFactory
from bot.db.models import TestResult
from bot.db.repo import recent_test_results
from bot.i18n import N_

SIDES = ("left", "right", "both")


class StaleAnswer(DomainError):
    """A button from a test run that was already answered."""


@dataclass(frozen=True)
class StagedExercise:
    slug: str
    dose: Dose
    easier: str | None = None  # the card's easier form, when the stage asks for it


@dataclass(frozen=True)
class PlanStep:
    """One stage of a result's plan: when to start it, what to do, how often."""

    when: str  # "this-week", "when-easy" or "then"
    title: str
    exercises: list[StagedExercise]
    per_week: int
    per_week_suggested: bool
    with_earlier: str | None = None  # "adds" or "replaces"; None for the first stage
    session: list[StagedExercise] = field(default_factory=list)  # everything done that day, earlier stages' too

    @property
    def seconds(self) -> int:
        return session_seconds([e.dose for e in self.session or self.exercises])


@dataclass(frozen=True)
class Recommendation:
    test: SelfTest
    outcome: Outcome
    side: str
    exercises: list[str]  # every slug the result names, the lead-in first
    points_counted: bool
    lead_in: StagedExercise | None = None  # one short set before the routine
    stages: list[PlanStep] = field(default_factory=list)
    routine: RoutineStep | None = None  # the member's own step on the club routine


def staged_plan(content: Content, outcome: Outcome) -> tuple[StagedExercise | None, list[PlanStep]]:
    """The result as a plan: a one-set lead-in (weak results), then this week / when easy / then, each stage
    adding to the one before or replacing it."""
    lead = None
    if outcome.lead_in and outcome.lead_in in content.exercises:
        lead = StagedExercise(outcome.lead_in, lead_in_dose(content.exercises[outcome.lead_in].dose))
    stages: list[PlanStep] = []
    for stage in outcome.stages:
        own = [
            StagedExercise(s, content.exercises[s].dose, content.exercises[s].easier if s in stage.easier else None)
            for s in stage.exercises
            if s in content.exercises
        ]
        kept = stages[-1].session if stages and stage.with_earlier == "adds" else []
        stages.append(
            PlanStep(
                when=stage.when,
                title=STAGE_TITLES[stage.when],
                exercises=own,
                per_week=stage.per_week,
                per_week_suggested=stage.per_week_suggested,
                with_earlier=stage.with_earlier,
                session=[*kept, *own],
            )
        )
    return lead, stages


@dataclass(frozen=True)
class HistoryEntry:
    test_name: str
    side: str
    outcome_label: str
    weak: bool
    at: datetime
    unsure: bool = False
    side_word: str = "side"  # what the side names on this test: "leg standing", "leg lifted"
    test_slug: str = ""  # to show the test and outcome in another language
    outcome_id: str = ""


def lead_in_for(content: Content, latest: TestResult | None) -> str | None:
    """The short activation set to do before the routine when the latest self-test result was weak."""
    if latest is None or not latest.weak:
        return None
    test = content.selftests.get(latest.test_slug)
    outcome = next((o for o in test.outcomes if o.id == latest.outcome), None) if test else None
    return outcome.lead_in if outcome is not None else None


class SelfTestService:
    def __init__(self, sessions: SessionFactory, content: Content, clock: Clock, checkins: CheckinService) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self._checkins = checkins

    def test(self, slug: str) -> SelfTest:
        test = self._content.selftests.get(slug)
        if test is None:
            raise NotFound(N_("There is no self-test called {name}."), name=quoted(slug))
        return test

    async def record(self, who: Who, slug: str, side: str, outcome_id: str, run_id: str) -> Recommendation:
        """Store one answer. A second answer for the same side of the same run is refused as stale."""
        test = self.test(slug)
        if side not in SIDES or (test.one_sided and side == "both") or (not test.one_sided and side != "both"):
            raise InvalidInput(N_("That side does not fit this test."))
        try:
            outcome = test.outcome(outcome_id)
        except KeyError:
            raise InvalidInput(N_("That answer is not one of this test's options.")) from None
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
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
                if side == "both":
                    raise StaleAnswer(N_("You already answered this test. Start `/test {slug}` again to retake it."),
                                      slug=slug) from None
                if side == "left":
                    raise StaleAnswer(N_("You already answered this test for the left side. "
                                         "Start `/test {slug}` again to retake it."), slug=slug) from None
                raise StaleAnswer(N_("You already answered this test for the right side. "
                                     "Start `/test {slug}` again to retake it."), slug=slug) from None
            routine = routine_for(self._content, club)
            step = routine.step(await member_step(session, member.id, routine))
            await session.commit()
        counted = (await self._checkins.record(who, Kind.TEST)).counted
        lead, stages = staged_plan(self._content, outcome)
        exercises = [s for s in outcome.exercises if s in self._content.exercises]
        return Recommendation(test, outcome, side, exercises, counted, lead_in=lead, stages=stages, routine=step)

    async def history(self, who: Who, limit: int = 15) -> list[HistoryEntry]:
        async with self._sessions() as session:
            _club, member = await ensure_club_and_member(session, who, self._clock.now())
            await session.commit()
            rows = await recent_test_results(session, member.id, limit)
            entries = []
            for row in rows:
                test = self._content.selftests.get(row.test_slug)
                if test is None:
                    continue
                outcome = next((o for o in test.outcomes if o.id == row.outcome), None)
                label = outcome.label if outcome is not None else row.outcome
                unsure = outcome is not None and outcome.unsure
                entries.append(
                    HistoryEntry(test.name, row.side, label, row.weak, row.created_at, unsure, test.side_word,
                                 test.slug, row.outcome)
                )
            return entries
