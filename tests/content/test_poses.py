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
    problems = problems_for(content_copy)
    assert any(p.startswith("content/poses.yaml: exercises.forward-lunge.end.knee_near: bends backwards")
               for p in problems)
    # The straightened leg also lifts its foot off the floor: the only other problem is that support.
    assert all(p.startswith("content/poses.yaml: exercises.forward-lunge.end.") for p in problems)


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


def test_fire_hydrant_shows_both_hands_and_knees_and_the_thigh_out_to_the_side_and_level(content: Content) -> None:
    import math

    from bot.content.poses import lay_out_all

    assert content.poses is not None
    figure = content.poses.exercises["fire-hydrant"]
    assert figure.camera is not None
    start, end = lay_out(figure, content.poses.skeleton)
    # Both hands and both knees read: each pair a clear limb's width apart in the picture.
    for pair in (("hand_near", "hand_far"), ("knee_near", "knee_far")):
        (x0, y0), (x1, y1) = (start.joints[j] for j in pair)
        assert math.hypot(x1 - x0, y1 - y0) > 0.09, pair
    # Seen from above, the hands rest further away on the floor, so higher in the picture than the feet.
    assert start.joints["hand_near"][1] > start.joints["toe_near"][1] + 0.05
    # The knee travels out past the hip, up to hip height: level in the room, and not steeply down in the picture.
    assert end.joints["knee_near"][0] - start.joints["knee_near"][0] > 0.2
    _, room, _ = lay_out_all(figure.model_copy(update={"camera": None}), content.poses.skeleton)
    assert room.joints["knee_near"][1] == pytest.approx(room.joints["hip_near"][1], abs=0.02)
    (hx, hy), (kx, ky) = end.joints["hip_near"], end.joints["knee_near"]
    assert kx > hx
    assert abs(math.degrees(math.atan2(ky - hy, kx - hx))) < 25
    # The far leg and the trunk stay put.
    assert start.joints["knee_far"] == end.joints["knee_far"]
    assert start.joints["neck"] == end.joints["neck"]


def test_every_camera_shows_the_floor_level(content: Content) -> None:
    from bot.content.poses import floor_outline

    assert content.poses is not None
    turned = [(slug, f) for slug, f in content.poses.exercises.items() if f.camera is not None]
    assert len(turned) >= 5
    for slug, figure in turned:
        start, _ = lay_out(figure, content.poses.skeleton)
        outline = floor_outline(figure, content.poses.skeleton, start)
        assert outline is not None
        # Near edge, then far edge: each horizontal in the picture, so the floor never slopes like a ramp.
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = outline
        assert ay == pytest.approx(by), slug
        assert cy == pytest.approx(dy), slug
        assert ax == pytest.approx(dx), slug
        assert bx == pytest.approx(cx), slug
        # Every support of the start pose stands on that floor.
        for joint in figure.start.supports or figure.supports:
            x, _ = start.joints[joint]
            assert ax - 1e-9 <= x <= bx + 1e-9, (slug, joint)


def test_a_level_line_on_the_floor_stays_level_in_every_camera() -> None:
    from bot.content.poses import projector

    for camera in ([30, 12], [45, 10], [-25, 25], [70, 40]):
        project = projector(camera)
        import math

        yaw = math.radians(camera[0])
        # A line on the floor square to the camera's view: both ends at the same height in the picture.
        a = project(math.cos(yaw), 0.0, math.sin(yaw))
        b = project(-math.cos(yaw), 0.0, -math.sin(yaw))
        assert a[1] == pytest.approx(b[1], abs=1e-12)
        # Up is up: a point above the floor is higher in the picture.
        assert project(0.0, 1.0, 0.0)[1] > project(0.0, 0.0, 0.0)[1]


def test_without_a_camera_a_segment_turned_toward_the_viewer_is_only_drawn_shorter(content: Content) -> None:
    assert content.poses is not None
    figure = content.poses.exercises["fire-hydrant"].model_copy(update={"camera": None})
    _, end = lay_out(figure, content.poses.skeleton)
    # The lifted thigh points straight at the viewer: from the side the knee sits over the hip.
    knee, hip = end.joints["knee_near"], end.joints["hip_near"]
    assert knee == pytest.approx(hip, abs=1e-9)


