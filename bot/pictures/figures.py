"""Exercise figures drawn with Pillow: the end pose solid, the start pose ghosted, an arrow for the motion.

Pillow is imported inside the functions, so importing this module costs nothing until a figure is drawn.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.content.poses import SIDES, Figure, Placed, Skeleton, floor_outline, lay_out, moving_joint

if TYPE_CHECKING:
    from PIL import ImageDraw

# Drawn at SUPER times the size, then scaled down: smooth edges without anti-aliased primitives.
SUPER = 2
FIGURE_SIZE = (480, 320)
BACKGROUND = (238, 241, 245, 255)
FLOOR = (150, 158, 170)
BODY = (45, 55, 72)
BODY_FAR = (113, 128, 150)
GHOST = (186, 196, 208)
GHOST_FAR = (208, 215, 224)
ARROW = (221, 107, 32)
MAT = (129, 190, 150)
BAND = (196, 48, 140)
WALL = (160, 166, 176)
STEP = (176, 139, 90)
WEIGHT = (60, 60, 66)
TEXT = (45, 55, 72)
LIMB_WIDTH = 0.06  # metres
MARGIN = 0.12  # metres around the figure
TITLE_PX = 20
PALETTE = 96

_LIMB_CHAINS = (("shoulder", "elbow", "hand"), ("hip", "knee", "ankle", "toe"))


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


class _Frame:
    """Metres to pixels for one panel: fits both poses and the props, floor at the bottom."""

    def __init__(self, box: tuple[int, int, int, int], bounds: tuple[float, float, float, float]) -> None:
        left, top, right, bottom = box
        x0, y0, x1, y1 = bounds
        width, height = right - left, bottom - top
        self.scale = min(width / (x1 - x0), height / (y1 - y0))
        used_w, used_h = (x1 - x0) * self.scale, (y1 - y0) * self.scale
        self.left = left + (width - used_w) / 2 - x0 * self.scale
        self.base = bottom - (height - used_h) / 2 + y0 * self.scale

    def px(self, point: tuple[float, float]) -> tuple[float, float]:
        return self.left + point[0] * self.scale, self.base - point[1] * self.scale

    def size(self, metres: float) -> float:
        return metres * self.scale


def _bounds(figure: Figure, poses: Sequence[Placed]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = [0.0]
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
    x0, x1 = min(xs) - MARGIN, max(xs) + MARGIN
    y0, y1 = -0.06, max(ys) + MARGIN
    # Keep small moves from being blown up to giant size: at least 1.2 m tall, 1.6 m wide.
    if x1 - x0 < 1.6:
        pad = (1.6 - (x1 - x0)) / 2
        x0, x1 = x0 - pad, x1 + pad
    y1 = max(y1, y0 + 1.2)
    return x0, y0, x1, y1


def _line(draw: ImageDraw.ImageDraw, frame: _Frame, points: Sequence[tuple[float, float]], colour: Any,
          width: float) -> None:
    pixels = [frame.px(p) for p in points]
    w = max(2, round(width))
    draw.line(pixels, fill=colour, width=w, joint="curve")
    r = w / 2
    for x, y in pixels:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def _body(draw: ImageDraw.ImageDraw, frame: _Frame, placed: Placed, colour: Any, far_colour: Any) -> None:
    j = placed.joints
    width = frame.size(LIMB_WIDTH)
    for side, tint in (("far", far_colour), ("near", colour)):
        if side == "near":
            torso = [frame.px(j[k]) for k in ("shoulder_near", "shoulder_far", "hip_far", "hip_near")]
            draw.polygon(torso, fill=colour)
            _line(draw, frame, [j["hip_far"], j["pelvis"], j["hip_near"]], colour, width)
            _line(draw, frame, [j["pelvis"], j["neck"]], colour, width * 1.25)
            _line(draw, frame, [j["shoulder_far"], j["neck"], j["shoulder_near"]], colour, width)
            neck_top = _towards(j["neck"], j["head"], placed.lengths["neck"])
            _line(draw, frame, [j["neck"], neck_top], colour, width * 0.8)
            hx, hy = frame.px(j["head"])
            r = frame.size(placed.head_radius)
            draw.ellipse((hx - r, hy - r, hx + r, hy + r), fill=colour)
        for chain in _LIMB_CHAINS:
            _line(draw, frame, [j[f"{name}_{side}"] for name in chain], tint, width)


def _towards(a: tuple[float, float], b: tuple[float, float], length: float) -> tuple[float, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    d = math.hypot(dx, dy) or 1.0
    return a[0] + dx / d * length, a[1] + dy / d * length


def _arrow(draw: ImageDraw.ImageDraw, frame: _Frame, start: tuple[float, float], end: tuple[float, float]) -> None:
    (x0, y0), (x1, y1) = frame.px(start), frame.px(end)
    d = math.hypot(x1 - x0, y1 - y0)
    if d < frame.size(0.06):
        return
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    inset = min(frame.size(0.05), d * 0.2)
    x0, y0, x1, y1 = x0 + ux * inset, y0 + uy * inset, x1 - ux * inset, y1 - uy * inset
    # Bow the shaft a little so it does not lie on a limb.
    mx, my = (x0 + x1) / 2 - uy * d * 0.15, (y0 + y1) / 2 + ux * d * 0.15
    points = [(((1 - t) ** 2) * x0 + 2 * (1 - t) * t * mx + t * t * x1,
               ((1 - t) ** 2) * y0 + 2 * (1 - t) * t * my + t * t * y1) for t in (i / 16 for i in range(17))]
    width = max(3, round(frame.size(0.025)))
    draw.line(points, fill=ARROW, width=width, joint="curve")
    tx, ty = x1 - points[-2][0], y1 - points[-2][1]
    t = math.hypot(tx, ty) or 1.0
    tx, ty = tx / t, ty / t
    head = max(width * 3.5, frame.size(0.07))
    left = (x1 - tx * head - ty * head * 0.55, y1 - ty * head + tx * head * 0.55)
    right = (x1 - tx * head + ty * head * 0.55, y1 - ty * head - tx * head * 0.55)
    draw.polygon([(x1 + tx * width, y1 + ty * width), left, right], fill=ARROW)


def _props_behind(draw: ImageDraw.ImageDraw, frame: _Frame, figure: Figure, bounds: tuple[float, ...],
                  outline: Sequence[tuple[float, float]] | None = None) -> None:
    props = figure.props
    if props.mat and outline:
        draw.polygon([frame.px(p) for p in outline], fill=MAT)
    elif props.mat:
        x0, _, x1, _ = bounds
        left, top = frame.px((x0 + 0.08, 0.0))
        right, _ = frame.px((x1 - 0.08, 0.0))
        draw.rounded_rectangle((left, top, right, top + frame.size(0.03)), radius=frame.size(0.01), fill=MAT)
    if props.wall is not None:
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
        _line(draw, frame, [(front, 0.0), (front, seat), (front + 0.45, seat), (front + 0.45, 0.0)], WALL, w)
        _line(draw, frame, [(front + 0.45, seat), (front + 0.45, seat + 0.45)], WALL, w)


def _props_front(draw: ImageDraw.ImageDraw, frame: _Frame, figure: Figure, placed: Placed, colour: Any) -> None:
    props, j = figure.props, placed.joints
    if props.band is not None:
        joint = "knee" if props.band == "knees" else "ankle"
        a, b = j[f"{joint}_near"], j[f"{joint}_far"]
        if props.band == "ankles":  # a band sits just above the ankle bones
            a = _towards(a, j["knee_near"], 0.08)
            b = _towards(b, j["knee_far"], 0.08)
        (ax, ay), (bx, by) = frame.px(a), frame.px(b)
        w = max(3, round(frame.size(0.03)))
        r = frame.size(0.045)
        if math.hypot(ax - bx, ay - by) < r:
            draw.ellipse((ax - r, ay - r, ax + r, ay + r), outline=BAND, width=w)
        else:
            draw.line([(ax, ay), (bx, by)], fill=BAND, width=w)
            for x, y in ((ax, ay), (bx, by)):
                draw.ellipse((x - r * 0.7, y - r * 0.7, x + r * 0.7, y + r * 0.7), outline=BAND, width=w)
    if props.dumbbells == "hands":
        for side in SIDES:
            _dumbbell(draw, frame, j[f"hand_{side}"], colour)
    elif props.dumbbells == "chest":
        chest = _towards(j["neck"], j["pelvis"], 0.12)
        facing = 1.0 if figure.view == "side" else 0.0
        _dumbbell(draw, frame, (chest[0] + 0.12 * facing, chest[1]), colour, upright=True)
    if props.barbell:
        x, y = frame.px(j["neck"])
        r = frame.size(0.2)
        w = max(3, round(frame.size(0.035)))
        if figure.view == "side":
            draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=w)
            draw.ellipse((x - w, y - w, x + w, y + w), fill=colour)
        else:
            draw.line([(x - frame.size(0.6), y), (x + frame.size(0.6), y)], fill=colour, width=w)


def _dumbbell(draw: ImageDraw.ImageDraw, frame: _Frame, at: tuple[float, float], colour: Any,
              upright: bool = False) -> None:
    x, y = frame.px(at)
    half, plate = frame.size(0.09), frame.size(0.045)
    w = max(3, round(frame.size(0.025)))
    if upright:
        draw.line([(x, y - half), (x, y + half)], fill=colour, width=w)
        for end in (y - half, y + half):
            draw.rounded_rectangle((x - plate, end - plate * 0.5, x + plate, end + plate * 0.5), radius=2, fill=colour)
    else:
        draw.line([(x - half, y), (x + half, y)], fill=colour, width=w)
        for end in (x - half, x + half):
            draw.rounded_rectangle((end - plate * 0.5, y - plate, end + plate * 0.5, y + plate), radius=2, fill=colour)


def _panel(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], figure: Figure, skeleton: Skeleton) -> None:
    start, end = lay_out(figure, skeleton)
    bounds = _bounds(figure, (start, end))
    frame = _Frame(box, bounds)
    outline = floor_outline(figure, skeleton, start)
    _props_behind(draw, frame, figure, bounds, outline)
    if outline is None:  # seen from above, the mat shows the floor
        fx0, fy = frame.px((bounds[0], 0.0))
        fx1, _ = frame.px((bounds[2], 0.0))
        draw.line([(fx0, fy), (fx1, fy)], fill=FLOOR, width=max(2, round(frame.size(0.015))))
    _body(draw, frame, start, GHOST, GHOST_FAR)
    _props_front(draw, frame, figure, start, GHOST)
    _body(draw, frame, end, BODY, BODY_FAR)
    _props_front(draw, frame, figure, end, WEIGHT)
    if figure.mark_pelvis:
        for placed, colour in ((start, GHOST), (end, ARROW)):
            a, b = placed.joints["hip_far"], placed.joints["hip_near"]
            _line(draw, frame, [_towards(b, a, placed.lengths["pelvis"] * 3.5),
                                _towards(a, b, placed.lengths["pelvis"] * 3.5)], colour, frame.size(0.025))
    joint = figure.arrow or moving_joint(start, end)
    _arrow(draw, frame, start.joints[joint], end.joints[joint])


def _title(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int) -> None:
    draw.text(xy, text, fill=TEXT, font=_font(size))


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
