"""The checks of the exercise figures, the ones a reviewer would make (``check-content``).

Both poses present, no segment longer or shorter in one pose than in the other, the body above the
floor, every support on the floor or on a prop (a step, a chair seat, a wall), hinge joints (knee,
elbow) bending the right way, the neck not folded against the trunk, and a motion cue that reads: an
arrow with a shaft long enough to see, a circle, or a hold with its push marks. Problems name the
figure's field and the joint or arrow; the loader adds the file.
"""

from __future__ import annotations

import math

from bot.content.poses import (
    ARROW_HEAD,
    ARROW_INSET,
    ARROW_OFFSET_MAX,
    CHAIR_DEPTH,
    JOINTS,
    LENGTH_KEYS,
    SEGMENT_JOINTS,
    SIDES,
    TRUNK_HALF_DEPTH,
    TRUNK_JOINTS,
    Figure,
    Placed,
    Pose,
    Props,
    Skeleton,
    arrow_shaft,
    lay_out,
    lay_out_all,
    lay_out_fault,
    moving_joint,
    norm,
    segment_angles,
)

# How far a joint may sit below the floor line (rounding in the data) before it counts as under it.
FLOOR_TOLERANCE = 0.01
# How far a support may be from the floor or its prop (metres) and still rest on it.
SUPPORT_TOLERANCE = 0.03
# A limb against a wall: its middle line is half a limb's width from the wall's face.
WALL_REACH = 0.06
# The shortest shaft an arrow may have (metres, in the body's units): shorter, it reads as a dot.
MIN_SHAFT = 0.22


def _surfaces(props: Props) -> list[tuple[str, float, float, float]]:
    """(name, x from, x to, height) of everything a body can rest on; the floor runs everywhere."""
    out = [("the floor", -math.inf, math.inf, 0.0)]
    if props.step is not None:
        out.append(("the step", props.step[0], props.step[1], props.step[2]))
    if props.chair is not None:
        out.append(("the chair", props.chair[0], props.chair[0] + CHAIR_DEPTH, props.chair[1]))
    return out


def support_problems(figure: Figure, skeleton: Skeleton) -> list[tuple[str, str]]:
    """(field, message) for every support that does not rest on the floor, a step, a chair or the wall.

    Measured without the camera, in the figure's own frame, where y is the height above the floor.
    """
    flat = figure.model_copy(update={"camera": None})
    start, end = lay_out(flat, skeleton)
    poses = [("start", figure.start, start), ("end", figure.end, end)]
    fault = lay_out_fault(flat, skeleton)
    if figure.fault is not None and fault is not None:
        poses.append(("fault", figure.fault, fault))
    surfaces = _surfaces(figure.props)
    out: list[tuple[str, str]] = []
    for name, pose, placed in poses:
        for joint in pose.supports if pose.supports is not None else figure.supports:
            if joint not in placed.joints:
                continue  # reported once as an unknown joint
            x, y = placed.joints[joint]
            # The head rests on its round back; the trunk and the hips on the flesh round their joints.
            y -= placed.head_radius if joint == "head" else TRUNK_HALF_DEPTH if joint in TRUNK_JOINTS else 0.0
            if figure.props.wall is not None and abs(x - figure.props.wall) <= WALL_REACH + SUPPORT_TOLERANCE:
                continue
            gap, label, height = min((abs(y - h), label, h) for label, x0, x1, h in surfaces
                                     if x0 - SUPPORT_TOLERANCE <= x <= x1 + SUPPORT_TOLERANCE)
            if gap > SUPPORT_TOLERANCE:
                where = "above" if y > height else "below"
                out.append((f"{name}.{joint}", f"is a support but hovers {gap:.2f} m {where} {label} "
                                               f"(at most {SUPPORT_TOLERANCE:.2f} m): put it on the floor or its prop"))
    return out


# Hinge and spine limits for side views (degrees). Flexion is positive.
KNEE_RANGE = (-8.0, 165.0)
ELBOW_RANGE = (-10.0, 165.0)
HIP_RANGE = (-45.0, 150.0)
NECK_MAX = 70.0
# A segment turned this far toward the viewer is not checked as a hinge in the picture plane.
DEPTH_SKIP = 30.0