def test_hovering_support_is_rejected_naming_file_figure_and_joint(content_copy: Path) -> None:
    # The side plank as it was once drawn: legs angled so the feet float above the mat.
    edit_poses(content_copy, lambda d: d["exercises"]["side-plank"]["end"].update(thigh=347))
    problems = problems_for(content_copy)
    assert problems == [
        "content/poses.yaml: exercises.side-plank.end.ankle_far: is a support but hovers 0.05 m above the floor "
        "(at most 0.03 m): put it on the floor or its prop"
    ]


def test_every_figure_names_its_supports(content_copy: Path) -> None:
    edit_poses(content_copy, lambda d: d["selftests"]["hip-drop"].pop("supports"))
    assert problems_for(content_copy) == ["content/poses.yaml: selftests.hip-drop.supports: Field required"]


def test_unknown_support_joint_is_rejected(content_copy: Path) -> None:
    edit_poses(content_copy, lambda d: d["exercises"]["glute-bridge"].update(supports=["head", "heel_near"]))
    (problem,) = problems_for(content_copy)
    assert problem.startswith("content/poses.yaml: exercises.glute-bridge.supports[1]: unknown joint 'heel_near'")


def test_a_support_on_a_step_or_against_a_wall_rests_on_it(content_copy: Path) -> None:
    def lift(d: dict[str, Any]) -> None:
        d["exercises"]["step-up"]["props"]["step"] = [0.25, 0.75, 0.4]  # the foot stays 0.3 m up
        d["exercises"]["wall-slides"]["props"]["wall"] = 0.6  # the pressed knee no longer reaches it

    edit_poses(content_copy, lift)
    problems = problems_for(content_copy)
    assert "content/poses.yaml: exercises.step-up.end.toe_near: is a support but hovers 0.10 m below the step " \
           "(at most 0.03 m): put it on the floor or its prop" in problems
    assert any(p.startswith("content/poses.yaml: exercises.wall-slides.start.knee_near: is a support but hovers")
               for p in problems)
    assert all(".step-up." in p or ".wall-slides." in p for p in problems)


def test_shipped_supports_rest_on_the_floor_or_a_prop(content: Content) -> None:
    from bot.content.pose_checks import SUPPORT_TOLERANCE
    from bot.content.poses import TRUNK_HALF_DEPTH

    assert content.poses is not None
    figure = content.poses.exercises["side-plank"]
    _, end = lay_out(figure, content.poses.skeleton)
    # Resting on the lower forearm and the feet: elbow, hand and foot on the floor, the hips lifted.
    for joint in ("elbow_far", "hand_far", "ankle_far"):
        assert end.joints[joint][1] <= SUPPORT_TOLERANCE
    assert end.joints["pelvis"][1] - TRUNK_HALF_DEPTH > 0.15


def test_a_figure_without_a_motion_is_rejected(content_copy: Path) -> None:
    def still(d: dict[str, Any]) -> None:
        d["exercises"]["clams"]["arrow"] = "head"  # the head does not move in a clam
        d["exercises"]["side-plank"]["cue"] = "hold"  # a hold with nothing to show where it presses

    edit_poses(content_copy, still)
    problems = problems_for(content_copy)
    assert any(p.startswith("content/poses.yaml: exercises.clams.arrow: head moves 0.00 m") for p in problems)
    assert "content/poses.yaml: exercises.side-plank.push: a hold shows where the body presses: give it at least " \
           "one push mark" in problems
    assert len(problems) == 2


def test_walking_lunge_travels_forward_on_its_planted_foot(content: Content) -> None:
    assert content.poses is not None
    figure = content.poses.exercises["bodyweight-walking-lunge"]
    start, end = lay_out(figure, content.poses.skeleton)
    # The front foot of the first lunge stays put and becomes the back foot; the body moves forward (right).
    assert start.joints["toe_far"] == pytest.approx(end.joints["toe_far"], abs=0.03)
    assert end.joints["pelvis"][0] - start.joints["pelvis"][0] > 0.5
    assert end.joints["ankle_near"][0] > start.joints["ankle_far"][0]


