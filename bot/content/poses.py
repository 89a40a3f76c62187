"""Poses for the exercise figures: a small skeleton, posed by segment angles (``content/poses.yaml``).

Every segment has a fixed length (``skeleton.lengths``). A pose gives each segment's direction as an
angle in degrees against the floor, counter-clockwise, with 0 pointing right (the way a figure seen
from the side faces) and 90 straight up. A value may also be ``[angle, depth]``: ``depth`` tilts the
segment toward the viewer, so it is drawn shorter (a thigh lifted out to the side, seen from the side).
Omitted segments follow their parent (a forearm hangs on in the line of the upper arm, the far limb
copies the near one); ``thigh`` sets both thighs, ``thigh_far`` only the far one.

Every figure names its ``supports``: the joints the body rests on (feet, knees, forearms, hands, hips).
A pose may name its own (a lunge that moves from one foot to the other, a foot up on a step).

The checks here are the ones a reviewer would make: both poses present, no segment longer or
shorter in one pose than in the other, the body above the floor, every support on the floor or on a
prop (a step, a chair seat, a wall), hinge joints (knee, elbow) bending the right way, and the neck
not folded against the trunk. Problems name the file, figure and joint.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

POSES_FILE = "poses.yaml"

SIDES = ("near", "far")
LIMBS = ("upper_arm", "forearm", "thigh", "shin", "foot")
SINGLE = ("trunk", "neck", "pelvis", "shoulders")
# segment -> (joint it starts from, joint it ends at); limbs per side.
_SEGMENT_JOINTS: dict[str, tuple[str, str]] = {
    "trunk": ("pelvis", "neck"),
    "neck": ("neck", "head"),
    "upper_arm": ("shoulder", "elbow"),
    "forearm": ("elbow", "hand"),
    "thigh": ("hip", "knee"),
    "shin": ("knee", "ankle"),
    "foot": ("ankle", "toe"),
}
SEGMENTS = (*SINGLE, *(f"{limb}_{side}" for limb in LIMBS for side in SIDES))
LENGTH_KEYS = ("trunk", "neck", "head", "pelvis", "shoulders", *LIMBS)
View = Literal["side", "front", "back"]
# How far a joint may sit below the floor line (rounding in the data) before it counts as under it.
FLOOR_TOLERANCE = 0.01
# How far a support may be from the floor or its prop (metres) and still rest on it.
SUPPORT_TOLERANCE = 0.03
# A limb against a wall: its middle line is half a limb's width from the wall's face.
WALL_REACH = 0.06
CHAIR_DEPTH = 0.45
# Half the depth of the trunk and hips: a body lying on its back or side rests this far below the joints.
TRUNK_HALF_DEPTH = 0.1
_TRUNK_JOINTS = ("pelvis", "neck", "hip_near", "hip_far", "shoulder_near", "shoulder_far")

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Skeleton(_Model):
    """Segment lengths in metres (``pelvis`` and ``shoulders`` are half widths; ``head`` a radius)."""

    lengths: dict[str, Annotated[float, Field(gt=0, le=1.0)]]

    @model_validator(mode="after")
    def _all_lengths(self) -> Skeleton:
        missing = [k for k in LENGTH_KEYS if k not in self.lengths]
        extra = [k for k in self.lengths if k not in LENGTH_KEYS]
        if missing:
            raise ValueError(f"lengths missing for {', '.join(missing)}")
        if extra:
            raise ValueError(f"unknown segments {', '.join(extra)} (known: {', '.join(LENGTH_KEYS)})")
        return self


AngleValue = float | Annotated[list[float], Field(min_length=2, max_length=2)]


class Pose(_Model):
    at: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    supports: list[str] | None = None  # this pose's own supports, instead of the figure's
    lengths: dict[str, Annotated[float, Field(gt=0, le=1.0)]] = Field(default_factory=dict)
    trunk: AngleValue = 90.0
    neck: AngleValue | None = None
    pelvis: AngleValue | None = None
    shoulders: AngleValue | None = None
    upper_arm: AngleValue | None = None
    forearm: AngleValue | None = None
    thigh: AngleValue | None = None
    shin: AngleValue | None = None
    foot: AngleValue | None = None
    upper_arm_near: AngleValue | None = None
    upper_arm_far: AngleValue | None = None
    forearm_near: AngleValue | None = None
    forearm_far: AngleValue | None = None
    thigh_near: AngleValue | None = None
    thigh_far: AngleValue | None = None
    shin_near: AngleValue | None = None
    shin_far: AngleValue | None = None
    foot_near: AngleValue | None = None
    foot_far: AngleValue | None = None

    @model_validator(mode="after")
    def _known_lengths(self) -> Pose:
        extra = [k for k in self.lengths if k not in LENGTH_KEYS]
        if extra:
            raise ValueError(f"lengths: unknown segments {', '.join(extra)}")
        return self


class Props(_Model):
    mat: bool = False
    band: Literal["knees", "ankles"] | None = None
    dumbbells: Literal["hands", "chest"] | None = None
    barbell: bool = False
    wall: float | None = None  # x of the wall's face
    step: Annotated[list[float], Field(min_length=3, max_length=3)] | None = None  # [x from, x to, height]
    chair: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None  # [x of front edge, seat height]


Limb = Literal["leg_near", "leg_far", "arm_near", "arm_far"]


class Figure(_Model):
    view: View = "side"
    supports: Annotated[list[str], Field(min_length=1)]  # joints resting on the floor or a prop
    anchor: str | None = None  # a joint that stays put: the end pose is moved so it matches the start
    arrow: str | None = None  # the joint whose path the arrow shows (default: the one moving most)
    # How the arrow reads: a move from start to end, a circle drawn round the end, or a hold (no travel:
    # the ``push`` marks show where the body presses).
    cue: Literal["move", "circle", "hold"] = "move"
    # [joint, angle]: a short push mark at the joint, pressing in the direction of the angle (degrees,
    # as the segment angles): a forearm into the floor, a knee out into a band or a wall.
    push: list[tuple[str, float]] = Field(default_factory=list)
    # The limbs doing the work (drawn darkest; default: the limb the arrow follows) and the glute
    # being trained (highlighted; default: the working leg's side, else both).
    work: list[Limb] | None = None
    glute: Literal["near", "far", "both", "none"] | None = None
    # A self-test's fault, drawn beside the good end pose: what to look for, not a move to copy.
    fault: Pose | None = None
    mark_pelvis: bool = False  # draw the line through both hips, to show whether the pelvis stays level
    # [yaw, pitch] in degrees: the camera turned round the figure from where ``view`` puts it (yaw, toward
    # the figure's back) and raised above it (pitch), so a movement toward the viewer shows.
    camera: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    props: Props = Field(default_factory=Props)
    start: Pose
    end: Pose


class PoseBook(_Model):
    skeleton: Skeleton
    exercises: dict[str, Figure]
    selftests: dict[str, Figure]

    def figure(self, kind: str, slug: str) -> Figure:
        return (self.exercises if kind == "exercise" else self.selftests)[slug]


JOINTS = (
    "pelvis",
    "neck",
    "head",
    *(f"{j}_{s}" for j in ("shoulder", "elbow", "hand", "hip", "knee", "ankle", "toe") for s in SIDES),
)


@dataclass(frozen=True)
class Placed:
    """A pose laid out: joint positions in metres (y up, the floor at 0) and each segment's true length."""

    joints: dict[str, tuple[float, float]]
    lengths: dict[str, float]
    head_radius: float

    def lowest(self) -> float:
        """The lowest point of the body: a joint, the back of the head or the flesh round the trunk."""
        return min(min(y - (TRUNK_HALF_DEPTH if k in _TRUNK_JOINTS else 0.0) for k, (_, y) in self.joints.items()),
                   self.joints["head"][1] - self.head_radius)

    def moved(self, dx: float, dy: float) -> Placed:
        return Placed({k: (x + dx, y + dy) for k, (x, y) in self.joints.items()}, self.lengths, self.head_radius)


