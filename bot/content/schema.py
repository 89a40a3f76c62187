"""Typed models for the club's training content (exercises, routines, self-tests, guide).

Every model forbids unknown keys, so a typo in a YAML file is reported instead of ignored.
Cross-references between files (routine items, easier/harder variants, outcome exercises)
are checked by :mod:`bot.content.loader`, which sees all files at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.content.poses import PoseBook

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# The five source articles, by number.
SOURCE_IDS = frozenset({"000", "001", "002", "003", "004"})

MUSCLES = frozenset(
    {
        "gluteus-maximus",
        "gluteus-medius",
        "gluteus-minimus",
        "tfl",
        "hamstrings",
        "piriformis",
        "core",
        "quads",
        "hip-flexors",
        "adductors",
        "calves",
    }
)
EQUIPMENT = frozenset({"none", "band", "dumbbell", "barbell", "wall", "step", "mat", "chair"})
POSITIONS = frozenset({"lying", "side-lying", "standing", "plank", "kneeling", "seated"})
ExerciseType = Literal["activation", "loaded", "stretch"]

# Discord limits the texts must respect (embed field value 1024, whole embed 6000).
NAME_MAX = 80
STEP_MAX = 200
CUE_MAX = 120
FIELD_MAX = 1024
EXERCISE_EMBED_MAX = 4000
LABEL_MAX = 30

# Sane bounds for any dose, shipped or produced by a progression.
SETS_MAX = 10
REPS_MAX = 50
HOLD_MAX = 180
MINUTES_MAX = 30
SESSIONS_MAX = 7

Slug = Annotated[str, StringConstraints(pattern=SLUG_RE.pattern, max_length=60)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=FIELD_MAX)]
Step = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=STEP_MAX)]
Cue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=CUE_MAX)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)]


def looks_like_slug(value: str) -> bool:
    """True for kebab-case text such as ``glute-bridge`` (a link to another exercise)."""
    return bool(SLUG_RE.match(value))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_sources(sources: list[str]) -> list[str]:
    if not sources:
        raise ValueError("name at least one source article")
    unknown = sorted(set(sources) - SOURCE_IDS)
    if unknown:
        raise ValueError(f"unknown source article(s) {unknown}; known: {sorted(SOURCE_IDS)}")
    if len(set(sources)) != len(sources):
        raise ValueError("a source is listed twice")
    return sources


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def _bulleted(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


class Dose(_Model):
    """How much of an exercise: sets × reps, holds in seconds, or minutes; optionally per side."""

    sets: int | None = Field(default=None, ge=1, le=SETS_MAX)
    reps: int | None = Field(default=None, ge=1, le=REPS_MAX)
    reps_max: int | None = Field(default=None, ge=1, le=REPS_MAX)
    hold_seconds: int | None = Field(default=None, ge=1, le=HOLD_MAX)
    hold_seconds_max: int | None = Field(default=None, ge=1, le=HOLD_MAX)
    per_side: bool = False
    side_word: Literal["side", "leg"] = "side"
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24)] = "reps"
    minutes: float | None = Field(default=None, gt=0, le=MINUTES_MAX)
    note: ShortText | None = None

    @model_validator(mode="after")
    def _sane(self) -> Dose:
        if self.reps is None and self.hold_seconds is None and self.minutes is None:
            raise ValueError("a dose needs reps, hold_seconds or minutes")
        if self.minutes is not None and (self.reps is not None or self.hold_seconds is not None):
            raise ValueError("minutes cannot be combined with reps or hold_seconds")
        if self.reps_max is not None and (self.reps is None or self.reps_max <= self.reps):
            raise ValueError("reps_max needs reps and must be larger than reps")
        if self.hold_seconds_max is not None and (
            self.hold_seconds is None or self.hold_seconds_max <= self.hold_seconds
        ):
            raise ValueError("hold_seconds_max needs hold_seconds and must be larger than it")
        if self.sets is not None and self.reps is None and self.hold_seconds is None:
            raise ValueError("sets need reps or hold_seconds")
        return self

    def render(self) -> str:
        """Short text for a message: ``10 × 10 s hold``, ``10–15 reps per leg``, ``30 s per side``."""
        side = f" per {self.side_word}" if self.per_side else ""
        hold = None
        if self.hold_seconds is not None:
            top = f"–{self.hold_seconds_max}" if self.hold_seconds_max else ""
            hold = f"{self.hold_seconds}{top} s"
        if self.reps is not None:
            top = f"–{self.reps_max}" if self.reps_max else ""
            text = f"{self.reps}{top} {self.unit}{side}"
            if self.sets is not None and self.sets > 1:
                text = f"{self.sets} × {text}"
            if hold:
                text += f", {hold} hold each"
        elif hold is not None:
            text = f"{self.sets} × {hold} hold{side}" if self.sets is not None and self.sets > 1 else f"{hold}{side}"
        else:
            text = f"{self.minutes:g} min"
        if self.note:
            text += f" ({self.note})"
        return text

    def scaled(self, extra_reps: int, extra_hold: int, reps_cap: int, hold_cap: int) -> Dose:
        """This dose made harder by a progression step, never past the caps or the dose's own top."""
        update: dict[str, object] = {}
        if self.reps is not None and extra_reps:
            top = self.reps_max if self.reps_max is not None else max(reps_cap, self.reps)
            reps = min(self.reps + extra_reps, top)
            update["reps"] = reps
            update["reps_max"] = self.reps_max if self.reps_max is not None and self.reps_max > reps else None
        if self.hold_seconds is not None and extra_hold:
            top = self.hold_seconds_max if self.hold_seconds_max is not None else max(hold_cap, self.hold_seconds)
            hold = min(self.hold_seconds + extra_hold, top)
            update["hold_seconds"] = hold
            update["hold_seconds_max"] = (
                self.hold_seconds_max if self.hold_seconds_max is not None and self.hold_seconds_max > hold else None
            )
        if not update:
            return self
        return Dose.model_validate({**self.model_dump(), **update})


