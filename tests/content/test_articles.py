"""Every exercise the five articles name can be found by the name the article uses."""

from __future__ import annotations

import pytest

from bot.content import Content, find_exercise

# (article, name as written there) -> slug
NAMED_IN_ARTICLES = [
    # 000
    ("000", "Side lying hip circles", "side-lying-hip-circles"),
    ("000", "Side plank", "side-plank"),
    ("000", "Side plank with leg lift", "side-plank-leg-lift"),
    ("000", "Side stepping with band", "side-stepping-band"),
    # 001
    ("001", "Side-lying hip abduction with resistance band", "side-lying-hip-abduction-band"),
    ("001", "Bridging with hip abduction", "bridge-band-abduction"),
    ("001", "Mini dip with static hip abduction", "wall-mini-dip-abduction"),
    # 002, first list
    ("002", "Bridge (single leg)", "single-leg-bridge"),
    ("002", "Fire Hydrant", "fire-hydrant"),
    ("002", "Clams", "clams"),
    ("002", "Lateral Walking Squat", "lateral-walking-squat-band"),
    ("002", "Plank Opposite Arm and Leg", "plank-opposite-arm-leg"),
    ("002", "Bird Dog", "bird-dog"),
    ("002", "Side Plank with Leg Lift", "side-plank-leg-lift"),
    ("002", "Reverse Plank", "reverse-plank"),
    ("002", "Donkey Kicks", "donkey-kicks"),
    ("002", "Lunges", "forward-lunge"),
    ("002", "Step Ups", "step-up"),
    ("002", "Squats", "bodyweight-squat"),
    # 002, second list
    ("002", "Barbell Squat", "barbell-squat"),
    ("002", "Dumbbell Step Up", "dumbbell-step-up"),
    ("002", "Bodyweight Walking Lunge", "bodyweight-walking-lunge"),
    ("002", "Bodyweight Squat", "bodyweight-squat"),
    ("002", "Dumbbell Lunges", "dumbbell-lunge"),
    ("002", "Dumbbell Side Lunge", "dumbbell-side-lunge"),
    ("002", "Dumbbell Squat Thruster", "dumbbell-squat-thruster"),
    ("002", "Fire Hydrants", "fire-hydrant"),
    ("002", "Goblet Squat", "goblet-squat"),
    ("002", "Single Leg Bridge", "single-leg-bridge"),
    # 002: stretch the hip flexors; glute and hip stretches after every run
    ("002", "hip flexor stretch", "hip-flexor-stretch"),
    ("002", "glute stretch", "glute-stretch"),
    # 003
    ("003", "Lying gluteus medius activations", "lying-gluteus-medius-activation"),
    ("003", "Side planks with leg raises", "side-plank-leg-lift"),
    ("003", "Wall slides", "wall-slides"),
    ("003", "Reverse lunges", "reverse-lunge"),
    # 004
    ("004", "Bent knee plank", "bent-knee-plank"),
    ("004", "Glute bridge", "glute-bridge"),
    ("004", "Reverse lunge", "reverse-lunge"),
    ("004", "Runners arabesque", "runners-arabesque"),
]


@pytest.mark.parametrize(("article", "name", "slug"), NAMED_IN_ARTICLES, ids=[n for _, n, _ in NAMED_IN_ARTICLES])
def test_article_exercise_is_findable(content: Content, article: str, name: str, slug: str) -> None:
    found = find_exercise(content, name)
    assert found is not None, f"article {article} names {name!r} but it is not found"
    assert found.slug == slug
    assert article in found.sources


def test_no_article_exercise_is_missing_from_content(content: Content) -> None:
    expected = {slug for _, _, slug in NAMED_IN_ARTICLES}
    assert expected <= set(content.exercises)
    # Every shipped exercise comes from the list above: nothing made up.
    assert set(content.exercises) == expected
