"""What a figure shows, read back from its pixels: the working limb and the trained glute in their colours,
and a self-test's good pose beside its fault."""

from __future__ import annotations

from typing import Any

import numpy

from bot.content import Content
from bot.pictures import figures


def _count(image: Any, colour: tuple[int, int, int], box: tuple[int, int, int, int] | None = None) -> int:
    """Pixels within a small distance of ``colour`` (the edges are blended when the drawing is scaled down)."""
    region = numpy.asarray((image.crop(box) if box else image).convert("RGB"), dtype=int)
    return int((numpy.abs(region - numpy.array(colour[:3])).sum(axis=2) < 24).sum())


def test_working_limb_darkest_and_trained_glute_highlighted(content: Content) -> None:
    assert content.poses is not None
    image = figures.draw_figure(content.poses.exercises["donkey-kicks"], content.poses.skeleton, "")
    assert _count(image, figures.WORK) > 200, "the kicking leg is drawn in the working colour"
    assert _count(image, figures.GLUTE) > 100, "the glute that kicks is highlighted"
    still = content.poses.exercises["donkey-kicks"].model_copy(update={"work": [], "glute": "none"})
    plain = figures.draw_figure(still, content.poses.skeleton, "")
    assert _count(plain, figures.WORK) < 20
    assert _count(plain, figures.GLUTE) < 20


def test_weights_have_their_own_colour(content: Content) -> None:
    assert content.poses is not None
    image = figures.draw_figure(content.poses.exercises["goblet-squat"], content.poses.skeleton, "")
    assert _count(image, figures.WEIGHT) > 100, "the dumbbell at the chest stands out from the body"


def test_self_test_draws_good_on_the_left_and_the_fault_on_the_right(content: Content) -> None:
    assert content.poses is not None
    for slug in ("single-leg-squat", "hip-drop"):
        image = figures.draw_figure(content.poses.selftests[slug], content.poses.skeleton, "")
        width, height = image.size
        left, right = (0, 0, width // 2, height), (width // 2, 0, width, height)
        assert _count(image, figures.GOOD, left) > 100, slug
        assert _count(image, figures.FAULT, right) > 100, slug
        assert _count(image, figures.FAULT, left) < 10, slug
        assert _count(image, figures.GOOD, right) < 10, slug


def test_barbell_plate_sits_on_the_upper_back_clear_of_the_head(content: Content) -> None:
    import math

    from bot.content.poses import TRUNK_HALF_DEPTH, lay_out

    assert content.poses is not None
    figure = content.poses.exercises["barbell-squat"]
    for placed in lay_out(figure, content.poses.skeleton):
        (cx, cy), radius = figures.barbell_plate(placed)
        j = placed.joints
        hx, hy = j["head"]
        assert math.hypot(cx - hx, cy - hy) >= placed.head_radius + radius + figures.PLATE_CLEARANCE - 1e-9
        # Behind the trunk (a side view faces right), and on its upper half, not down at the hips.
        trunk = (j["neck"][0] - j["pelvis"][0], j["neck"][1] - j["pelvis"][1])
        length = math.hypot(*trunk)
        along = ((cx - j["pelvis"][0]) * trunk[0] + (cy - j["pelvis"][1]) * trunk[1]) / length
        behind = ((cy - j["pelvis"][1]) * trunk[0] - (cx - j["pelvis"][0]) * trunk[1]) / length  # to the trunk's left
        assert along > length * 0.55
        assert behind > TRUNK_HALF_DEPTH * 0.5, "the plate is on the back, not in front of the chest"
    # A head leaning back over the bar pushes the plate down the back, never onto the head.
    leaning = figure.model_copy(update={"end": figure.end.model_copy(update={"neck": 120.0})})
    _, end = lay_out(leaning, content.poses.skeleton)
    (cx, cy), radius = figures.barbell_plate(end)
    hx, hy = end.joints["head"]
    assert math.hypot(cx - hx, cy - hy) >= end.head_radius + radius + figures.PLATE_CLEARANCE - 1e-9


def test_barbell_rests_below_the_neck_and_the_hands_hold_the_bar(content: Content) -> None:
    import math

    from bot.content.poses import lay_out

    assert content.poses is not None
    for placed in lay_out(content.poses.exercises["barbell-squat"], content.poses.skeleton):
        (cx, cy), radius = figures.barbell_plate(placed)
        j = placed.joints
        trunk = (j["neck"][0] - j["pelvis"][0], j["neck"][1] - j["pelvis"][1])
        length = math.hypot(*trunk)
        along = ((cx - j["pelvis"][0]) * trunk[0] + (cy - j["pelvis"][1]) * trunk[1]) / length
        assert along < length - 0.05, "the bar rests below the base of the neck, on the upper back"
        if trunk[1] > length * 0.95:  # standing tall: the whole plate under the head
            assert cy + radius < j["head"][1] - placed.head_radius
        for side in ("near", "far"):
            hx, hy = placed.joints[f"hand_{side}"]
            assert math.hypot(hx - cx, hy - cy) < radius, "the hands grip the bar beside the plate"


def test_goblet_dumbbell_is_held_at_the_chest_below_the_chin(content: Content) -> None:
    import math

    from bot.content.poses import TRUNK_HALF_DEPTH, lay_out

    assert content.poses is not None
    for placed in lay_out(content.poses.exercises["goblet-squat"], content.poses.skeleton):
        (cx, cy), half = figures.chest_dumbbell(placed)
        j = placed.joints
        chin = j["head"][1] - placed.head_radius
        assert cy + half < chin - 0.05, "the top of the dumbbell is well below the chin"
        trunk = (j["neck"][0] - j["pelvis"][0], j["neck"][1] - j["pelvis"][1])
        length = math.hypot(*trunk)
        below_neck = length - ((cx - j["pelvis"][0]) * trunk[0] + (cy - j["pelvis"][1]) * trunk[1]) / length
        forward = ((cx - j["pelvis"][0]) * trunk[1] - (cy - j["pelvis"][1]) * trunk[0]) / length
        assert 0.1 < below_neck < 0.35, "at the chest, not at the face or the belly"
        assert TRUNK_HALF_DEPTH < forward < 0.3, "in front of the chest, close to it"
