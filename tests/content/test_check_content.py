"""check_content on broken copies of the content reports each problem with its file and field."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import ContentError, Problem, check_content, load_content


def _load(directory: Path, name: str) -> Any:
    return yaml.safe_load((directory / name).read_text(encoding="utf-8"))


def _save(directory: Path, name: str, data: Any) -> None:
    (directory / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _index(items: list[dict], slug: str) -> int:
    return next(i for i, item in enumerate(items) if item["slug"] == slug)


def _where(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.file, p.field) for p in problems]


def test_copy_is_clean(content_copy: Path) -> None:
    assert check_content(content_copy) == []


def test_problem_str() -> None:
    problem = Problem("content/exercises.yaml", "exercises[3].cues", "give 2–4 coaching cues")
    assert str(problem) == "content/exercises.yaml: exercises[3].cues: give 2–4 coaching cues"
    assert str(Problem("content/guide.yaml", "", "file is missing")) == "content/guide.yaml: file is missing"


def test_bad_yaml(content_copy: Path) -> None:
    (content_copy / "selftests.yaml").write_text("selftests:\n  - slug: [unclosed\n    name: x\n", encoding="utf-8")
    problems = check_content(content_copy)
    assert len(problems) == 1
    assert problems[0].file == "content/selftests.yaml"
    assert problems[0].field.startswith("line ")
    assert "YAML syntax error" in problems[0].message


def test_missing_field(content_copy: Path) -> None:
    data = _load(content_copy, "exercises.yaml")
    i = _index(data["exercises"], "clams")
    del data["exercises"][i]["cues"]
    _save(content_copy, "exercises.yaml", data)
    problems = check_content(content_copy)
    assert _where(problems) == [("content/exercises.yaml", f"exercises[{i}].cues")]
    assert "required" in problems[0].message.lower()
    assert str(problems[0]).startswith(f"content/exercises.yaml: exercises[{i}].cues: ")


def test_too_many_cues_and_unknown_key(content_copy: Path) -> None:
    data = _load(content_copy, "exercises.yaml")
    data["exercises"][0]["cues"] = ["a", "b", "c", "d", "e"]
    data["exercises"][1]["colour"] = "red"
    data["exercises"][2]["dose"]["reps"] = 400
    _save(content_copy, "exercises.yaml", data)
    where = _where(check_content(content_copy))
    assert ("content/exercises.yaml", "exercises[0].cues") in where
    assert ("content/exercises.yaml", "exercises[1].colour") in where
    assert ("content/exercises.yaml", "exercises[2].dose.reps") in where


def test_dangling_slug_in_routine(content_copy: Path) -> None:
    data = _load(content_copy, "routines.yaml")
    r = _index(data["routines"], "five-minute")
    data["routines"][r]["items"][1]["exercise"] = "glute-brige"
    _save(content_copy, "routines.yaml", data)
    problems = check_content(content_copy)
    assert _where(problems) == [("content/routines.yaml", f"routines[{r}].items[1].exercise")]
    assert "glute-brige" in problems[0].message
    assert "glute-bridge" in problems[0].message


def test_dangling_slugs_elsewhere(content_copy: Path) -> None:
    ex = _load(content_copy, "exercises.yaml")
    i = _index(ex["exercises"], "glute-bridge")
    ex["exercises"][i]["harder"] = "one-leg-brige"
    _save(content_copy, "exercises.yaml", ex)
    tests = _load(content_copy, "selftests.yaml")
    tests["selftests"][0]["outcomes"][1]["stages"][0]["exercises"][0] = "no-such-move"
    _save(content_copy, "selftests.yaml", tests)
    guide = _load(content_copy, "guide.yaml")
    guide["hip_flexor_stretch"] = "hip-flexor-strech"
    _save(content_copy, "guide.yaml", guide)
    where = _where(check_content(content_copy))
    assert ("content/exercises.yaml", f"exercises[{i}].harder") in where
    assert ("content/selftests.yaml", "selftests[0].outcomes[1].stages[0].exercises[0]") in where
    assert ("content/guide.yaml", "hip_flexor_stretch") in where


def test_duplicate_slug(content_copy: Path) -> None:
    data = _load(content_copy, "exercises.yaml")
    i = _index(data["exercises"], "clams")
    copy = dict(data["exercises"][i], name="Clams again", aliases=["another clam thing"])
    data["exercises"].append(copy)
    _save(content_copy, "exercises.yaml", data)
    problems = check_content(content_copy)
    last = len(data["exercises"]) - 1
    assert _where(problems) == [("content/exercises.yaml", f"exercises[{last}].slug")]
    assert "duplicate slug 'clams'" in problems[0].message


def test_duplicate_alias(content_copy: Path) -> None:
    data = _load(content_copy, "exercises.yaml")
    i = _index(data["exercises"], "fire-hydrant")
    data["exercises"][i]["aliases"].append("Clam-shell")
    k = len(data["exercises"][i]["aliases"]) - 1
    c = _index(data["exercises"], "clams")
    _save(content_copy, "exercises.yaml", data)
    problems = check_content(content_copy)
    # Reported once on each side of the clash.
    assert len(problems) == 2
    assert {p.file for p in problems} == {"content/exercises.yaml"}
    mine = next(p for p in problems if p.field == f"exercises[{i}].aliases[{k}]")
    assert "'Clam-shell' also names exercise 'clams'" in mine.message
    assert any(p.field.startswith(f"exercises[{c}].") and "fire-hydrant" in p.message for p in problems)


@pytest.mark.parametrize("defaults", [0, 2])
def test_default_routine_must_be_unique(content_copy: Path, defaults: int) -> None:
    data = _load(content_copy, "routines.yaml")
    for n, routine in enumerate(data["routines"]):
        routine["default"] = n < defaults
    _save(content_copy, "routines.yaml", data)
    problems = check_content(content_copy)
    assert _where(problems) == [("content/routines.yaml", "routines[*].default")]


def test_weak_outcome_must_start_with_activation(content_copy: Path) -> None:
    data = _load(content_copy, "selftests.yaml")
    t = _index(data["selftests"], "single-leg-squat")
    outcome = next(o for o in data["selftests"][t]["outcomes"] if o["weak"])
    outcome["stages"][0]["exercises"] = ["reverse-lunge", "clams"]
    _save(content_copy, "selftests.yaml", data)
    problems = check_content(content_copy)
    assert [p.file for p in problems] == ["content/selftests.yaml"]
    assert problems[0].field.startswith(f"selftests[{t}].outcomes[")
    assert "activation" in problems[0].message


def test_missing_file_and_missing_guide_muscle(content_copy: Path) -> None:
    (content_copy / "selftests.yaml").unlink()
    guide = _load(content_copy, "guide.yaml")
    del guide["muscles"]["quads"]
    del guide["muscle_names"]["quads"]
    _save(content_copy, "guide.yaml", guide)
    problems = check_content(content_copy)
    assert Problem("content/selftests.yaml", "", "file is missing") in problems
    assert any(p.file == "content/guide.yaml" and p.field == "muscles" and "quads" in p.message for p in problems)


def test_every_problem_is_collected_and_load_raises(content_copy: Path) -> None:
    (content_copy / "guide.yaml").write_text("intro: [oops\n", encoding="utf-8")
    routines = _load(content_copy, "routines.yaml")
    routines["routines"][0]["items"][0]["exercise"] = "nope"
    routines["routines"][1]["per_week"] = 0
    _save(content_copy, "routines.yaml", routines)
    exercises = _load(content_copy, "exercises.yaml")
    exercises["exercises"][3]["steps"] = []
    _save(content_copy, "exercises.yaml", exercises)
    problems = check_content(content_copy)
    files = {p.file for p in problems}
    assert files == {"content/guide.yaml", "content/routines.yaml", "content/exercises.yaml"}
    assert len(problems) >= 4
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    assert caught.value.problems == problems
    assert "content/routines.yaml: routines[0].items[0].exercise" in str(caught.value)


def test_missing_directory(tmp_path: Path) -> None:
    problems = check_content(tmp_path / "nowhere")
    assert len(problems) == 1
    assert "does not exist" in problems[0].message
    with pytest.raises(ContentError):
        load_content(tmp_path / "nowhere")


def test_empty_file(content_copy: Path) -> None:
    (content_copy / "routines.yaml").write_text("# nothing\n", encoding="utf-8")
    problems = check_content(content_copy)
    assert ("content/routines.yaml", "routines") in _where(problems)


def test_links_in_an_invalid_item_are_still_checked(content_copy: Path) -> None:
    data = _load(content_copy, "routines.yaml")
    r = _index(data["routines"], "five-minute")
    data["routines"][r]["per_week"] = -1
    data["routines"][r]["items"][0]["exercise"] = "bent-knee-plonk"
    _save(content_copy, "routines.yaml", data)
    where = _where(check_content(content_copy))
    assert where == [
        ("content/routines.yaml", f"routines[{r}].per_week"),
        ("content/routines.yaml", f"routines[{r}].items[0].exercise"),
    ]


def test_a_dose_without_a_source_or_suggestion_mark_is_rejected(content_copy: Path) -> None:
    ex = _load(content_copy, "exercises.yaml")
    i = _index(ex["exercises"], "side-plank")
    del ex["exercises"][i]["dose"]["source"]
    c = _index(ex["exercises"], "clams")
    del ex["exercises"][c]["dose"]["suggested"]
    _save(content_copy, "exercises.yaml", ex)
    routines = _load(content_copy, "routines.yaml")
    r = _index(routines["routines"], "five-minute")
    del routines["routines"][r]["items"][2]["dose"]["source"]
    del routines["routines"][r]["progression"]["steps"][1]["source"]
    _save(content_copy, "routines.yaml", routines)
    problems = check_content(content_copy)
    assert sorted(_where(problems)) == [
        ("content/exercises.yaml", f"exercises[{c}].dose"),
        ("content/exercises.yaml", f"exercises[{i}].dose"),
        ("content/routines.yaml", f"routines[{r}].items[2].dose"),
        ("content/routines.yaml", f"routines[{r}].progression.steps[1]"),
    ]
    assert all("source" in p.message for p in problems)


def test_a_frequency_without_a_source_or_suggestion_mark_is_rejected(content_copy: Path) -> None:
    routines = _load(content_copy, "routines.yaml")
    r = _index(routines["routines"], "five-minute")
    del routines["routines"][r]["per_week_source"]
    _save(content_copy, "routines.yaml", routines)
    tests = _load(content_copy, "selftests.yaml")
    t = _index(tests["selftests"], "hip-drop")
    o = next(n for n, out in enumerate(tests["selftests"][t]["outcomes"]) if out["weak"])
    del tests["selftests"][t]["outcomes"][o]["stages"][0]["per_week_suggested"]
    _save(content_copy, "selftests.yaml", tests)
    problems = check_content(content_copy)
    assert sorted(_where(problems)) == [
        ("content/routines.yaml", f"routines[{r}]"),
        ("content/selftests.yaml", f"selftests[{t}].outcomes[{o}].stages[0]"),
    ]
    assert all("per_week_source" in p.message for p in problems)


def test_a_dose_cannot_claim_both_a_source_and_a_suggestion(content_copy: Path) -> None:
    ex = _load(content_copy, "exercises.yaml")
    i = _index(ex["exercises"], "side-plank")
    ex["exercises"][i]["dose"]["suggested"] = True
    _save(content_copy, "exercises.yaml", ex)
    problems = check_content(content_copy)
    assert _where(problems) == [("content/exercises.yaml", f"exercises[{i}].dose")]
    assert "both" in problems[0].message


def test_exercise_and_selftest_need_a_source_statement(content_copy: Path) -> None:
    ex = _load(content_copy, "exercises.yaml")
    i = _index(ex["exercises"], "clams")
    del ex["exercises"][i]["source"]
    _save(content_copy, "exercises.yaml", ex)
    tests = _load(content_copy, "selftests.yaml")
    t = _index(tests["selftests"], "hip-drop")
    del tests["selftests"][t]["source"]
    _save(content_copy, "selftests.yaml", tests)
    assert sorted(_where(check_content(content_copy))) == [
        ("content/exercises.yaml", f"exercises[{i}].source"),
        ("content/selftests.yaml", f"selftests[{t}].source"),
    ]


def test_gluteclub_check_content_command_rejects_an_untraced_dose(content_copy: Path) -> None:
    ex = _load(content_copy, "exercises.yaml")
    i = _index(ex["exercises"], "bent-knee-plank")
    del ex["exercises"][i]["dose"]["source"]
    _save(content_copy, "exercises.yaml", ex)
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check-content"],
        capture_output=True, text=True, check=False, cwd=content_copy.parent,
        env={**os.environ, "CONTENT_DIR": str(content_copy)},
    )
    assert run.returncode != 0
    assert f"exercises[{i}].dose" in run.stdout + run.stderr


def test_a_weak_outcome_needs_a_short_activation_lead_in(content_copy: Path) -> None:
    data = _load(content_copy, "selftests.yaml")
    t = _index(data["selftests"], "hip-drop")
    o = next(n for n, out in enumerate(data["selftests"][t]["outcomes"]) if out["weak"])
    data["selftests"][t]["outcomes"][o]["lead_in"] = "reverse-lunge"
    _save(content_copy, "selftests.yaml", data)
    assert _where(check_content(content_copy)) == [("content/selftests.yaml", f"selftests[{t}].outcomes[{o}].lead_in")]
    data["selftests"][t]["outcomes"][o]["lead_in"] = "side-lying-hip-circles"  # 3 × 10 each way: one set is long
    _save(content_copy, "selftests.yaml", data)
    problems = check_content(content_copy)
    assert _where(problems) == [("content/selftests.yaml", f"selftests[{t}].outcomes[{o}].lead_in")]
    assert "2 minutes" in problems[0].message


def _change(directory: Path, filename: str, slug: str, change: Callable[[dict], object]) -> int:
    """Apply ``change`` to the item ``slug`` of ``filename`` (a list under the file's own key); its index."""
    key = filename.removesuffix(".yaml")
    data = _load(directory, filename)
    index = _index(data[key], slug)
    change(data[key][index])
    _save(directory, filename, data)
    return index


def _expect(directory: Path, expected: list[tuple[str, str, str]]) -> None:
    """check_content reports exactly these (file, field, part of the message), in this order."""
    problems = check_content(directory)
    assert _where(problems) == [(f"content/{name}", field) for name, field, _ in expected]
    for problem, (_, _, part) in zip(problems, expected, strict=True):
        assert part in problem.message


def _outcome(test: dict, outcome_id: str) -> dict:
    return next(o for o in test["outcomes"] if o["id"] == outcome_id)


def _outcome_index(test: dict, outcome_id: str) -> int:
    return next(i for i, o in enumerate(test["outcomes"]) if o["id"] == outcome_id)


def test_an_invented_figure_without_a_mark_is_reported(content_copy: Path) -> None:
    i = _change(content_copy, "exercises.yaml", "bent-knee-plank",
                lambda ex: ex.update(easier="Hold for 5 s instead of 10."))
    t = _change(content_copy, "selftests.yaml", "hip-drop",
                lambda test: test["steps"].__setitem__(1, "Lift one foot off the floor and hold for 10–30 s."))
    r = _change(content_copy, "routines.yaml", "hip-stability-trio",
                lambda routine: routine["progression"].update(
                    description="Add 5 s to the side plank each time, up to 45 s."))
    _expect(content_copy, [
        ("exercises.yaml", f"exercises[{i}].easier", "'5 s': no source gives this figure; mark it †"),
        ("routines.yaml", f"routines[{r}].progression.description", "'45 s': no source gives this figure; mark it †"),
        ("selftests.yaml", f"selftests[{t}].steps[1]", "'10–30 s': no source gives this figure; mark it †"),
    ])


def test_a_figure_the_source_gives_needs_no_mark(content_copy: Path) -> None:
    # 000 gives the 30 s holds and the 5 s steps; the card may say so without a mark.
    _change(content_copy, "exercises.yaml", "side-plank",
            lambda ex: ex["cues"].__setitem__(2, "When 30 s feels easy, add 5 s at a time."))
    assert check_content(content_copy) == []


def test_a_time_or_frequency_in_a_routine_text_is_reported(content_copy: Path) -> None:
    def change(routine: dict) -> None:
        routine["summary"] = "Four moves, once a week. The starting dose fits in about five minutes."
        routine["progression"]["steps"][3]["note"] = "The same dose on a third day each week."

    r = _change(content_copy, "routines.yaml", "five-minute", change)
    _expect(content_copy, [
        ("routines.yaml", f"routines[{r}].summary", "'five minutes'"),
        ("routines.yaml", f"routines[{r}].summary", "once a week"),
        ("routines.yaml", f"routines[{r}].progression.steps[3].note", "2 day(s) a week"),
    ])


def test_a_step_note_with_the_wrong_time_is_reported(content_copy: Path) -> None:
    r = _change(content_copy, "routines.yaml", "five-minute",
                lambda routine: routine["progression"]["steps"][0].update(note="The base routine, about 5 minutes."))
    _expect(content_copy, [("routines.yaml", f"routines[{r}].progression.steps[0].note", "about 6 min")])


def test_a_step_that_raises_reps_and_days_at_once_is_reported(content_copy: Path) -> None:
    r = _change(content_copy, "routines.yaml", "five-minute",
                lambda routine: routine["progression"]["steps"][3].update(extra_reps=5))
    _expect(content_copy, [("routines.yaml", f"routines[{r}].progression.steps[3]", "the dose or the days, not both")])


def test_a_result_that_is_not_weak_cannot_prescribe_sessions(content_copy: Path) -> None:
    def change(test: dict) -> None:
        _outcome(test, "level")["stages"] = [
            {"when": "this-week", "exercises": ["side-plank"], "per_week": 2, "per_week_suggested": True}
        ]
        del _outcome(test, "hip-drops")["stages"][1]["with_earlier"]

    t = _change(content_copy, "selftests.yaml", "hip-drop", change)
    test = _load(content_copy, "selftests.yaml")["selftests"][t]
    where = _where(check_content(content_copy))
    assert ("content/selftests.yaml", f"selftests[{t}].outcomes[{_outcome_index(test, 'level')}]") in where
    assert ("content/selftests.yaml", f"selftests[{t}].outcomes[{_outcome_index(test, 'hip-drops')}]") in where


def test_a_result_that_promises_safety_is_reported(content_copy: Path) -> None:
    t = _change(content_copy, "selftests.yaml", "hamstring-vs-glute",
                lambda test: _outcome(test, "cant-tell").update(
                    recommendation="Still unsure? Glute bridges are safe either way."))
    o = _outcome_index(_load(content_copy, "selftests.yaml")["selftests"][t], "cant-tell")
    _expect(content_copy, [("selftests.yaml", f"selftests[{t}].outcomes[{o}].recommendation", "safe")])