class Exercise(_Model):
    slug: Slug
    name: Name
    aliases: list[Name] = Field(default_factory=list)
    summary: ShortText
    muscles: list[str]
    equipment: list[str]
    position: str
    type: ExerciseType
    dose: Dose
    source_dose: bool = True
    steps: list[Step]
    cues: list[Cue]
    mistakes: list[ShortText]
    easier: ShortText | None = None
    harder: ShortText | None = None
    safety: list[ShortText]
    sources: list[str]

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, aliases: list[str]) -> list[str]:
        seen = set()
        for alias in aliases:
            key = alias.casefold()
            if key in seen:
                raise ValueError(f"alias {alias!r} is listed twice")
            seen.add(key)
        return aliases

    @field_validator("muscles")
    @classmethod
    def _muscles(cls, muscles: list[str]) -> list[str]:
        if not muscles:
            raise ValueError("name at least one muscle")
        unknown = sorted(set(muscles) - MUSCLES)
        if unknown:
            raise ValueError(f"unknown muscle(s) {unknown}; known: {sorted(MUSCLES)}")
        if len(set(muscles)) != len(muscles):
            raise ValueError("a muscle is listed twice")
        return muscles

    @field_validator("equipment")
    @classmethod
    def _equipment(cls, equipment: list[str]) -> list[str]:
        if not equipment:
            raise ValueError("name the equipment, or use [none]")
        unknown = sorted(set(equipment) - EQUIPMENT)
        if unknown:
            raise ValueError(f"unknown equipment {unknown}; known: {sorted(EQUIPMENT)}")
        if "none" in equipment and len(equipment) > 1:
            raise ValueError("'none' cannot be combined with other equipment")
        if len(set(equipment)) != len(equipment):
            raise ValueError("equipment is listed twice")
        return equipment

    @field_validator("position")
    @classmethod
    def _position(cls, position: str) -> str:
        if position not in POSITIONS:
            raise ValueError(f"unknown position {position!r}; known: {sorted(POSITIONS)}")
        return position

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[str]) -> list[str]:
        if not 2 <= len(steps) <= 8:
            raise ValueError(f"give 2–8 steps (got {len(steps)})")
        if len(_numbered(steps)) > FIELD_MAX:
            raise ValueError(f"steps together must fit in {FIELD_MAX} characters")
        return steps

    @field_validator("cues")
    @classmethod
    def _cues(cls, cues: list[str]) -> list[str]:
        if not 2 <= len(cues) <= 4:
            raise ValueError(f"give 2–4 coaching cues (got {len(cues)})")
        return cues

    @field_validator("mistakes", "safety")
    @classmethod
    def _short_list(cls, items: list[str]) -> list[str]:
        if not 1 <= len(items) <= 4:
            raise ValueError(f"give 1–4 entries (got {len(items)})")
        if len(_bulleted(items)) > FIELD_MAX:
            raise ValueError(f"entries together must fit in {FIELD_MAX} characters")
        return items

    @field_validator("sources")
    @classmethod
    def _sources(cls, sources: list[str]) -> list[str]:
        return _check_sources(sources)

    @model_validator(mode="after")
    def _links(self) -> Exercise:
        for which in ("easier", "harder"):
            if getattr(self, which) == self.slug:
                raise ValueError(f"{which} cannot point to the exercise itself")
        if any(alias.casefold() == self.name.casefold() for alias in self.aliases):
            raise ValueError("an alias repeats the name")
        if self.embed_length() > EXERCISE_EMBED_MAX:
            raise ValueError(f"too long for one embed ({self.embed_length()} > {EXERCISE_EMBED_MAX} characters)")
        return self

    def embed_length(self) -> int:
        """Roughly how many characters a full embed of this exercise takes (Discord allows 6000)."""
        parts = [
            self.name,
            self.summary,
            self.dose.render(),
            ", ".join(self.muscles),
            ", ".join(self.equipment),
            self.position,
            _numbered(self.steps),
            _bulleted(self.cues),
            _bulleted(self.mistakes),
            _bulleted(self.safety),
            self.easier or "",
            self.harder or "",
        ]
        # Field titles ("How to", "Cues", ...) and separators.
        return sum(len(p) for p in parts) + 120


