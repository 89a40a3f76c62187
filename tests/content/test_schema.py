from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.content import Dose, Exercise


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        ({"sets": 10, "hold_seconds": 10}, "10 × 10 s hold"),
        ({"reps": 10, "reps_max": 15, "per_side": True, "side_word": "leg"}, "10–15 reps per leg"),
        ({"sets": 2, "reps": 12, "per_side": True}, "2 × 12 reps per side"),
        ({"hold_seconds": 30, "per_side": True}, "30 s per side"),
        (
            {"sets": 4, "hold_seconds": 20, "hold_seconds_max": 30, "per_side": True, "side_word": "leg"},
            "4 × 20–30 s hold per leg",
        ),
        ({"sets": 1, "reps": 10}, "10 reps"),
        ({"sets": 3, "reps": 10, "unit": "steps each way"}, "3 × 10 steps each way"),
        ({"sets": 2, "reps": 10, "hold_seconds": 3, "per_side": True}, "2 × 10 reps per side, 3 s hold each"),
        ({"minutes": 5}, "5 min"),
        ({"reps": 8, "note": "slowly"}, "8 reps (slowly)"),
    ],
)
def test_dose_render(dose: dict, text: str) -> None:
    assert Dose.model_validate(dose).render() == text


@pytest.mark.parametrize(
    "dose",
    [
        {},
        {"sets": 3},
        {"reps": 0},
        {"reps": 500},
        {"hold_seconds": 3600},
        {"reps": 10, "reps_max": 8},
        {"reps_max": 12},
        {"hold_seconds": 30, "hold_seconds_max": 20},
        {"minutes": 5, "reps": 3},
        {"reps": 10, "sets": 50},
        {"reps": 10, "per_sid": True},
    ],
)
def test_dose_rejects_nonsense(dose: dict) -> None:
    with pytest.raises(ValidationError):
        Dose.model_validate(dose)


def _exercise(**changes: object) -> dict:
    base = {
        "slug": "test-move",
        "name": "Test move",
        "aliases": ["tester"],
        "summary": "A move for tests.",
        "muscles": ["gluteus-medius"],
        "equipment": ["none"],
        "position": "standing",
        "type": "activation",
        "dose": {"sets": 2, "reps": 10, "source": "000: two sets of ten"},
        "steps": ["Stand.", "Move."],
        "cues": ["One.", "Two."],
        "mistakes": ["Rushing."],
        "safety": ["Stop on sharp pain."],
        "sources": ["000"],
        "source": "000 names the test move",
    }
    base.update(changes)
    return base


def test_valid_exercise() -> None:
    ex = Exercise.model_validate(_exercise())
    assert ex.easier is None
    assert ex.source_dose is True
    suggested = Exercise.model_validate(_exercise(dose={"sets": 2, "reps": 10, "suggested": True}))
    assert suggested.source_dose is False
    assert suggested.dose.render() == "2 × 10 reps †"


@pytest.mark.parametrize(
    "changes",
    [
        {"slug": "Test Move"},
        {"slug": "test_move"},
        {"steps": []},
        {"steps": ["x" * 201, "ok"]},
        {"cues": ["only one"]},
        {"cues": ["1", "2", "3", "4", "5"]},
        {"cues": ["x" * 121, "ok"]},
        {"muscles": ["eyebrows"]},
        {"muscles": []},
        {"equipment": ["none", "band"]},
        {"equipment": ["trampoline"]},
        {"position": "upside-down"},
        {"type": "cardio"},
        {"sources": []},
        {"sources": ["999"]},
        {"name": "x" * 81},
        {"aliases": ["a", "A"]},
        {"easier": "test-move"},
        {"colour": "red"},
        {"mistakes": []},
        {"safety": []},
        {"dose": {"sets": 2, "reps": 10}},
        {"dose": {"sets": 2, "reps": 10, "source": "000", "suggested": True}},
        {"source": ""},
    ],
)
def test_exercise_rejects(changes: dict) -> None:
    with pytest.raises(ValidationError):
        Exercise.model_validate(_exercise(**changes))


@pytest.mark.parametrize(
    ("dose", "seconds"),
    [
        # holds × seconds, 5 s rest between short holds
        ({"sets": 10, "hold_seconds": 10}, 100 + 9 * 5),
        # longer holds rest 30 s between them, on each side
        ({"sets": 3, "hold_seconds": 30, "per_side": True}, (90 + 2 * 30) * 2 + 5),
        # reps × 3 s, both legs, one switch of side
        ({"reps": 10, "reps_max": 15, "per_side": True, "side_word": "leg"}, 10 * 3 * 2 + 5),
        # sets of reps rest 30 s between sets
        ({"sets": 3, "reps": 10, "unit": "steps each way"}, 3 * 10 * 2 * 3 + 2 * 30),
        ({"sets": 2, "reps": 10, "hold_seconds": 3, "per_side": True}, (2 * 10 * (3 + 3) + 30) * 2 + 5),
        ({"hold_seconds": 30, "per_side": True}, 30 * 2 + 5),
        ({"minutes": 5}, 300),
    ],
)
def test_dose_seconds(dose: dict, seconds: int) -> None:
    assert Dose.model_validate(dose).seconds() == seconds
