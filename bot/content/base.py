"""What every content model shares: limits, value types, the strict base model and source checks."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

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


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_sources(sources: list[str]) -> list[str]:
    if not sources:
        raise ValueError("name at least one source article")
    unknown = sorted(set(sources) - SOURCE_IDS)
    if unknown:
        raise ValueError(f"unknown source article(s) {unknown}; known: {sorted(SOURCE_IDS)}")
    if len(set(sources)) != len(sources):
        raise ValueError("a source is listed twice")
    return sources


def numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def bulleted(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)