def _angle(value: AngleValue | None) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return float(value[0]), float(value[1])
    return float(value), 0.0


def norm(degrees: float) -> float:
    """An angle folded into (-180, 180]."""
    d = math.fmod(degrees, 360.0)
    if d <= -180:
        d += 360
    elif d > 180:
        d -= 360
    return d


def segment_angles(pose: Pose, view: View) -> dict[str, tuple[float, float]]:
    """Every segment's (angle, depth), with the defaults filled in."""
    out: dict[str, tuple[float, float]] = {}
    trunk = _angle(pose.trunk) or (90.0, 0.0)
    out["trunk"] = trunk
    out["neck"] = _angle(pose.neck) or trunk
    if view == "side":
        out["pelvis"] = _angle(pose.pelvis) or (trunk[0] - 90, 90.0)
        out["shoulders"] = _angle(pose.shoulders) or (trunk[0] - 90, 90.0)
    else:
        out["pelvis"] = _angle(pose.pelvis) or (trunk[0] - 90, 0.0)
        out["shoulders"] = _angle(pose.shoulders) or (trunk[0] - 90, 0.0)
    for side in SIDES:
        upper = _angle(getattr(pose, f"upper_arm_{side}")) or _angle(pose.upper_arm) or (270.0, 0.0)
        fore = _angle(getattr(pose, f"forearm_{side}")) or _angle(pose.forearm) or upper
        thigh = _angle(getattr(pose, f"thigh_{side}")) or _angle(pose.thigh) or (270.0, 0.0)
        shin = _angle(getattr(pose, f"shin_{side}")) or _angle(pose.shin) or thigh
        # Seen from the side a foot points forward; from the front or back it points at the viewer.
        turn = 90 if view == "side" or side == "near" else -90
        foot_default = (shin[0] + turn, 0.0 if view == "side" else 70.0)
        foot = _angle(getattr(pose, f"foot_{side}")) or _angle(pose.foot) or foot_default
        out[f"upper_arm_{side}"], out[f"forearm_{side}"] = upper, fore
        out[f"thigh_{side}"], out[f"shin_{side}"], out[f"foot_{side}"] = thigh, shin, foot
    return out


