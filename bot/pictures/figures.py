"""Exercise figures drawn with Pillow: the end pose solid, the start pose ghosted, an arrow for the motion.

Pillow is imported inside the functions, so importing this module costs nothing until a figure is drawn.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.content.poses import (
    SIDES,
    Figure,
    Placed,
    Skeleton,
    arrow_ends,
    floor_outline,
    lay_out,
    lay_out_fault,
    mat_outline,
    moving_joint,
    room_to_picture,
)
from bot.pictures.canvas import ARROW, Frame, arrow, font, label, line, loop, push, towards, unit

if TYPE_CHECKING:
    from PIL import ImageDraw

# Drawn at SUPER times the size, then scaled down: smooth edges without anti-aliased primitives.
SUPER = 2
FIGURE_SIZE = (480, 320)
BACKGROUND = (238, 241, 245, 255)
FLOOR = (150, 158, 170)
FLOOR_PLANE = (222, 227, 234)
BODY = (71, 85, 105)
BODY_FAR = (141, 155, 174)
WORK = (15, 23, 42)  # the working limb: darkest
WORK_FAR = (51, 65, 85)
GLUTE = (225, 29, 72)  # the glute being trained
GHOST = (192, 201, 212)
GHOST_FAR = (211, 218, 227)
MAT = (129, 190, 150)
MAT_EDGE = (74, 140, 98)
MAT_THICKNESS = 0.02  # metres, the mat's edge seen from above
BAND = (124, 58, 237)
BAND_GHOST = (196, 181, 253)
WALL = (160, 166, 176)
STEP = (176, 139, 90)
WEIGHT = (8, 145, 178)  # dumbbells and the barbell: their own colour, apart from the body
WEIGHT_GHOST = (165, 216, 230)
GOOD = (21, 128, 61)
FAULT = (200, 30, 30)
TEXT = (45, 55, 72)
EYE = (238, 241, 245)
LIMB_WIDTH = 0.06  # metres
TORSO_HALF_DEPTH = 0.1  # seen from the side, half the trunk's depth (as bot.content.poses.TRUNK_HALF_DEPTH)
MARGIN = 0.12  # metres around the figure
FAULT_GAP = 0.45  # metres between the good pose and the fault beside it
TITLE_PX = 20
# A wall seen through a turned camera: how far it reaches toward the viewer and behind the body, and its height.
WALL_FRONT, WALL_BACK, WALL_HEIGHT = 0.7, -0.3, 1.9
PALETTE = 96

_LIMB_CHAINS = {"arm": ("shoulder", "elbow", "hand"), "leg": ("hip", "knee", "ankle", "toe")}


def _bounds(figure: Figure, poses: Sequence[Placed], labels: bool = False,
            outline: Sequence[tuple[float, float]] = ()) -> tuple[float, float, float, float]:
    xs: list[float] = [x for x, _ in outline]
    ys: list[float] = [0.0, *(y for _, y in outline)]
    for placed in poses:
        for x, y in placed.joints.values():
            xs.append(x)
            ys.append(y)
        hx, hy = placed.joints["head"]
        xs += [hx - placed.head_radius, hx + placed.head_radius]
        ys.append(hy + placed.head_radius)
    props = figure.props
    if props.wall is not None:
        xs += [props.wall, props.wall + 0.1]
        ys.append(max(ys) + 0.1)
    if props.step is not None:
        xs += [props.step[0], props.step[1]]
        ys.append(props.step[2])
    if props.chair is not None:
        xs += [props.chair[0], props.chair[0] + 0.45]
        ys.append(props.chair[1] + 0.45)
    if props.barbell:
        ys.append(max(ys) + 0.08)
    x0, x1 = min(xs) - MARGIN, max(xs) + MARGIN
    y0, y1 = min(-0.06, min(ys) - 0.02), max(ys) + MARGIN + (0.22 if labels else 0.0)
    # Keep small moves from being blown up to giant size: at least 1.2 m tall, 1.6 m wide.
    if x1 - x0 < 1.6:
        pad = (1.6 - (x1 - x0)) / 2
        x0, x1 = x0 - pad, x1 + pad
    y1 = max(y1, y0 + 1.2)
    return x0, y0, x1, y1


def _torso(draw: ImageDraw.ImageDraw, frame: Frame, placed: Placed, colour: Any) -> None:
    """A rounded trunk in every view: shoulders to hips with round corners, as wide as the view shows it."""
    j = placed.joints
    pelvis, neck = j["pelvis"], j["neck"]
    ux, uy = unit(pelvis, neck)
    nx, ny = -uy, ux

    def half(a: str, b: str, least: float) -> float:
        spread = abs((j[a][0] - j[b][0]) * nx + (j[a][1] - j[b][1]) * ny) / 2
        return max(spread, least)

    radius = 0.07
    shoulders = half("shoulder_near", "shoulder_far", TORSO_HALF_DEPTH + 0.01) + 0.02 - radius
    hips = half("hip_near", "hip_far", TORSO_HALF_DEPTH) + 0.04 - radius
    top = (neck[0] - ux * 0.02, neck[1] - uy * 0.02)
    bottom = (pelvis[0] - ux * 0.03, pelvis[1] - uy * 0.03)
    corners = [(top[0] + nx * shoulders, top[1] + ny * shoulders), (top[0] - nx * shoulders, top[1] - ny * shoulders),
               (bottom[0] - nx * hips, bottom[1] - ny * hips), (bottom[0] + nx * hips, bottom[1] + ny * hips)]
    draw.polygon([frame.px(c) for c in corners], fill=colour)
    line(draw, frame, [*corners, corners[0]], colour, frame.size(2 * radius))


def _glutes(draw: ImageDraw.ImageDraw, frame: Frame, figure: Figure, placed: Placed) -> None:
    """The trained glute in its own colour: behind the hip seen from the side, on the hip from front or back."""
    side = figure.glute or _default_glute(figure)
    if side == "none":
        return
    j = placed.joints
    ux, uy = unit(j["pelvis"], j["neck"])
    r = frame.size(0.065)
    if figure.view == "side" and _yaw(figure) < 45:
        # The back of the body is to the left of the trunk's direction (a figure faces right).
        centres = [(j["pelvis"][0] - uy * 0.055 - ux * 0.01, j["pelvis"][1] + ux * 0.055 - uy * 0.01)]
    else:
        sides = ("near", "far") if side == "both" else (side,)
        centres = [(j[f"hip_{s}"][0] - ux * 0.04, j[f"hip_{s}"][1] - uy * 0.04) for s in sides]
    for centre in centres:
        x, y = frame.px(centre)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=GLUTE)


def _yaw(figure: Figure) -> float:
    return abs(figure.camera[0]) if figure.camera else 0.0


def _head(draw: ImageDraw.ImageDraw, frame: Frame, figure: Figure, placed: Placed, colour: Any,
          face: bool) -> None:
    """The head, with a nose and an eye seen from the side (face up or face down shows), eyes from the front."""
    j = placed.joints
    hx, hy = frame.px(j["head"])
    r = frame.size(placed.head_radius)
    draw.ellipse((hx - r, hy - r, hx + r, hy + r), fill=colour)
    if not face:
        return
    ux, uy = unit(j["neck"], j["head"])  # up the neck, in metres (y up)
    px_up = (ux, -uy)  # the same direction in pixels (y down)
    if figure.view == "side" and _yaw(figure) < 45:
        # The face: the neck's direction turned a quarter clockwise, (uy, -ux) in metres, y flipped in pixels.
        fx, fy = uy, ux
        tip = (hx + fx * r * 1.35, hy + fy * r * 1.35)
        base1 = (hx + fx * r * 0.8 + px_up[0] * r * 0.35, hy + fy * r * 0.8 + px_up[1] * r * 0.35)
        base2 = (hx + fx * r * 0.8 - px_up[0] * r * 0.25, hy + fy * r * 0.8 - px_up[1] * r * 0.25)
        draw.polygon([tip, base1, base2], fill=colour)
        ex, ey = hx + fx * r * 0.45 + px_up[0] * r * 0.25, hy + fy * r * 0.45 + px_up[1] * r * 0.25
        e = max(2.0, r * 0.16)
        draw.ellipse((ex - e, ey - e, ex + e, ey + e), fill=EYE)
    elif figure.view == "front":
        e = max(2.0, r * 0.14)
        for sign in (1, -1):
            ex = hx + sign * -px_up[1] * r * 0.4 + px_up[0] * r * 0.15
            ey = hy + sign * px_up[0] * r * 0.4 + px_up[1] * r * 0.15
            draw.ellipse((ex - e, ey - e, ex + e, ey + e), fill=EYE)


def _default_work(figure: Figure, joint: str) -> list[str]:
    if figure.work is not None:
        return list(figure.work)
    name, _, side = joint.rpartition("_")
    if side not in SIDES:
        return []
    limb = "arm" if name in ("shoulder", "elbow", "hand") else "leg"
    return [f"{limb}_{side}"]


def _default_glute(figure: Figure) -> str:
    legs = [w.split("_")[1] for w in _default_work(figure, figure.arrow or "") if w.startswith("leg")]
    return legs[0] if len(legs) == 1 else "both"


def _body(draw: ImageDraw.ImageDraw, frame: Frame, figure: Figure, placed: Placed, ghost: bool,
          work: Sequence[str] = ()) -> None:
    j = placed.joints
    width = frame.size(LIMB_WIDTH)
    near, far = (GHOST, GHOST_FAR) if ghost else (BODY, BODY_FAR)
    for side in ("far", "near"):
        if side == "near":
            _torso(draw, frame, placed, near)
            if not ghost:
                _glutes(draw, frame, figure, placed)
            neck_top = towards(j["neck"], j["head"], placed.lengths["neck"])
            line(draw, frame, [j["neck"], neck_top], near, width * 1.1)
            _head(draw, frame, figure, placed, near, face=not ghost)
        for limb, chain in _LIMB_CHAINS.items():
            tint = near if side == "near" else far
            if f"{limb}_{side}" in work and not ghost:
                tint = WORK if side == "near" else WORK_FAR
            line(draw, frame, [j[f"{name}_{side}"] for name in chain], tint, width)


def _props_behind(draw: ImageDraw.ImageDraw, frame: Frame, figure: Figure, skeleton: Skeleton,
                  bounds: tuple[float, ...], outline: Sequence[tuple[float, float]] | None = None) -> None:
    props = figure.props
    if outline and not props.mat:
        draw.polygon([frame.px(p) for p in outline], fill=FLOOR_PLANE)
    mat = mat_outline(figure, skeleton)
    if mat and figure.camera is not None:
        # A thin mat lying on the floor: its edge shows as a darker strip below the near sides.
        edge = [(x, y - MAT_THICKNESS) for x, y in mat]
        draw.polygon([frame.px(p) for p in edge], fill=MAT_EDGE)
        draw.polygon([frame.px(p) for p in mat], fill=MAT)
    elif mat:
        left, top = frame.px((min(x for x, _ in mat), 0.0))
        right, _ = frame.px((max(x for x, _ in mat), 0.0))
        draw.rounded_rectangle((left, top, right, top + frame.size(0.03)), radius=frame.size(0.01), fill=MAT)
    if props.wall is not None and figure.camera is not None:
        # Seen from a turned camera the wall is a plane going away from the viewer.
        # A panel of wall beside the body, from just behind it to past the lifted knee: seen beside the figure,
        # not as a backdrop behind it.
        seen = room_to_picture(figure, skeleton)
        height = WALL_HEIGHT
        face = [seen(props.wall, 0.0, WALL_FRONT), seen(props.wall, height, WALL_FRONT),
                seen(props.wall, height, WALL_BACK), seen(props.wall, 0.0, WALL_BACK)]
        draw.polygon([frame.px(p) for p in face], fill=WALL)
    elif props.wall is not None:
        left, top = frame.px((props.wall, bounds[3] - 0.05))
        right, bottom = frame.px((props.wall + 0.08, 0.0))
        draw.rectangle((left, top, right, bottom), fill=WALL)
    if props.step is not None:
        x_from, x_to, height = props.step
        left, top = frame.px((x_from, height))
        right, bottom = frame.px((x_to, 0.0))
        draw.rectangle((left, top, right, bottom), fill=STEP)
    if props.chair is not None:
        front, seat = props.chair
        w = max(2, round(frame.size(0.04)))
        line(draw, frame, [(front, 0.0), (front, seat), (front + 0.45, seat), (front + 0.45, 0.0)], WALL, w)
        line(draw, frame, [(front + 0.45, seat), (front + 0.45, seat + 0.45)], WALL, w)


def _props_front(draw: ImageDraw.ImageDraw, frame: Frame, figure: Figure, placed: Placed, ghost: bool) -> None:
    props, j = figure.props, placed.joints
    weight = WEIGHT_GHOST if ghost else WEIGHT
    if props.band is not None:
        band = BAND_GHOST if ghost else BAND
        joint = "knee" if props.band == "knees" else "ankle"
        a, b = j[f"{joint}_near"], j[f"{joint}_far"]
        if props.band == "ankles":  # a band sits just above the ankle bones
            a = towards(a, j["knee_near"], 0.08)
            b = towards(b, j["knee_far"], 0.08)
        (ax, ay), (bx, by) = frame.px(a), frame.px(b)
        w = max(3, round(frame.size(0.03)))
        r = frame.size(0.045)
        if math.hypot(ax - bx, ay - by) < r:
            draw.ellipse((ax - r, ay - r, ax + r, ay + r), outline=band, width=w)
        else:
            draw.line([(ax, ay), (bx, by)], fill=band, width=w)
            for x, y in ((ax, ay), (bx, by)):
                draw.ellipse((x - r * 0.7, y - r * 0.7, x + r * 0.7, y + r * 0.7), outline=band, width=w)
    if props.dumbbells == "hands":
        for side in SIDES:
            _dumbbell(draw, frame, j[f"hand_{side}"], weight)
    elif props.dumbbells == "chest":
        # One dumbbell held upright in both hands, in front of the chest.
        centre, _ = chest_dumbbell(placed)
        _dumbbell(draw, frame, centre, weight, upright=True)
    if props.barbell:
        _barbell(draw, frame, figure, placed, weight)


# The barbell seen from the side: a plate this big (metres), its rim this far clear of the head.
PLATE_RADIUS = 0.11
PLATE_CLEARANCE = 0.03
# Where the bar rests: this far down the trunk from the base of the neck (on the top of the shoulder blades),
# and this far behind the trunk's middle line (just behind the back).
BAR_BELOW_NECK = 0.09
BAR_BEHIND = TORSO_HALF_DEPTH + 0.03


def barbell_plate(placed: Placed) -> tuple[tuple[float, float], float]:
    """(centre, radius) of the plate seen from the side: on the bar across the upper back, clear of the head.

    The bar rests on the top of the shoulder blades, below the base of the neck and just behind the back;
    the plate is centred on it. If the head leans back over it, the plate slides down the back until its rim
    is ``PLATE_CLEARANCE`` from the head.
    """
    j = placed.joints
    ux, uy = unit(j["pelvis"], j["neck"])  # up the trunk
    bx, by = -uy, ux  # toward the back: a side view faces right, the back is to the left of the trunk
    neck = j["neck"]
    centre = (neck[0] + bx * BAR_BEHIND - ux * BAR_BELOW_NECK, neck[1] + by * BAR_BEHIND - uy * BAR_BELOW_NECK)
    head, least = j["head"], placed.head_radius + PLATE_RADIUS + PLATE_CLEARANCE
    for _ in range(40):
        if math.hypot(centre[0] - head[0], centre[1] - head[1]) >= least:
            break
        centre = (centre[0] - ux * 0.01, centre[1] - uy * 0.01)
    return centre, PLATE_RADIUS


def _barbell(draw: ImageDraw.ImageDraw, frame: Frame, figure: Figure, placed: Placed, colour: Any) -> None:
    """The bar across the upper back: a plate seen from the side, the bar with a plate at each end from the front."""
    j = placed.joints
    if figure.view == "side":
        centre, radius = barbell_plate(placed)
        x, y = frame.px(centre)
        r = frame.size(radius)
        w = max(3, round(frame.size(0.035)))
        draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=w)
        hub = frame.size(0.04)
        draw.ellipse((x - hub, y - hub, x + hub, y + hub), fill=colour)
    else:
        x, y = frame.px(j["neck"])
        half = frame.size(0.65)
        w = max(3, round(frame.size(0.035)))
        draw.line([(x - half, y), (x + half, y)], fill=colour, width=w)
        plate_w, plate_h = frame.size(0.05), frame.size(0.2)
        for end in (x - half, x + half):
            draw.rounded_rectangle((end - plate_w, y - plate_h, end + plate_w, y + plate_h), radius=2, fill=colour)


# A dumbbell drawn upright: half its length (metres, centre to the end of a plate).
DUMBBELL_HALF_LENGTH = 0.09 + 0.05 * 0.55


def chest_dumbbell(placed: Placed) -> tuple[tuple[float, float], float]:
    """(centre, half length) of one dumbbell held upright in both hands: its centre between the hands."""
    hands = [placed.joints[f"hand_{s}"] for s in SIDES]
    return (sum(h[0] for h in hands) / 2, sum(h[1] for h in hands) / 2), DUMBBELL_HALF_LENGTH


def _dumbbell(draw: ImageDraw.ImageDraw, frame: Frame, at: tuple[float, float], colour: Any,
              upright: bool = False) -> None:
    x, y = frame.px(at)
    half, plate = frame.size(0.09), frame.size(0.05)
    w = max(3, round(frame.size(0.03)))
    if upright:
        draw.line([(x, y - half), (x, y + half)], fill=colour, width=w)
        for end in (y - half, y + half):
            draw.rounded_rectangle((x - plate, end - plate * 0.55, x + plate, end + plate * 0.55), radius=2,
                                   fill=colour)
    else:
        draw.line([(x - half, y), (x + half, y)], fill=colour, width=w)
        for end in (x - half, x + half):
            draw.rounded_rectangle((end - plate * 0.55, y - plate, end + plate * 0.55, y + plate), radius=2,
                                   fill=colour)


def _pelvis_line(draw: ImageDraw.ImageDraw, frame: Frame, placed: Placed, colour: Any) -> None:
    a, b = placed.joints["hip_far"], placed.joints["hip_near"]
    line(draw, frame, [towards(b, a, placed.lengths["pelvis"] * 3.5),
                        towards(a, b, placed.lengths["pelvis"] * 3.5)], colour, frame.size(0.025))


def _panel(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], figure: Figure, skeleton: Skeleton) -> None:
    start, end = lay_out(figure, skeleton)
    fault = lay_out_fault(figure, skeleton)
    if fault is not None:
        # The fault stands to the right of the good pose, far enough that the two never touch.
        good_right = max(x for p in (start, end) for x, _ in p.joints.values()) + 0.2
        fault_left = min(x for x, _ in fault.joints.values()) - 0.2
        fault = fault.moved(good_right - fault_left + FAULT_GAP, 0.0)
    poses = [start, end] if fault is None else [start, end, fault]
    outline = floor_outline(figure, skeleton, start)
    ground = list(outline or ())
    mat = mat_outline(figure, skeleton) if figure.camera is not None else None
    if mat:  # only the mat is drawn under the body: frame it with its edge, not the floor round it
        ground = [*mat, *((x, y - MAT_THICKNESS) for x, y in mat)]
    bounds = _bounds(figure, poses, labels=fault is not None, outline=ground)
    frame = Frame(box, bounds)
    _props_behind(draw, frame, figure, skeleton, bounds, outline)
    if outline is None:  # seen from above, the mat shows the floor
        fx0, fy = frame.px((bounds[0], 0.0))
        fx1, _ = frame.px((bounds[2], 0.0))
        draw.line([(fx0, fy), (fx1, fy)], fill=FLOOR, width=max(2, round(frame.size(0.015))))
    joint = figure.arrow or moving_joint(start, end)
    work = _default_work(figure, joint)
    _body(draw, frame, figure, start, ghost=True)
    _props_front(draw, frame, figure, start, ghost=True)
    _body(draw, frame, figure, end, ghost=False, work=work)
    _props_front(draw, frame, figure, end, ghost=False)
    if figure.mark_pelvis:
        _pelvis_line(draw, frame, start, GHOST)
        _pelvis_line(draw, frame, end, GOOD if fault is not None else ARROW)
    if figure.cue == "circle":
        loop(draw, frame, end.joints[joint])
    elif figure.cue == "move":
        arrow(draw, frame, *arrow_ends(figure, start.joints[joint], end.joints[joint]))
    for name, angle in figure.push:
        push(draw, frame, end.joints[name], angle)
    if fault is not None:
        _body(draw, frame, figure, fault, ghost=False, work=work)
        _props_front(draw, frame, figure, fault, ghost=False)
        if figure.mark_pelvis:
            _pelvis_line(draw, frame, fault, FAULT)
        top = bounds[3] - 0.05
        label(draw, frame, (sum(x for x, _ in end.joints.values()) / len(end.joints), top), "Good", GOOD, True)
        label(draw, frame, (sum(x for x, _ in fault.joints.values()) / len(fault.joints), top), "Fault", FAULT,
               False)


def _title(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int) -> None:
    draw.text(xy, text, fill=TEXT, font=font(size))


def draw_figure(figure: Figure, skeleton: Skeleton, title: str, size: tuple[int, int] = FIGURE_SIZE) -> Any:
    """One figure as a Pillow image (RGB)."""
    from PIL import Image, ImageDraw

    w, h = size[0] * SUPER, size[1] * SUPER
    image = Image.new("RGB", (w, h), BACKGROUND[:3])
    draw = ImageDraw.Draw(image)
    top = (TITLE_PX + 14) * SUPER if title else 8 * SUPER
    _title(draw, (12 * SUPER, 8 * SUPER), title, TITLE_PX * SUPER)
    _panel(draw, (8 * SUPER, top, w - 8 * SUPER, h - 8 * SUPER), figure, skeleton)
    return image.resize(size, Image.Resampling.LANCZOS)


def png(image: Any) -> bytes:
    """PNG with a palette: the drawings use few colours, so the edges stay smooth at a third of the size."""
    from PIL import Image

    buffer = io.BytesIO()
    image.quantize(colors=PALETTE, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def figure_png(figure: Figure, skeleton: Skeleton, title: str) -> bytes:
    return png(draw_figure(figure, skeleton, title))


def strip_png(figures: Sequence[tuple[str, Figure]], skeleton: Skeleton, panel: tuple[int, int] = (300, 220),
              columns: int = 2, label_px: int = 20) -> bytes:
    """Figures side by side, numbered 1, 2, … like a list of moves (rows of ``columns``).

    Two to a row by default: Discord shows an embed image about 400 px wide, and 600 px keeps the
    numbered names at 13 px or more there.
    """
    from PIL import Image, ImageDraw

    count = len(figures)
    cols = max(1, min(columns, count))
    rows = max(1, -(-count // cols))
    pw, ph = panel[0] * SUPER, panel[1] * SUPER
    image = Image.new("RGB", (cols * pw, rows * ph), BACKGROUND[:3])
    draw = ImageDraw.Draw(image)
    for index, (title, figure) in enumerate(figures):
        x, y = (index % cols) * pw, (index // cols) * ph
        label = f"{index + 1}. {title}"
        _title(draw, (x + 10 * SUPER, y + 6 * SUPER), label, label_px * SUPER)
        top = y + (label_px + 14) * SUPER
        _panel(draw, (x + 6 * SUPER, top, x + pw - 6 * SUPER, y + ph - 6 * SUPER), figure, skeleton)
        if index % cols:
            draw.line([(x, y + 8 * SUPER), (x, y + ph - 8 * SUPER)], fill=GHOST_FAR, width=SUPER)
    return png(image.resize((cols * panel[0], rows * panel[1]), Image.Resampling.LANCZOS))


def contact_sheet_png(figures: Sequence[tuple[str, Figure]], skeleton: Skeleton) -> bytes:
    """Every figure on one page for review, numbered, five to a row."""
    return strip_png(figures, skeleton, panel=(360, 260), columns=5, label_px=17)