def test_self_tests_show_the_good_pose_beside_the_fault(content: Content) -> None:
    from bot.content.poses import lay_out_fault

    assert content.poses is not None
    for slug in ("single-leg-squat", "hip-drop"):
        figure = content.poses.selftests[slug]
        _, good = lay_out(figure, content.poses.skeleton)
        fault = lay_out_fault(figure, content.poses.skeleton)
        assert fault is not None
        # Good: the pelvis level. Fault: the hip on the lifted (near) side lower.
        assert good.joints["hip_near"][1] == pytest.approx(good.joints["hip_far"][1], abs=0.01)
        assert fault.joints["hip_near"][1] < fault.joints["hip_far"][1] - 0.03
        # Both stand on the standing foot.
        assert good.joints["toe_far"][1] == pytest.approx(0.0, abs=0.03)
        assert fault.joints["toe_far"][1] == pytest.approx(0.0, abs=0.03)
    squat = content.poses.selftests["single-leg-squat"]
    start, good = lay_out(squat, content.poses.skeleton)
    fault = lay_out_fault(squat, content.poses.skeleton)
    assert fault is not None
    # A real squat: the pelvis lowers; in the fault the knee falls in toward the middle (right, for the far leg).
    assert good.joints["pelvis"][1] < start.joints["pelvis"][1] - 0.08
    assert fault.joints["knee_far"][0] - fault.joints["ankle_far"][0] > 0.08
    assert abs(good.joints["knee_far"][0] - good.joints["ankle_far"][0]) < 0.03


def test_a_short_arrow_is_rejected_naming_file_figure_and_arrow(content_copy: Path) -> None:
    # The bridge's hips rise 0.2 m: without its arrow_length the arrow's shaft would be a stub.
    edit_poses(content_copy, lambda d: d["exercises"]["glute-bridge"].pop("arrow_length"))
    (problem,) = problems_for(content_copy)
    assert problem.startswith("content/poses.yaml: exercises.glute-bridge.arrow: the arrow on pelvis has a shaft "
                              "of 0.04 m (at least 0.22 m)")
    assert "arrow_length of at least 0.38" in problem


def test_every_shipped_arrow_has_a_shaft_of_at_least_22_cm(content: Content) -> None:
    from bot.content.pose_checks import MIN_SHAFT
    from bot.content.poses import arrow_shaft, moving_joint

    assert content.poses is not None
    assert pytest.approx(0.22) == MIN_SHAFT
    for figure in [*content.poses.exercises.values(), *content.poses.selftests.values()]:
        if figure.cue != "move":
            continue
        start, end = lay_out(figure, content.poses.skeleton)
        joint = figure.arrow or moving_joint(start, end)
        assert arrow_shaft(figure, start.joints[joint], end.joints[joint]) >= MIN_SHAFT - 1e-9


def test_a_side_lying_arm_off_the_mat_is_rejected_naming_file_figure_and_joint(content_copy: Path) -> None:
    # The lower arm as it was once drawn: stretched overhead, the elbow 0.14 m above the mat.
    edit_poses(content_copy, lambda d: d["exercises"]["clams"]["start"].update(upper_arm_far=180))
    problems = problems_for(content_copy)
    assert problems == [
        "content/poses.yaml: exercises.clams.start.elbow_far: is a support but hovers 0.14 m above the floor "
        "(at most 0.03 m): put it on the floor or its prop"
    ]


def _inside(point: tuple[float, float], polygon: list[tuple[float, float]]) -> bool:
    """Whether ``point`` lies inside a convex polygon (or on its edge), whichever way round it runs."""
    signs = set()
    for (ax, ay), (bx, by) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        cross = (bx - ax) * (point[1] - ay) - (by - ay) * (point[0] - ax)
        if abs(cross) > 1e-9:
            signs.add(cross > 0)
    return len(signs) <= 1