def _length_key(segment: str) -> str:
    return segment.rsplit("_", 1)[0] if segment.endswith(SIDES) else segment


def _projector(camera: list[float] | None) -> tuple[float, float, float, float]:
    """(x from x, x from depth, y from y, y from x and depth as one) for a camera turned by [yaw, pitch]."""
    yaw, pitch = (math.radians(v) for v in (camera or (0.0, 0.0)))
    return math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)


def place(pose: Pose, skeleton: Skeleton, view: View, camera: list[float] | None = None) -> Placed:
    """Joint positions with the pelvis at ``pose.at`` (or the origin), seen from ``camera`` if given."""
    lengths = {**skeleton.lengths, **pose.lengths}
    angles = segment_angles(pose, view)
    cos_yaw, sin_yaw, cos_pitch, sin_pitch = _projector(camera)

    def step(origin: tuple[float, float], segment: str, scale: float = 1.0) -> tuple[float, float]:
        angle, depth = angles[segment]
        size = lengths[_length_key(segment)] * scale
        # The segment in three dimensions: x along the picture, y up, z toward the viewer.
        x = size * math.cos(math.radians(depth)) * math.cos(math.radians(angle))
        y = size * math.cos(math.radians(depth)) * math.sin(math.radians(angle))
        z = size * math.sin(math.radians(depth))
        # Turn the camera round toward the figure's back (-x), then raise it: nearer points sit lower.
        toward_camera = z * cos_yaw - x * sin_yaw
        return (
            origin[0] + x * cos_yaw + z * sin_yaw,
            origin[1] + y * cos_pitch - toward_camera * sin_pitch,
        )

    joints: dict[str, tuple[float, float]] = {}
    pelvis = (pose.at[0], pose.at[1]) if pose.at else (0.0, 0.0)
    joints["pelvis"] = pelvis
    joints["neck"] = step(pelvis, "trunk")
    joints["head"] = step(joints["neck"], "neck")
    for side, sign in (("near", 1.0), ("far", -1.0)):
        hip = step(pelvis, "pelvis", sign)
        shoulder = step(joints["neck"], "shoulders", sign)
        joints[f"hip_{side}"], joints[f"shoulder_{side}"] = hip, shoulder
        joints[f"elbow_{side}"] = step(shoulder, f"upper_arm_{side}")
        joints[f"hand_{side}"] = step(joints[f"elbow_{side}"], f"forearm_{side}")
        joints[f"knee_{side}"] = step(hip, f"thigh_{side}")
        joints[f"ankle_{side}"] = step(joints[f"knee_{side}"], f"shin_{side}")
        joints[f"toe_{side}"] = step(joints[f"ankle_{side}"], f"foot_{side}")
    head_centre = step(joints["head"], "neck", lengths["head"] / lengths["neck"])
    joints["head"] = head_centre
    return Placed(joints, {k: lengths[_length_key(k)] for k in (*SEGMENTS, "head")}, lengths["head"])


