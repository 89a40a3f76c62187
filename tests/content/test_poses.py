"""The pose data of the exercise figures: what `check-content` rejects, naming file, figure and joint."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.__main__ import main
from bot.content import Content, check_content
from bot.content.poses import lay_out

Edit = Callable[[dict[str, Any]], None]


def edit_poses(directory: Path, change: Edit) -> None:
    path = directory / "poses.yaml"
    # Through JSON, so that YAML aliases become separate copies and an edit touches one figure only.
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8"))))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def problems_for(directory: Path) -> list[str]:
    return [str(p) for p in check_content(directory)]


def test_every_exercise_and_self_test_has_a_figure_with_both_poses(content: Content) -> None:
    assert content.poses is not None
    assert set(content.poses.exercises) == set(content.exercises)
    assert set(content.poses.selftests) == set(content.selftests)
    for figure in [*content.poses.exercises.values(), *content.poses.selftests.values()]:
        start, end = lay_out(figure, content.poses.skeleton)
        assert start.joints != end.joints, "a figure shows a motion"


def test_stretched_segment_is_rejected_naming_file_exercise_and_joint(content_copy: Path) -> None:
    edit_poses(content_copy, lambda d: d["exercises"]["glute-bridge"]["end"].update(lengths={"shin": 0.5}))
    (problem,) = problems_for(content_copy)
    assert problem.startswith("content/poses.yaml: exercises.glute-bridge.end.lengths.shin:")
    assert "knee to ankle" in problem
    assert "stretch" in problem


def test_missing_pose_is_rejected(content_copy: Path) -> None:
    edit_poses(content_copy, lambda d: d["exercises"]["clams"].pop("end"))
    assert problems_for(content_copy) == ["content/poses.yaml: exercises.clams.end: Field required"]


def test_exercise_without_a_figure_is_rejected(content_copy: Path) -> None:
    edit_poses(content_copy, lambda d: d["selftests"].pop("hip-drop"))
    assert problems_for(content_copy) == [
        "content/poses.yaml: selftests.hip-drop: no figure: give it a start and an end pose"
    ]


def test_figure_for_an_unknown_exercise_is_rejected(content_copy: Path) -> None:
    edit_poses(content_copy, lambda d: d["exercises"].update({"glute-bridgee": d["exercises"]["glute-bridge"]}))
    (problem,) = problems_for(content_copy)
    assert "exercises.glute-bridgee: figure for an unknown exercise" in problem
    assert "did you mean 'glute-bridge'" in problem


def test_knee_bending_backwards_is_rejected(content_copy: Path) -> None:
    def hyperextend(d: dict[str, Any]) -> None:
        end = d["exercises"]["forward-lunge"]["end"]
        end["shin_near"] = end["thigh_near"] + 30

    edit_poses(content_copy, hyperextend)
    (problem,) = problems_for(content_copy)
    assert problem.startswith("content/poses.yaml: exercises.forward-lunge.end.knee_near: bends backwards")


def test_elbow_and_neck_limits(content_copy: Path) -> None:
    def fold(d: dict[str, Any]) -> None:
        start = d["exercises"]["bird-dog"]["start"]
        start["neck"] = start["trunk"] + 120
        start["forearm_far"] = start["upper_arm"] - 40

    edit_poses(content_copy, fold)
    problems = problems_for(content_copy)
    assert any("exercises.bird-dog.start.neck: bends 120°" in p for p in problems)
    assert any("exercises.bird-dog.start.elbow_far: bends backwards" in p for p in problems)


def test_body_below_the_floor_is_rejected(content_copy: Path) -> None:
    edit_poses(content_copy, lambda d: d["exercises"]["step-up"]["end"].update(at=[0.376, 0.6]))
    problems = problems_for(content_copy)
    assert problems
    assert all(p.startswith("content/poses.yaml: exercises.step-up.end.") for p in problems)
    assert any("ankle_near: is 0.27 m below the floor" in p for p in problems)


def test_figure_must_draw_the_exercise_equipment(content_copy: Path) -> None:
    edit_poses(content_copy, lambda d: d["exercises"]["side-stepping-band"]["props"].pop("band"))
    assert problems_for(content_copy) == [
        "content/poses.yaml: exercises.side-stepping-band.props.band: the exercise uses a band: draw it"
    ]


@pytest.mark.parametrize(("key", "value"), [("anchor", "kneecap"), ("arrow", "elbow")])
def test_unknown_joint_names_are_rejected(content_copy: Path, key: str, value: str) -> None:
    edit_poses(content_copy, lambda d: d["exercises"]["clams"].update({key: value}))
    (problem,) = problems_for(content_copy)
    assert f"exercises.clams.{key}: unknown joint '{value}'" in problem


def test_check_content_command_prints_the_pose_problem(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_poses(content_copy, lambda d: d["exercises"]["bodyweight-squat"]["end"].update(
        lengths={"thigh": 0.3}))
    monkeypatch.setenv("CONTENT_DIR", str(content_copy))
    assert main(["check-content"]) == 1
    out = capsys.readouterr().out
    assert "poses.yaml: exercises.bodyweight-squat.end.lengths.thigh" in out


def test_fire_hydrant_seen_from_behind_shows_the_knee_going_out_to_the_side(content: Content) -> None:
    assert content.poses is not None
    figure = content.poses.exercises["fire-hydrant"]
    assert figure.camera is not None
    start, end = lay_out(figure, content.poses.skeleton)
    hip, pelvis = start.joints["hip_near"], start.joints["pelvis"]
    # Near is on the right seen from behind; the knee travels out past the hip, to about hip height.
    assert hip[0] > pelvis[0]
    assert end.joints["knee_near"][0] - start.joints["knee_near"][0] > 0.3
    assert abs(end.joints["knee_near"][1] - end.joints["hip_near"][1]) < 0.15
    # Seen from above, the hands rest further away on the floor, so higher in the picture than the feet.
    assert start.joints["hand_near"][1] > start.joints["toe_near"][1] + 0.1
    # The far leg and the trunk stay put.
    assert start.joints["knee_far"] == end.joints["knee_far"]
    assert start.joints["neck"] == end.joints["neck"]


def test_without_a_camera_a_segment_turned_toward_the_viewer_is_only_drawn_shorter(content: Content) -> None:
    assert content.poses is not None
    figure = content.poses.exercises["fire-hydrant"].model_copy(update={"camera": None})
    _, end = lay_out(figure, content.poses.skeleton)
    # The lifted thigh points straight at the viewer: from the side the knee sits over the hip.
    knee, hip = end.joints["knee_near"], end.joints["hip_near"]
    assert knee == pytest.approx(hip, abs=1e-9)
