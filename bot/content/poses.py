"""Poses for the exercise figures: a small skeleton, posed by segment angles (``content/poses.yaml``).

Every segment has a fixed length (``skeleton.lengths``). A pose gives each segment's direction as an
angle in degrees against the floor, counter-clockwise, with 0 pointing right (the way a figure seen
from the side faces) and 90 straight up. A value may also be ``[angle, depth]``: ``depth`` tilts the
segment toward the viewer, so it is drawn shorter (a thigh lifted out to the side, seen from the side).
Omitted segments follow their parent (a forearm hangs on in the line of the upper arm, the far limb
copies the near one); ``thigh`` sets both thighs, ``thigh_far`` only the far one.

Every figure names its ``supports``: the joints the body rests on (feet, knees, forearms, hands, hips).
A pose may name its own (a lunge that moves from one foot to the other, a foot up on a step).

This module reads the poses and lays them out (``place``, ``lay_out``, one ``projector`` for every
camera); ``bot.content.pose_checks`` holds the checks a reviewer would make.
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
SEGMENT_JOINTS: dict[str, tuple[str, str]] = {
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
CHAIR_DEPTH = 0.45
# The arrow of a move, in metres: the head's length, the gap left at each end, and the longest arrow a figure may
# ask for with ``arrow_length`` (a small motion drawn large enough to read, centred on it).
ARROW_HEAD = 0.08
ARROW_INSET = 0.04
# The furthest (metres) an arrow may be drawn beside its joint's path and still read as that joint's move.
ARROW_OFFSET_MAX = 0.4
# Half the depth of the trunk and hips: a body lying on its back or side rests this far below the joints.
TRUNK_HALF_DEPTH = 0.1
TRUNK_JOINTS = ("pelvis", "neck", "hip_near", "hip_far", "shoulder_near", "shoulder_far")

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
    # A motion shorter than this (metres) is drawn as an arrow this long, centred on it, so it reads.
    arrow_length: Annotated[float, Field(gt=0, le=1.0)] | None = None
    # [dx, dy] in metres: the arrow drawn this far beside the joint's path, so it does not run over the body
    # (a hip that dips, shown beside the hip). ``check-content`` keeps it within ``ARROW_OFFSET_MAX``.
    arrow_offset: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
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
        return min(min(y - (TRUNK_HALF_DEPTH if k in TRUNK_JOINTS else 0.0) for k, (_, y) in self.joints.items()),
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


def projector(camera: list[float] | None) -> Callable[[float, float, float], tuple[float, float]]:
    """Where a point of the room (x along the view, y up, z toward the viewer) shows in the picture.

    The one projection of every figure: the camera turns round the vertical by ``yaw`` (toward the figure's
    back), then rises by ``pitch`` and looks down (nearer points sit lower). It never rolls, so a line on
    the floor at one distance from the camera stays horizontal: the floor is level in every view.
    """
    yaw, pitch = (math.radians(v) for v in (camera or (0.0, 0.0)))
    cos_yaw, sin_yaw, cos_pitch, sin_pitch = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)

    def project(x: float, y: float, z: float) -> tuple[float, float]:
        across, toward_camera = x * cos_yaw + z * sin_yaw, z * cos_yaw - x * sin_yaw
        return across, y * cos_pitch - toward_camera * sin_pitch

    return project


Point3 = tuple[float, float, float]


def place_in_room(pose: Pose, skeleton: Skeleton, view: View) -> dict[str, Point3]:
    """Joint positions in the room before any camera: x along the view, y up, z toward the viewer.

    The pelvis sits at ``pose.at`` (or the origin); the head's entry is its centre.
    """
    lengths = {**skeleton.lengths, **pose.lengths}
    angles = segment_angles(pose, view)

    def step(origin: Point3, segment: str, scale: float = 1.0) -> Point3:
        angle, depth = angles[segment]
        size = lengths[_length_key(segment)] * scale
        x = size * math.cos(math.radians(depth)) * math.cos(math.radians(angle))
        y = size * math.cos(math.radians(depth)) * math.sin(math.radians(angle))
        z = size * math.sin(math.radians(depth))
        return origin[0] + x, origin[1] + y, origin[2] + z

    joints: dict[str, Point3] = {}
    pelvis = (pose.at[0], pose.at[1], 0.0) if pose.at else (0.0, 0.0, 0.0)
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
    joints["head"] = step(joints["head"], "neck", lengths["head"] / lengths["neck"])
    return joints


def place(pose: Pose, skeleton: Skeleton, view: View, camera: list[float] | None = None) -> Placed:
    """Joint positions with the pelvis at ``pose.at`` (or the origin), seen from ``camera`` if given."""
    lengths = {**skeleton.lengths, **pose.lengths}
    project = projector(camera)
    joints = {name: project(*point) for name, point in place_in_room(pose, skeleton, view).items()}
    return Placed(joints, {k: lengths[_length_key(k)] for k in (*SEGMENTS, "head")}, lengths["head"])


def lay_out(figure: Figure, skeleton: Skeleton) -> tuple[Placed, Placed]:
    """Both poses in one frame: grounded on the floor unless placed, the end pinned to the anchor."""
    start, end, _ = lay_out_all(figure, skeleton)
    return start, end


def lay_out_fault(figure: Figure, skeleton: Skeleton) -> Placed | None:
    """A self-test's fault pose in the frame of its start pose (drawn beside it), or None."""
    return lay_out_all(figure, skeleton)[2]


