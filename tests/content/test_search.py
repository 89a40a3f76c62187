from __future__ import annotations

import pytest

from bot.content import Content, filter_exercises, find_exercise, search_exercises, suggest
from bot.content.search import normalize


@pytest.mark.parametrize("query", ["clamshell", "clams", "clam", "Clams", "clam shell", "CLAM-SHELLS", "clams "])
def test_clam_aliases(content: Content, query: str) -> None:
    found = find_exercise(content, query)
    assert found is not None
    assert found.slug == "clams"


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("runners arabesque", "runners-arabesque"),
        ("Runner's Arabesque", "runners-arabesque"),
        ("runner’s arabesque", "runners-arabesque"),
        ("glute-bridge", "glute-bridge"),
        ("Glute Bridges", "glute-bridge"),
        ("bird-dog", "bird-dog"),
        ("birddog", "bird-dog"),
        ("side plank", "side-plank"),
        ("side planks with leg raises", "side-plank-leg-lift"),
        ("figure 4 stretch", "glute-stretch"),
    ],
)
def test_find_exercise_ignores_case_space_hyphen_apostrophe(content: Content, query: str, slug: str) -> None:
    found = find_exercise(content, query)
    assert found is not None
    assert found.slug == slug


@pytest.mark.parametrize("query", ["", "   ", "brige", "nonsense", "clamm"])
def test_find_exercise_is_exact_only(content: Content, query: str) -> None:
    assert find_exercise(content, query) is None


def test_search_clam_puts_clams_first(content: Content) -> None:
    assert search_exercises(content, "clam")[0].slug == "clams"
    assert search_exercises(content, "cla")[0].slug == "clams"


def test_search_ranks_exact_before_prefix_before_substring(content: Content) -> None:
    results = [e.slug for e in search_exercises(content, "side plank")]
    assert results[0] == "side-plank"
    assert results[1] == "side-plank-leg-lift"
    squats = [e.slug for e in search_exercises(content, "squat")]
    assert squats[0] == "bodyweight-squat"
    assert {"goblet-squat", "barbell-squat", "dumbbell-squat-thruster", "lateral-walking-squat-band"} <= set(squats)


def test_search_word_prefix(content: Content) -> None:
    results = [e.slug for e in search_exercises(content, "band side")]
    assert "side-stepping-band" in results[:3]


def test_search_typo_tolerant(content: Content) -> None:
    assert "glute-bridge" in [e.slug for e in search_exercises(content, "brige")[:5]]
    assert "runners-arabesque" in [e.slug for e in search_exercises(content, "arabeske")[:3]]


def test_search_respects_limit(content: Content) -> None:
    assert len(content.exercises) > 25
    assert len(search_exercises(content, "")) == 25
    assert len(search_exercises(content, "e")) <= 25
    assert len(search_exercises(content, "", limit=5)) == 5
    assert search_exercises(content, "lunge", limit=2) == search_exercises(content, "lunge")[:2]
    assert search_exercises(content, "anything", limit=0) == []


def test_empty_search_lists_by_name(content: Content) -> None:
    names = [normalize(e.name) for e in search_exercises(content, "", limit=100)]
    assert names == sorted(names)
    assert len(names) == len(content.exercises)


def test_search_nothing_matches(content: Content) -> None:
    assert search_exercises(content, "xyzzy qqq") == []


def test_suggest_misspelt_names(content: Content) -> None:
    assert suggest(content, "glute brigde")[0].slug == "glute-bridge"
    assert "donkey-kicks" in [e.slug for e in suggest(content, "donky kiks")]
    assert "fire-hydrant" in [e.slug for e in suggest(content, "fire hidrant")]
    assert len(suggest(content, "lunge", limit=3)) <= 3
    assert suggest(content, "") == []


def test_filter_by_muscle_and_equipment(content: Content) -> None:
    band = {e.slug for e in filter_exercises(content, equipment="band")}
    assert {"side-stepping-band", "side-lying-hip-abduction-band", "bridge-band-abduction"} <= band
    assert all("band" in content.exercise(s).equipment for s in band)
    gmed = filter_exercises(content, muscle="glute med")
    assert gmed
    assert all("gluteus-medius" in e.muscles for e in gmed)
    assert filter_exercises(content, muscle="gmed") == gmed
    both = filter_exercises(content, muscle="gluteus-medius", equipment="dumbbell")
    assert both
    assert all("dumbbell" in e.equipment and "gluteus-medius" in e.muscles for e in both)
    free = filter_exercises(content, equipment="bodyweight")
    assert "glute-bridge" in {e.slug for e in free}
    assert not any("dumbbell" in e.equipment or "band" in e.equipment for e in free)
    stretches = filter_exercises(content, muscle="hip flexors")
    assert "hip-flexor-stretch" in {e.slug for e in stretches}
    assert filter_exercises(content, muscle="eyebrows") == []
    assert len(filter_exercises(content)) == len(content.exercises)
    glutes = filter_exercises(content, muscle="glutes")
    assert len(glutes) > len(gmed)
