"""The content that ships with the bot loads, links up and fits Discord."""

from __future__ import annotations

from collections import Counter

import yaml

from bot.content import Content, check_content, default_content_dir
from bot.content.schema import CUE_MAX, EXERCISE_EMBED_MAX, LABEL_MAX, NAME_MAX, SLUG_RE, STEP_MAX, looks_like_slug


def _raw(name: str) -> dict:
    return yaml.safe_load((default_content_dir() / name).read_text(encoding="utf-8"))


def test_default_content_dir_is_the_repo_content() -> None:
    assert default_content_dir().name == "content"
    assert (default_content_dir() / "exercises.yaml").is_file()


def test_shipped_content_has_no_problems() -> None:
    assert [str(p) for p in check_content(default_content_dir())] == []


def test_counts(content: Content) -> None:
    assert len(content.exercises) >= 30
    assert len(content.routines) >= 4
    assert set(content.selftests) == {"hamstring-vs-glute", "single-leg-squat", "hip-drop"}


def test_slugs_unique_in_files() -> None:
    for filename, key in [
        ("exercises.yaml", "exercises"),
        ("routines.yaml", "routines"),
        ("selftests.yaml", "selftests"),
    ]:
        slugs = [item["slug"] for item in _raw(filename)[key]]
        dupes = [s for s, n in Counter(slugs).items() if n > 1]
        assert not dupes, f"{filename}: {dupes}"
        assert all(SLUG_RE.match(s) for s in slugs)


def test_cross_links_resolve(content: Content) -> None:
    known = set(content.exercises)
    for ex in content.exercises.values():
        for link in (ex.easier, ex.harder):
            if link and looks_like_slug(link):
                assert link in known, (ex.slug, link)
    for routine in content.routines.values():
        assert set(routine.exercise_slugs()) <= known, routine.slug
    for test in content.selftests.values():
        for outcome in test.outcomes:
            assert set(outcome.exercises) <= known, (test.slug, outcome.id)
    assert content.guide.hip_flexor_stretch in known
    assert set(content.guide.after_run_stretches) <= known


def test_exactly_one_default_routine_is_five_minute(content: Content) -> None:
    defaults = [r for r in content.routines.values() if r.default]
    assert [r.slug for r in defaults] == ["five-minute"]
    routine = content.default_routine()
    assert routine.slug == "five-minute"
    assert routine.per_week == 1
    assert routine.per_week_source
    assert routine.per_week_source.startswith("004")
    assert "004" in routine.sources
    doses = {item.exercise: item.dose.render() for item in routine.items}
    assert doses == {
        "bent-knee-plank": "10 × 10 s hold",
        "glute-bridge": "10 reps",
        "reverse-lunge": "10 reps per leg",
        "runners-arabesque": "10 reps per leg",
    }
    # The cards carry the article's own wording of the dose.
    assert content.exercise("reverse-lunge").dose.render() == "10–15 reps per leg"
    assert content.exercise("runners-arabesque").dose.render() == "10–15 reps per leg"
    assert content.exercise("bent-knee-plank").dose.render() == "10 × 10 s hold"


def test_alternative_routines_come_from_the_articles(content: Content) -> None:
    by_source = {s: [r.slug for r in content.routines.values() if s in r.sources] for s in ("000", "001", "003")}
    trio = content.routine("hip-stability-trio")
    assert [i.exercise for i in trio.items] == ["side-lying-hip-circles", "side-plank", "side-stepping-band"]
    gmed = content.routine("gmed-isolation")
    assert [i.exercise for i in gmed.items] == [
        "side-lying-hip-abduction-band",
        "bridge-band-abduction",
        "wall-mini-dip-abduction",
    ]
    assert gmed.items[0].dose.render().startswith("4 × 10–12 reps per side")
    assert gmed.items[2].dose.render() == "4 × 20–30 s hold per leg"
    assert all(by_source.values()), by_source


def test_every_exercise_is_complete(content: Content) -> None:
    for ex in content.exercises.values():
        assert all([ex.steps, ex.safety, ex.mistakes, ex.sources]), ex.slug
        assert 2 <= len(ex.cues) <= 4, ex.slug
        assert ex.easier, ex.slug
        assert ex.harder, ex.slug
        assert ex.dose.render(), ex.slug


def test_texts_fit_discord(content: Content) -> None:
    for ex in content.exercises.values():
        assert len(ex.name) <= NAME_MAX
        assert all(len(a) <= NAME_MAX for a in ex.aliases)
        assert all(len(s) <= STEP_MAX for s in ex.steps), ex.slug
        assert all(len(c) <= CUE_MAX for c in ex.cues), ex.slug
        assert ex.embed_length() <= EXERCISE_EMBED_MAX < 6000
    for test in content.selftests.values():
        assert all(len(o.label) <= LABEL_MAX for o in test.outcomes), test.slug


def test_guide_covers_every_muscle_and_injury(content: Content) -> None:
    used = {m for ex in content.exercises.values() for m in ex.muscles}
    assert used <= set(content.guide.muscles)
    text = " ".join(content.guide.injuries).lower()
    for injury in ("it band", "patellofemoral", "tendinopath", "shin splints", "plantar fasciitis", "low-back"):
        assert injury in text, injury
    assert "not medical advice" in content.guide.caution.lower()
    # The stop rule is said in one place only (the caution line), never again in the disclaimer.
    assert "stop" in content.guide.caution.lower()
    assert "stop" not in content.guide.disclaimer.lower()
    assert "timer" in content.guide.sitting
    assert "hip flexor" in content.guide.sitting
    for routine in content.routines.values():
        assert routine.why
        assert routine.summary


def test_every_source_article_is_used(content: Content) -> None:
    used = {s for ex in content.exercises.values() for s in ex.sources}
    assert used == {"000", "001", "002", "003", "004"}


def test_every_fact_is_traceable(content: Content) -> None:
    for ex in content.exercises.values():
        assert ex.source[:3] in ex.sources, ex.slug
        assert bool(ex.dose.source) != ex.dose.suggested, ex.slug
        if ex.dose.source:
            assert ex.dose.source[:3] in ex.sources, ex.slug
    for test in content.selftests.values():
        assert test.source[:3] in test.sources, test.slug
    for routine in content.routines.values():
        for step in routine.progression.steps:
            assert bool(step.source) != step.suggested, routine.slug
            if step.source:
                assert step.source[:3] in routine.sources, routine.slug


def test_standing_band_walk_is_loaded_work(content: Content) -> None:
    assert content.exercise("side-stepping-band").type == "loaded"


def test_hip_drop_test_says_stop_if_it_hurts(content: Content) -> None:
    assert any("stop" in line.lower() and "hurt" in line.lower() for line in content.selftest("hip-drop").safety)


def test_made_up_doses_are_flagged(content: Content) -> None:
    # Article 002 lists exercises without doses; 004 gives the dose of its four moves.
    assert content.exercise("fire-hydrant").source_dose is False
    assert content.exercise("clams").source_dose is False
    for slug in ("bent-knee-plank", "glute-bridge", "reverse-lunge", "runners-arabesque", "side-plank"):
        assert content.exercise(slug).source_dose is True
