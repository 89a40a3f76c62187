"""Drawing primitives for the figures: metres to pixels, thick lines, arrows, loops, push marks and labels.

Pillow is imported inside the functions that need it, like in ``bot.pictures.figures``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.content.poses import ARROW_HEAD, ARROW_INSET

if TYPE_CHECKING:
    from PIL import ImageDraw

ARROW = (217, 95, 2)


def font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


class Frame:
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


def line(draw: ImageDraw.ImageDraw, frame: Frame, points: Sequence[tuple[float, float]], colour: Any,
          width: float) -> None:
    pixels = [frame.px(p) for p in points]
    w = max(2, round(width))
    draw.line(pixels, fill=colour, width=w, joint="curve")
    r = w / 2
    for x, y in pixels:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def unit(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    d = math.hypot(dx, dy) or 1.0
    return dx / d, dy / d


def towards(a: tuple[float, float], b: tuple[float, float], length: float) -> tuple[float, float]:
    ux, uy = unit(a, b)
    return a[0] + ux * length, a[1] + uy * length


def arrowhead(draw: ImageDraw.ImageDraw, tip: tuple[float, float], direction: tuple[float, float], width: float,
             size: float, colour: Any) -> None:
    tx, ty = direction
    x1, y1 = tip
    left = (x1 - tx * size - ty * size * 0.55, y1 - ty * size + tx * size * 0.55)
    right = (x1 - tx * size + ty * size * 0.55, y1 - ty * size - tx * size * 0.55)
    draw.polygon([(x1 + tx * width, y1 + ty * width), left, right], fill=colour)


def arrow(draw: ImageDraw.ImageDraw, frame: Frame, start: tuple[float, float], end: tuple[float, float],
           colour: Any = ARROW) -> None:
    """An arrow from ``start`` to ``end`` (metres, as ``bot.content.poses.arrow_ends`` gives them), bowed so it
    does not lie on a limb: ``ARROW_INSET`` clear of both ends, a head ``ARROW_HEAD`` long."""
    (x0, y0), (x1, y1) = frame.px(start), frame.px(end)
    d = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    inset = frame.size(ARROW_INSET)
    x0, y0, x1, y1 = x0 + ux * inset, y0 + uy * inset, x1 - ux * inset, y1 - uy * inset
    d = math.hypot(x1 - x0, y1 - y0)
    bow = 1.0 if ux >= 0 else -1.0  # bowed upward in the picture, away from the floor
    mx, my = (x0 + x1) / 2 + bow * uy * d * 0.15, (y0 + y1) / 2 - abs(ux) * d * 0.15
    points = [(((1 - t) ** 2) * x0 + 2 * (1 - t) * t * mx + t * t * x1,
               ((1 - t) ** 2) * y0 + 2 * (1 - t) * t * my + t * t * y1) for t in (i / 16 for i in range(17))]
    width = max(3, round(frame.size(0.025)))
    head = frame.size(ARROW_HEAD)
    # The shaft stops where the head begins, so the head's tip lands on the end.
    shaft = [p for p in points if math.hypot(x1 - p[0], y1 - p[1]) >= head * 0.6] or points[:1]
    draw.line([*shaft], fill=colour, width=width, joint="curve")
    direction = unit(points[-2], (x1, y1))
    arrowhead(draw, (x1, y1), direction, width, head, colour)


def loop(draw: ImageDraw.ImageDraw, frame: Frame, centre: tuple[float, float]) -> None:
    """A circle to draw with the joint: an oval three quarters round with a head."""
    cx, cy = frame.px(centre)
    rx, ry = frame.size(0.2), frame.size(0.14)
    steps = [math.radians(a) for a in range(-60, 241, 10)]
    points = [(cx + rx * math.cos(a), cy - ry * math.sin(a)) for a in steps]
    width = max(3, round(frame.size(0.025)))
    draw.line(points, fill=ARROW, width=width, joint="curve")
    direction = unit(points[-2], points[-1])
    arrowhead(draw, points[-1], direction, width, max(width * 3.5, frame.size(0.07)), ARROW)


def push(draw: ImageDraw.ImageDraw, frame: Frame, at: tuple[float, float], angle: float) -> None:
    """A hold mark: a short bar and an arrow from it, pressing the joint the way of ``angle``."""
    ux, uy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    tail = (at[0] + ux * 0.07, at[1] + uy * 0.07)
    tip = (at[0] + ux * 0.25, at[1] + uy * 0.25)
    (x0, y0), (x1, y1) = frame.px(tail), frame.px(tip)
    width = max(3, round(frame.size(0.025)))
    draw.line([(x0, y0), (x1, y1)], fill=ARROW, width=width)
    bar = frame.size(0.06)
    draw.line([(x0 - uy * bar, y0 - ux * bar), (x0 + uy * bar, y0 + ux * bar)], fill=ARROW, width=width)
    arrowhead(draw, (x1, y1), (ux, -uy), width, max(width * 3.2, frame.size(0.06)), ARROW)


def label(draw: ImageDraw.ImageDraw, frame: Frame, at: tuple[float, float], text: str, colour: Any,
           good: bool) -> None:
    """"Good" with a tick or "Fault" with a cross, centred over a pose."""
    size = max(12, round(frame.size(0.11)))
    face = font(size)
    x, y = frame.px(at)
    width = draw.textlength(text, font=face)
    mark = size * 0.8
    left = x - (width + mark * 1.4) / 2
    w = max(2, round(size / 6))
    if good:
        draw.line([(left, y + mark * 0.5), (left + mark * 0.35, y + mark * 0.85), (left + mark, y + mark * 0.1)],
                  fill=colour, width=w, joint="curve")
    else:
        draw.line([(left, y + mark * 0.1), (left + mark * 0.8, y + mark * 0.9)], fill=colour, width=w)
        draw.line([(left, y + mark * 0.9), (left + mark * 0.8, y + mark * 0.1)], fill=colour, width=w)
    draw.text((left + mark * 1.4, y - size * 0.05), text, fill=colour, font=face)