def lay_out_all(figure: Figure, skeleton: Skeleton) -> tuple[Placed, Placed, Placed | None]:
    poses = [figure.start, figure.end, *([figure.fault] if figure.fault is not None else [])]
    if figure.camera is None:
        start = place(figure.start, skeleton, figure.view)
        if figure.start.at is None:
            start = start.moved(0.0, -start.lowest())
        later = [_grounded(figure, pose, place(pose, skeleton, figure.view), start) for pose in poses[1:]]
        return start, later[0], later[1] if len(later) > 1 else None
    # Seen through a camera: laid out on the floor as seen from the side or front, then the same shift
    # in the room (along the floor and up) turned into the picture, so every pose stands on one floor.
    flat = lay_out_all(figure.model_copy(update={"camera": None}), skeleton)
    project = projector(figure.camera)
    placed: list[Placed] = []
    for pose, world in zip(poses, flat, strict=False):
        assert world is not None
        raw = place(pose, skeleton, figure.view)
        dx = world.joints["pelvis"][0] - raw.joints["pelvis"][0]
        dy = world.joints["pelvis"][1] - raw.joints["pelvis"][1]
        seen = place(pose, skeleton, figure.view, figure.camera)
        placed.append(seen.moved(*project(dx, dy, 0.0)))
    outline = floor_outline(figure, skeleton, placed[0])
    assert outline is not None
    lift = -min(y for _, y in outline)
    placed = [p.moved(0.0, lift) for p in placed]
    return placed[0], placed[1], placed[2] if len(placed) > 2 else None


def room_to_picture(figure: Figure, skeleton: Skeleton) -> Callable[[float, float, float], tuple[float, float]]:
    """A point of the room (x along the view, height, toward the viewer) where the picture shows it."""
    seen = projector(figure.camera)
    if figure.camera is None:
        return seen
    world = lay_out_all(figure.model_copy(update={"camera": None}), skeleton)[0].joints["pelvis"]
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


def floor_outline(figure: Figure, skeleton: Skeleton, placed: Placed, margin: float = 0.12,
                  half_width: float = 0.3) -> list[tuple[float, float]] | None:
    """The floor under a figure seen from ``camera``, as the corners it shows in the picture (a mat is drawn
    on it by ``mat_outline``, under the supports only).

    A patch of floor square to the camera, wide and deep enough for every pose: its edges are horizontal
    and vertical in the picture, so the floor reads level however the camera is turned.
    """
    if figure.camera is None:
        return None
    flat = place(figure.start, skeleton, figure.view)
    height = flat.joints["pelvis"][1] - flat.lowest()
    # Wide enough for every pose, laid out in the room: a lunge to the side still lands on the floor shown.
    room = [p for p in lay_out_all(figure.model_copy(update={"camera": None}), skeleton) if p is not None]
    origin = room[0].joints["pelvis"][0]
    xs = [x - origin for pose in room for x, _ in pose.joints.values()]
    project = projector(figure.camera)
    seen = [project(x, 0.0, z) for x in (min(xs) - margin, max(xs) + margin) for z in (half_width, -half_width)]
    left, right = min(x for x, _ in seen), max(x for x, _ in seen)
    near, far = min(y for _, y in seen), max(y for _, y in seen)
    px, py = placed.joints["pelvis"]
    floor = py - height * project(0.0, 1.0, 0.0)[1]
    return [(px + left, floor + near), (px + right, floor + near), (px + right, floor + far),
            (px + left, floor + far)]