def _pose_problems(pose: Pose, figure: Figure, skeleton: Skeleton, placed: Placed) -> list[tuple[str, str]]:
    """(joint or field, message) for one pose."""
    out: list[tuple[str, str]] = []
    for joint, (_, y) in placed.joints.items():
        if y < -FLOOR_TOLERANCE:
            out.append((joint, f"is {-y:.2f} m below the floor"))
    if placed.joints["head"][1] - placed.head_radius < -FLOOR_TOLERANCE:
        out.append(("head", "is below the floor"))
    angles = segment_angles(pose, figure.view)

    def flat(*segments: str) -> bool:
        return all(abs(angles[s][1]) < DEPTH_SKIP for s in segments)

    neck = norm(angles["neck"][0] - angles["trunk"][0])
    if abs(neck) > NECK_MAX and flat("neck", "trunk"):
        out.append(("neck", f"bends {abs(neck):.0f}° against the trunk (at most {NECK_MAX:.0f}°)"))
    if figure.view != "side":
        return out
    for side in SIDES:
        checks = (
            (f"knee_{side}", norm(angles[f"thigh_{side}"][0] - angles[f"shin_{side}"][0]), KNEE_RANGE,
             (f"thigh_{side}", f"shin_{side}")),
            (f"elbow_{side}", norm(angles[f"forearm_{side}"][0] - angles[f"upper_arm_{side}"][0]), ELBOW_RANGE,
             (f"upper_arm_{side}", f"forearm_{side}")),
            (f"hip_{side}", norm(angles[f"thigh_{side}"][0] - angles["trunk"][0] - 180), HIP_RANGE,
             ("trunk", f"thigh_{side}")),
        )
        for joint, flexion, (low, high), segments in checks:
            if not flat(*segments):
                continue
            if flexion < low:
                out.append((joint, f"bends backwards ({-flexion:.0f}° past straight; at most {-low:.0f}°)"))
            elif flexion > high:
                out.append((joint, f"bends {flexion:.0f}°, more than a body can ({high:.0f}°)"))
    return out


def figure_problems(figure: Figure, skeleton: Skeleton) -> list[tuple[str, str]]:
    """(field path inside the figure, message): stretched segments, floor, hinges, unknown joints."""
    out: list[tuple[str, str]] = []
    named = [("anchor", figure.anchor), ("arrow", figure.arrow),
             *((f"supports[{i}]", j) for i, j in enumerate(figure.supports)),
             *((f"push[{i}]", j) for i, (j, _) in enumerate(figure.push))]
    for pose_name, pose in (("start", figure.start), ("end", figure.end), ("fault", figure.fault)):
        if pose is not None and pose.supports is not None:
            named += [(f"{pose_name}.supports[{i}]", j) for i, j in enumerate(pose.supports)]
    for name, joint in named:
        if joint is not None and joint not in JOINTS:
            out.append((name, f"unknown joint {joint!r} (known: {', '.join(JOINTS)})"))
    start_lengths = {**skeleton.lengths, **figure.start.lengths}
    for name, pose in (("end", figure.end), ("fault", figure.fault)):
        if pose is None:
            continue
        lengths = {**skeleton.lengths, **pose.lengths}
        for key in LENGTH_KEYS:
            if not math.isclose(start_lengths[key], lengths[key], rel_tol=1e-6):
                joints = SEGMENT_JOINTS.get(key, (key, key))
                out.append(
                    (
                        f"{name}.lengths.{key}",
                        f"the {key} segment ({joints[0]} to {joints[1]}) is {lengths[key]:.2f} m here but "
                        f"{start_lengths[key]:.2f} m in the start pose: the figure would stretch",
                    )
                )
    if out:
        return out
    # Heights are measured in the room, not as a turned camera shows them.
    start, end, fault = lay_out_all(figure.model_copy(update={"camera": None}), skeleton)
    poses = [("start", figure.start, start), ("end", figure.end, end)]
    if figure.fault is not None and fault is not None:
        poses.append(("fault", figure.fault, fault))
    for name, pose, placed in poses:
        out.extend((f"{name}.{joint}", message) for joint, message in _pose_problems(pose, figure, skeleton, placed))
    out.extend(support_problems(figure, skeleton))
    out.extend(_cue_problems(figure, *lay_out(figure, skeleton)))
    return out


# A move's arrow needs a joint that travels at least this far (metres) between the poses.
MIN_TRAVEL = 0.03


def _cue_problems(figure: Figure, start: Placed, end: Placed) -> list[tuple[str, str]]:
    """Every figure shows its motion: a joint that travels, a circle, or a hold with its push marks."""
    if figure.cue == "hold" and not figure.push:
        return [("push", "a hold shows where the body presses: give it at least one push mark")]
    if figure.cue != "move":
        return []
    joint = figure.arrow or moving_joint(start, end)
    if joint not in start.joints:
        return []
    if figure.arrow_offset is not None and math.hypot(*figure.arrow_offset) > ARROW_OFFSET_MAX + 1e-9:
        return [("arrow_offset", f"the arrow is drawn {math.hypot(*figure.arrow_offset):.2f} m from {joint} (at most "
                                 f"{ARROW_OFFSET_MAX:.2f} m): it would no longer read as that joint's move")]
    (x0, y0), (x1, y1) = start.joints[joint], end.joints[joint]
    travel = math.hypot(x1 - x0, y1 - y0)
    if travel < MIN_TRAVEL:
        return [("arrow", f"{joint} moves {travel:.2f} m between the poses (at least {MIN_TRAVEL:.2f} m): the "
                          f"arrow would show no motion; follow a joint that moves, or make it a hold with push marks")]
    shaft = arrow_shaft(figure, (x0, y0), (x1, y1))
    if shaft < MIN_SHAFT - 1e-9:
        return [("arrow", f"the arrow on {joint} has a shaft of {shaft:.2f} m (at least {MIN_SHAFT:.2f} m): it "
                          f"would read as a dot; give the figure an arrow_length of at least "
                          f"{MIN_SHAFT + 2 * ARROW_INSET + ARROW_HEAD:.2f}")]
    return []