class RoutineItem(_Model):
    exercise: Slug
    dose: Dose
    source_dose: bool = True


def _check_items(items: list[RoutineItem]) -> list[RoutineItem]:
    if not items:
        raise ValueError("a routine needs at least one exercise")
    slugs = [item.exercise for item in items]
    dupes = sorted({s for s in slugs if slugs.count(s) > 1})
    if dupes:
        raise ValueError(f"exercise(s) listed twice: {dupes}")
    return items


class Stage(_Model):
    """From ``from_week`` on (until the next stage), the routine is done like this."""

    from_week: int = Field(ge=1, le=520)
    extra_reps: int = Field(default=0, ge=0, le=20)
    extra_hold_seconds: int = Field(default=0, ge=0, le=60)
    sessions_per_week: int | None = Field(default=None, ge=1, le=SESSIONS_MAX)
    items: list[RoutineItem] | None = None
    note: ShortText

    @field_validator("items")
    @classmethod
    def _items(cls, items: list[RoutineItem] | None) -> list[RoutineItem] | None:
        return None if items is None else _check_items(items)


class Progression(_Model):
    """How the routine grows week by week; the latest stage that has started applies."""

    description: Text
    max_reps: int = Field(ge=1, le=REPS_MAX)
    max_hold_seconds: int = Field(ge=1, le=HOLD_MAX)
    stages: list[Stage]

    @field_validator("stages")
    @classmethod
    def _stages(cls, stages: list[Stage]) -> list[Stage]:
        if not stages:
            raise ValueError("give at least one stage")
        if stages[0].from_week != 1:
            raise ValueError("the first stage must start at week 1")
        weeks = [s.from_week for s in stages]
        if any(b <= a for a, b in pairwise(weeks)):
            raise ValueError("stages must start in increasing weeks")
        return stages

    def stage_for_week(self, week: int) -> Stage:
        if week < 1:
            raise ValueError("weeks count from 1")
        current = self.stages[0]
        for stage in self.stages:
            if stage.from_week <= week:
                current = stage
        return current

    def dose_for(self, dose: Dose, week: int) -> Dose:
        """``dose`` as it should be done in ``week``."""
        stage = self.stage_for_week(week)
        return dose.scaled(stage.extra_reps, stage.extra_hold_seconds, self.max_reps, self.max_hold_seconds)


@dataclass(frozen=True)
class RoutineWeek:
    week: int
    items: list[tuple[str, Dose]]
    sessions_per_week: int
    note: str