# The mat reaches this far (metres) past the outermost supports, all round.
MAT_MARGIN = 0.15


def support_points(figure: Figure, skeleton: Skeleton) -> list[Point3]:
    """Where every pose rests, in the room (x along the view, y up, z toward the viewer; the floor at y 0)."""
    poses = [figure.start, figure.end, *([figure.fault] if figure.fault is not None else [])]
    room = lay_out_all(figure.model_copy(update={"camera": None}), skeleton)
    out: list[Point3] = []
    for pose, laid in zip(poses, room, strict=False):
        assert laid is not None
        raw = place_in_room(pose, skeleton, figure.view)
        dx = laid.joints["pelvis"][0] - raw["pelvis"][0]
        dy = laid.joints["pelvis"][1] - raw["pelvis"][1]
        for joint in pose.supports if pose.supports is not None else figure.supports:
            if joint in raw:
                x, y, z = raw[joint]
                out.append((x + dx, y + dy, z))
                if joint in TRUNK_JOINTS:  # the trunk rests on its flesh, as deep as the body either side
                    out += [(x + dx, y + dy, z - TRUNK_HALF_DEPTH), (x + dx, y + dy, z + TRUNK_HALF_DEPTH)]
    return out


def mat_outline(figure: Figure, skeleton: Skeleton, margin: float = MAT_MARGIN) -> list[tuple[float, float]] | None:
    """The mat as the picture shows it: a rectangle on the floor under the supports of every pose, ``margin``
    past the outermost ones, seen through the figure's one camera (a parallelogram when it is turned).

    Corners in order near-left, near-right, far-right, far-left of the room; None without a mat.
    """
    if not figure.props.mat:
        return None
    points = support_points(figure, skeleton)
    if not points:
        return None
    x0, x1 = min(p[0] for p in points) - margin, max(p[0] for p in points) + margin
    z0, z1 = min(p[2] for p in points) - margin, max(p[2] for p in points) + margin
    seen = room_to_picture(figure, skeleton)
    return [seen(x0, 0.0, z1), seen(x1, 0.0, z1), seen(x1, 0.0, z0), seen(x0, 0.0, z0)]


def moving_joint(start: Placed, end: Placed) -> str:
    """The joint that travels furthest between the poses (the arrow's default)."""
    def moved(joint: str) -> float:
        (x0, y0), (x1, y1) = start.joints[joint], end.joints[joint]
        return math.hypot(x1 - x0, y1 - y0)

    return max(start.joints, key=moved)


def arrow_ends(figure: Figure, start: tuple[float, float], end: tuple[float, float]
               ) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where a move's arrow runs: the joint's path, moved by ``figure.arrow_offset`` and stretched to
    ``figure.arrow_length`` about its middle."""
    if figure.arrow_offset is not None:
        dx, dy = figure.arrow_offset
        start, end = (start[0] + dx, start[1] + dy), (end[0] + dx, end[1] + dy)
    travel = math.hypot(end[0] - start[0], end[1] - start[1])
    length = figure.arrow_length or 0.0
    if travel >= length:
        return start, end
    if travel == 0:
        ux, uy = 0.0, 1.0
    else:
        ux, uy = (end[0] - start[0]) / travel, (end[1] - start[1]) / travel
    mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    return (mx - ux * length / 2, my - uy * length / 2), (mx + ux * length / 2, my + uy * length / 2)


def arrow_shaft(figure: Figure, start: tuple[float, float], end: tuple[float, float]) -> float:
    """The length of the arrow's drawn shaft (metres): its path less the gaps at both ends and the head."""
    (x0, y0), (x1, y1) = arrow_ends(figure, start, end)
    return math.hypot(x1 - x0, y1 - y0) - 2 * ARROW_INSET - ARROW_HEAD
