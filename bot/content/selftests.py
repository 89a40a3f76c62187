"""Self-tests: their outcomes and the staged plan a weak result gives."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from bot.content.base import (
    LABEL_MAX,
    Name,
    ShortText,
    Slug,
    Step,
    StrictModel,
    Text,
    check_sources,
)
from bot.i18n import N_

OutcomeLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LABEL_MAX)]

# A result's plan, in order: what to do now, what to add once it gets easy, and after that.
PLAN_STAGES = ("this-week", "when-easy", "then")
STAGE_TITLES = {"this-week": N_("This week"), "when-easy": N_("When it gets easy"), "then": N_("Then")}
LEAD_IN_SECONDS_MAX = 120
# How a later stage relates to the one before it, as a member reads it.
WITH_EARLIER = {"adds": N_("adds to the moves before"), "replaces": N_("replaces the moves before")}




class PlanStage(StrictModel):
    when: Literal["this-week", "when-easy", "then"]
    exercises: list[Slug]
    # Exercises of this stage done in their card's easier form (the card's `easier` text).
    easier: list[Slug] = Field(default_factory=list)
    # Every stage after the first says whether it adds to the stage before or replaces it.
    with_earlier: Literal["adds", "replaces"] | None = None
    per_week: int = Field(ge=1, le=3)
    per_week_source: ShortText | None = None
    per_week_suggested: bool = False

    @model_validator(mode="after")
    def _sane(self) -> PlanStage:
        if not 1 <= len(self.exercises) <= 3:
            raise ValueError("a stage lists 1–3 exercises")
        if bool(self.per_week_source) == self.per_week_suggested:
            raise ValueError("per_week needs either per_week_source or per_week_suggested: true")
        if not set(self.easier) <= set(self.exercises):
            raise ValueError("easier names exercises of this stage only")
        return self


class Outcome(StrictModel):
    id: Slug
    label: OutcomeLabel
    weak: bool
    # "Can't tell": neither weak nor fine; shown without a verdict.
    unsure: bool = False
    recommendation: Text
    # For a weak result: one short activation set before the routine (1 set, under 2 minutes).
    lead_in: Slug | None = None
    stages: list[PlanStage] = Field(default_factory=list)

    @model_validator(mode="after")
    def _staged(self) -> Outcome:
        if self.weak and (self.lead_in is None or not self.stages):
            raise ValueError("a weak outcome needs a lead_in and a staged plan")
        if not self.weak and self.lead_in is not None:
            raise ValueError("only a weak outcome has a lead_in")
        if not self.weak and self.stages:
            raise ValueError("a result that is not weak keeps to the weekly routine: give it no stages")
        if self.weak and self.unsure:
            raise ValueError("an unsure result is not weak")
        order = [PLAN_STAGES.index(s.when) for s in self.stages]
        if order != sorted(set(order)):
            raise ValueError(f"stages go in this order, each once: {', '.join(PLAN_STAGES)}")
        for index, stage in enumerate(self.stages):
            if (index == 0) != (stage.with_earlier is None):
                raise ValueError("every stage after the first says with_earlier: adds or replaces (the first none)")
        return self

    @property
    def exercises(self) -> list[str]:
        """Every exercise the outcome names: the lead-in, then each stage's."""
        slugs = [self.lead_in] if self.lead_in else []
        for stage in self.stages:
            slugs += stage.exercises
        return list(dict.fromkeys(slugs))


class SelfTest(StrictModel):
    slug: Slug
    name: Name
    summary: ShortText
    one_sided: bool
    # What "left" or "right" names on a one-sided test's buttons: "leg standing" means the leg on the floor.
    side_word: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = "side"
    steps: list[Step]
    look_for: list[ShortText]
    outcomes: list[Outcome]
    safety: list[ShortText]
    sources: list[str]
    source: ShortText

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[str]) -> list[str]:
        if not 2 <= len(steps) <= 8:
            raise ValueError(f"give 2–8 steps (got {len(steps)})")
        return steps

    @field_validator("look_for", "safety")
    @classmethod
    def _non_empty(cls, items: list[str]) -> list[str]:
        if not 1 <= len(items) <= 5:
            raise ValueError(f"give 1–5 entries (got {len(items)})")
        return items

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, outcomes: list[Outcome]) -> list[Outcome]:
        # Outcomes become buttons: at most five fit in one row.
        if not 2 <= len(outcomes) <= 5:
            raise ValueError(f"give 2–5 outcomes (got {len(outcomes)})")
        ids = [o.id for o in outcomes]
        if len(set(ids)) != len(ids):
            raise ValueError("outcome ids must be unique")
        if not any(o.weak for o in outcomes) or all(o.weak for o in outcomes):
            raise ValueError("a test needs at least one weak and one not-weak outcome")
        return outcomes

    @field_validator("sources")
    @classmethod
    def _sources(cls, sources: list[str]) -> list[str]:
        return check_sources(sources)

    def outcome(self, outcome_id: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise KeyError(outcome_id)
