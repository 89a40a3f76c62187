"""The club's training content: exercises, routines and self-tests, loaded from ``content/*.yaml``."""

from bot.content.loader import ContentError, Problem, check_content, default_content_dir, load_content
from bot.content.schema import (
    Content,
    Dose,
    Exercise,
    Guide,
    Outcome,
    Progression,
    ProgressionStep,
    Routine,
    RoutineItem,
    RoutineStep,
    SelfTest,
)
from bot.content.search import filter_exercises, find_exercise, search_exercises, suggest

__all__ = [
    "Content",
    "ContentError",
    "Dose",
    "Exercise",
    "Guide",
    "Outcome",
    "Problem",
    "Progression",
    "ProgressionStep",
    "Routine",
    "RoutineItem",
    "RoutineStep",
    "SelfTest",
    "check_content",
    "default_content_dir",
    "filter_exercises",
    "find_exercise",
    "load_content",
    "search_exercises",
    "suggest",
]