def lay_out(figure: Figure, skeleton: Skeleton) -> tuple[Placed, Placed]:
    """Both poses in one frame: grounded on the floor unless placed, the end pinned to the anchor."""
    start, end, _ = _lay_out_all(figure, skeleton)
    return start, end


def lay_out_fault(figure: Figure, skeleton: Skeleton) -> Placed | None:
    """A self-test's fault pose in the frame of its start pose (drawn beside it), or None."""
    return _lay_out_all(figure, skeleton)[2]


def _lay_out_all(figure: Figure, skeleton: Skeleton) -> tuple[Placed, Placed, Placed | None]:
    poses = [figure.start, figure.end, *([figure.fault] if figure.fault is not None else [])]
    if figure.camera is None:
        start = place(figure.start, skeleton, figure.view)
        if figure.start.at is None:
            start = start.moved(0.0, -start.lowest())
        later = [_grounded(figure, pose, place(pose, skeleton, figure.view), start) for pose in poses[1:]]
        return start, later[0], later[1] if len(later) > 1 else None
    # Seen through a camera: laid out on the floor as seen from the side or front, then the same shift
    # in the room (along the floor and up) turned into the picture, so every pose stands on one floor.
    flat = _lay_out_all(figure.model_copy(update={"camera": None}), skeleton)
    cos_yaw, sin_yaw, cos_pitch, sin_pitch = _projector(figure.camera)
    placed: list[Placed] = []
    for pose, world in zip(poses, flat, strict=False):
        assert world is not None
        raw = place(pose, skeleton, figure.view)
        dx = world.joints["pelvis"][0] - raw.joints["pelvis"][0]
        dy = world.joints["pelvis"][1] - raw.joints["pelvis"][1]
        seen = place(pose, skeleton, figure.view, figure.camera)
        placed.append(seen.moved(dx * cos_yaw, dy * cos_pitch + dx * sin_yaw * sin_pitch))
    outline = floor_outline(figure, skeleton, placed[0])
    assert outline is not None
    lift = -min(y for _, y in outline)
    placed = [p.moved(0.0, lift) for p in placed]
    return placed[0], placed[1], placed[2] if len(placed) > 2 else None


def room_to_picture(figure: Figure, skeleton: Skeleton) -> Callable[[float, float, float], tuple[float, float]]:
    """A point of the room (x along the view, height, toward the viewer) where the picture shows it."""
    cos_yaw, sin_yaw, cos_pitch, sin_pitch = _projector(figure.camera)

    def seen(x: float, y: float, z: float) -> tuple[float, float]:
        return x * cos_yaw + z * sin_yaw, y * cos_pitch - (z * cos_yaw - x * sin_yaw) * sin_pitch

    if figure.camera is None:
        return seen
    world = _lay_out_all(figure.model_copy(update={"camera": None}), skeleton)[0].joints["pelvis"]
    picture = lay_out(figure, skeleton)[0].joints["pelvis"]
    base = seen(world[0], world[1], 0.0)
    dx, dy = picture[0] - base[0], picture[1] - base[1]
    return lambda x, y, z: (seen(x, y, z)[0] + dx, seen(x, y, z)[1] + dy)