@pytest.mark.parametrize("slug", ["clams", "lying-gluteus-medius-activation", "fire-hydrant"])
def test_the_mat_lies_under_the_supports_and_no_further(content: Content, slug: str) -> None:
    from bot.content.poses import MAT_MARGIN, TRUNK_HALF_DEPTH, mat_outline, room_to_picture, support_points

    assert content.poses is not None
    figure = content.poses.exercises[slug]
    skeleton = content.poses.skeleton
    mat = mat_outline(figure, skeleton)
    assert mat is not None
    assert len(mat) == 4
    points = support_points(figure, skeleton)
    seen = room_to_picture(figure, skeleton)
    # Every support of every pose rests on the mat in the picture, where the floor under it shows.
    for x, _, z in points:
        assert _inside(seen(x, 0.0, z), mat), (slug, x, z)
    # And the mat reaches no further than a margin past them: a mat under the body, not a floor of green.
    reach = MAT_MARGIN + TRUNK_HALF_DEPTH + 1e-9
    xs, zs = [p[0] for p in points], [p[2] for p in points]
    flat = figure.model_copy(update={"camera": None})
    wide = [x for x, _ in mat_outline(flat, skeleton) or []]
    assert min(wide) >= min(xs) - reach
    assert max(wide) <= max(xs) + reach
    assert max(zs) - min(zs) + 2 * reach < 1.0, "the mat is as deep as the body lying on it"


def test_every_turned_camera_keeps_the_mat_on_one_level_floor(content: Content) -> None:
    """The mat's corners are the floor seen through the figure's one projector: opposite sides stay parallel."""
    from bot.content.poses import mat_outline

    assert content.poses is not None
    for slug, figure in content.poses.exercises.items():
        if figure.camera is None or not figure.props.mat:
            continue
        a, b, c, d = mat_outline(figure, content.poses.skeleton) or []
        assert (b[0] - a[0], b[1] - a[1]) == pytest.approx((c[0] - d[0], c[1] - d[1])), slug
        assert (d[0] - a[0], d[1] - a[1]) == pytest.approx((c[0] - b[0], c[1] - b[1])), slug
        # The far edge is higher in the picture than the near edge: seen from above, never from below.
        assert d[1] > a[1], slug


def test_an_arrow_drawn_too_far_from_its_joint_is_rejected_naming_file_figure_and_field(content_copy: Path) -> None:
    edit_poses(content_copy, lambda d: d["exercises"]["wall-mini-dip-abduction"].update(arrow_offset=[-0.6, 0.0]))
    (problem,) = problems_for(content_copy)
    assert problem == ("content/poses.yaml: exercises.wall-mini-dip-abduction.arrow_offset: the arrow is drawn "
                       "0.60 m from pelvis (at most 0.40 m): it would no longer read as that joint's move")


def test_the_mini_dip_arrow_runs_beside_the_hip_not_over_the_body(content: Content) -> None:
    from bot.content.pose_checks import MIN_SHAFT
    from bot.content.poses import arrow_ends, arrow_shaft

    assert content.poses is not None
    figure = content.poses.exercises["wall-mini-dip-abduction"]
    start, end = lay_out(figure, content.poses.skeleton)
    (x0, y0), (x1, y1) = arrow_ends(figure, start.joints["pelvis"], end.joints["pelvis"])
    # Downward, level with the hips, and clear of the body and the hanging arm on the open side.
    assert y1 < y0
    assert abs(x1 - x0) < 0.05
    body = min(min(p.joints[j][0] for j in ("hip_near", "hip_far", "elbow_far", "hand_far")) for p in (start, end))
    assert max(x0, x1) < body - 0.05
    hips = [p.joints["pelvis"][1] for p in (start, end)]
    assert min(y0, y1) < max(hips)
    assert max(y0, y1) > min(hips)
    assert arrow_shaft(figure, start.joints["pelvis"], end.joints["pelvis"]) >= MIN_SHAFT