class Routine(_Model):
    slug: Slug
    name: Name
    summary: ShortText
    minutes: float = Field(gt=0, le=60)
    per_week: int = Field(ge=1, le=SESSIONS_MAX)
    default: bool = False
    items: list[RoutineItem]
    why: Text
    progression: Progression
    sources: list[str]
    assumptions: list[ShortText] = Field(default_factory=list)

    @field_validator("items")
    @classmethod
    def _items(cls, items: list[RoutineItem]) -> list[RoutineItem]:
        return _check_items(items)

    @field_validator("sources")
    @classmethod
    def _sources(cls, sources: list[str]) -> list[str]:
        return _check_sources(sources)

    @model_validator(mode="after")
    def _caps(self) -> Routine:
        p = self.progression
        all_items = list(self.items)
        for stage in p.stages:
            all_items += stage.items or []
        for item in all_items:
            d = item.dose
            if d.reps is not None and (d.reps_max or d.reps) > p.max_reps:
                raise ValueError(f"{item.exercise}: reps above progression.max_reps ({p.max_reps})")
            if d.hold_seconds is not None and (d.hold_seconds_max or d.hold_seconds) > p.max_hold_seconds:
                raise ValueError(f"{item.exercise}: hold above progression.max_hold_seconds ({p.max_hold_seconds})")
        return self

    def step_for_week(self, week: int) -> RoutineWeek:
        """What to do in the club's ``week``-th week on this routine (week 1 = the first)."""
        stage = self.progression.stage_for_week(week)
        items = stage.items if stage.items is not None else self.items
        return RoutineWeek(
            week=week,
            items=[(item.exercise, self.progression.dose_for(item.dose, week)) for item in items],
            sessions_per_week=stage.sessions_per_week or self.per_week,
            note=stage.note,
        )

    def exercise_slugs(self) -> list[str]:
        """Every exercise the routine uses in any week, in first-use order."""
        slugs = [item.exercise for item in self.items]
        for stage in self.progression.stages:
            slugs += [item.exercise for item in stage.items or []]
        return list(dict.fromkeys(slugs))


OutcomeLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LABEL_MAX)]


class Outcome(_Model):
    id: Slug
    label: OutcomeLabel
    weak: bool
    recommendation: Text
    exercises: list[Slug] = Field(default_factory=list)

    @model_validator(mode="after")
    def _weak_needs_exercises(self) -> Outcome:
        if self.weak and not self.exercises:
            raise ValueError("a weak outcome must recommend exercises")
        return self


class SelfTest(_Model):
    slug: Slug
    name: Name
    summary: ShortText
    one_sided: bool
    steps: list[Step]
    look_for: list[ShortText]
    outcomes: list[Outcome]
    safety: list[ShortText]
    sources: list[str]

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
        return _check_sources(sources)

    def outcome(self, outcome_id: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise KeyError(outcome_id)


class Guide(_Model):
    intro: Text
    muscles: dict[str, Text]
    muscle_names: dict[str, Name]
    injuries: list[ShortText]
    facts: list[ShortText] = Field(default_factory=list)
    disclaimer: Text
    sitting: Text
    hip_flexor_stretch: Slug | None = None
    after_run: Text | None = None
    after_run_stretches: list[Slug] = Field(default_factory=list)
    screening: Text | None = None

    @field_validator("muscles", "muscle_names")
    @classmethod
    def _known_muscles(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - MUSCLES)
        if unknown:
            raise ValueError(f"unknown muscle(s) {unknown}; known: {sorted(MUSCLES)}")
        return value

    @model_validator(mode="after")
    def _names_match(self) -> Guide:
        if set(self.muscles) != set(self.muscle_names):
            raise ValueError("muscles and muscle_names must list the same muscles")
        if not self.injuries:
            raise ValueError("list the injuries weak glutes are linked to")
        return self


class Content(_Model):
    exercises: dict[str, Exercise]
    routines: dict[str, Routine]
    selftests: dict[str, SelfTest]
    guide: Guide
    poses: PoseBook | None = None

    @model_validator(mode="after")
    def _keys_are_slugs(self) -> Content:
        for kind in ("exercises", "routines", "selftests"):
            for key, item in getattr(self, kind).items():
                if key != item.slug:
                    raise ValueError(f"{kind}: key {key!r} differs from slug {item.slug!r}")
        return self

    def default_routine(self) -> Routine:
        defaults = [r for r in self.routines.values() if r.default]
        if len(defaults) != 1:
            raise LookupError(f"expected exactly one default routine, found {len(defaults)}")
        return defaults[0]

    def exercise(self, slug: str) -> Exercise:
        """The exercise with this slug; KeyError when there is none."""
        return self.exercises[slug]

    def routine(self, slug: str) -> Routine:
        return self.routines[slug]

    def selftest(self, slug: str) -> SelfTest:
        return self.selftests[slug]