def _grounded(figure: Figure, pose: Pose, placed: Placed, start: Placed) -> Placed:
    """A later pose on the floor (unless placed), moved along it so the anchor stays where it was."""
    if pose.at is not None:
        return placed
    placed = placed.moved(0.0, -placed.lowest())
    if figure.anchor and figure.anchor in placed.joints:
        placed = placed.moved(start.joints[figure.anchor][0] - placed.joints[figure.anchor][0], 0.0)
    return placed


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
            y -= placed.head_radius if joint == "head" else TRUNK_HALF_DEPTH if joint in _TRUNK_JOINTS else 0.0
            if figure.props.wall is not None and abs(x - figure.props.wall) <= WALL_REACH + SUPPORT_TOLERANCE:
                continue
            gap, label, height = min((abs(y - h), label, h) for label, x0, x1, h in surfaces
                                     if x0 - SUPPORT_TOLERANCE <= x <= x1 + SUPPORT_TOLERANCE)
            if gap > SUPPORT_TOLERANCE:
                where = "above" if y > height else "below"
                out.append((f"{name}.{joint}", f"is a support but hovers {gap:.2f} m {where} {label} "
                                               f"(at most {SUPPORT_TOLERANCE:.2f} m): put it on the floor or its prop"))
    return out


def floor_outline(figure: Figure, skeleton: Skeleton, placed: Placed, margin: float = 0.12,
                  half_width: float = 0.3) -> list[tuple[float, float]] | None:
    """The mat under a figure seen from ``camera``: a rectangle on the floor, as the corners it shows in."""
    if figure.camera is None:
        return None
    flat = place(figure.start, skeleton, figure.view)
    height = flat.joints["pelvis"][1] - flat.lowest()
    # Wide enough for every pose, laid out in the room: a lunge to the side still lands on the floor shown.
    room = [p for p in _lay_out_all(figure.model_copy(update={"camera": None}), skeleton) if p is not None]
    origin = room[0].joints["pelvis"][0]
    xs = [x - origin for pose in room for x, _ in pose.joints.values()]
    cos_yaw, sin_yaw, cos_pitch, sin_pitch = _projector(figure.camera)
    px, py = placed.joints["pelvis"]
    corners = ((min(xs) - margin, half_width), (max(xs) + margin, half_width),
               (max(xs) + margin, -half_width), (min(xs) - margin, -half_width))
    return [(px + x * cos_yaw + z * sin_yaw, py - height * cos_pitch - (z * cos_yaw - x * sin_yaw) * sin_pitch)
            for x, z in corners]


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
                joints = _SEGMENT_JOINTS.get(key, (key, key))
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
    start, end, fault = _lay_out_all(figure.model_copy(update={"camera": None}), skeleton)
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
    (x0, y0), (x1, y1) = start.joints[joint], end.joints[joint]
    travel = math.hypot(x1 - x0, y1 - y0)
    if travel < MIN_TRAVEL:
        return [("arrow", f"{joint} moves {travel:.2f} m between the poses (at least {MIN_TRAVEL:.2f} m): the "
                          f"arrow would show no motion; follow a joint that moves, or make it a hold with push marks")]
    return []


def moving_joint(start: Placed, end: Placed) -> str:
    """The joint that travels furthest between the poses (the arrow's default)."""
    def moved(joint: str) -> float:
        (x0, y0), (x1, y1) = start.joints[joint], end.joints[joint]
        return math.hypot(x1 - x0, y1 - y0)

    return max(start.joints, key=moved)
