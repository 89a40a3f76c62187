"""The content in other languages: the shipped translations, Content.localized, search in a member's language,
and check-content catching each kind of problem with its file, key and language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.content import Content, check_content, find_exercise, load_content, search_exercises
from bot.content.languages import TEXT_FILES, flatten, texts_of
from bot.content.loader import Problem
from bot.content.schema import REST_NOTE, SUGGESTED_LEGEND, rest_note, suggested_legend
from bot.content.translations import text_problems
from bot.i18n import Languages

# The repository's content, with its translations (content/locales/<code>/*.yaml).
CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
LANGUAGES = ("de", "es", "fr")


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load_content(CONTENT_DIR)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _only(problems: list[Problem], file: str, field: str, needle: str = "") -> Problem:
    """The one problem of ``file`` at ``field`` (whose message holds ``needle``)."""
    found = [p for p in problems if p.file.endswith(file) and p.field == field and needle in p.message]
    assert len(found) == 1, problems
    return found[0]


# ------------------------------------------------------------------------------------------- shipped


def test_the_shipped_translations_pass_check_content() -> None:
    assert check_content(CONTENT_DIR) == []


def test_every_language_has_every_text_file(shipped: Content) -> None:
    assert shipped.languages == LANGUAGES
    for code in LANGUAGES:
        for name in TEXT_FILES:
            assert (CONTENT_DIR / "locales" / code / name).is_file()


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_text_is_translated_and_differs_from_the_english(shipped: Content, code: str) -> None:
    english = {name: flatten(tree) for name, tree in texts_of(shipped).items()}
    localized = {name: flatten(tree) for name, tree in texts_of(shipped.localized(code)).items()}
    assert localized.keys() == english.keys()
    for name in english:
        assert localized[name].keys() == english[name].keys()
        # Names of moves borrowed from English (Bird dog, Thruster …) may stay; whole sentences may not.
        same = [k for k, v in english[name].items() if localized[name][k] == v and len(v.split()) > 3]
        assert same == [], f"{code}/{name}: left in English: {same}"


def test_localized_content_keeps_the_facts_and_changes_the_texts(shipped: Content) -> None:
    german = shipped.localized("de")
    bridge, english_bridge = german.exercise("glute-bridge"), shipped.exercise("glute-bridge")
    assert bridge.name == "Gesäßbrücke"
    # The dose's figures are the English's; only its source statement is in German, led by the same article.
    assert bridge.dose.model_copy(update={"source": english_bridge.dose.source}) == english_bridge.dose
    assert bridge.dose.source.startswith("004: ")
    assert (bridge.muscles, bridge.equipment, bridge.sources) == (english_bridge.muscles, english_bridge.equipment,
                                                                   english_bridge.sources)
    routine, english_routine = german.routine("five-minute"), shipped.routine("five-minute")
    assert routine.items == english_routine.items
    steps, english_steps = routine.progression.steps, english_routine.progression.steps
    assert [s.extra_reps for s in steps] == [s.extra_reps for s in english_steps]
    assert routine.progression.steps[1].note.startswith("12 Wiederholungen †")
    test = german.selftest("hip-drop")
    assert [o.weak for o in test.outcomes] == [o.weak for o in shipped.selftest("hip-drop").outcomes]
    assert test.outcome("hip-drops").label == "Becken sank ab"
    assert german.guide.after_run_stretches == shipped.guide.after_run_stretches
    assert german.guide.caution.startswith("Hör auf")


def test_localized_is_built_once_and_falls_back_to_english(shipped: Content) -> None:
    assert shipped.localized("fr") is shipped.localized("fr")
    assert shipped.localized("es_ES") is shipped.localized("es")
    assert shipped.localized("en") is shipped
    assert shipped.localized("pt_BR") is shipped
    # From one language to another and back.
    assert shipped.localized("de").localized("fr") is shipped.localized("fr")
    assert shipped.localized("de").localized("en") is shipped


def test_a_missing_text_shows_in_english(copy: Path) -> None:
    _edit(copy / "locales" / "de" / "exercises.yaml", lambda d: d["exercises"]["clams"].pop("summary"))
    content = load_content(copy)
    clams = content.localized("de").exercise("clams")
    assert clams.name == "Muschel"
    assert clams.summary == content.exercise("clams").summary


def test_dose_notes_and_units_in_the_language(shipped: Content) -> None:
    languages = Languages()
    item = shipped.localized("es").routine("gmed-isolation").items[0]
    text = item.dose.render(languages.texts("es"))
    assert text == "4 × 10–12 repeticiones por lado (primero un aguante de 10 s para encontrar el músculo)"
    hold = shipped.localized("de").exercise("side-plank").dose.render(languages.texts("de"))
    assert hold == "3 × 30 s halten pro Seite"
    one = shipped.exercise("glute-bridge").dose.model_copy(update={"reps": 1, "reps_max": None})
    assert one.render(languages.texts("fr")) == "1 répétition"
    assert one.render() == "1 rep"


def test_the_rest_note_and_the_dagger_legend_in_each_language() -> None:
    languages = Languages()
    assert rest_note() == REST_NOTE
    assert suggested_legend() == SUGGESTED_LEGEND
    assert rest_note(languages.texts("de")).startswith("Die Zeiten enthalten Pausen †: 5 s")
    for code in LANGUAGES:
        tr = languages.texts(code)
        assert rest_note(tr) != REST_NOTE
        assert suggested_legend(tr).startswith("† ")
        assert suggested_legend(tr) != SUGGESTED_LEGEND


# -------------------------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("code", "query", "slug"),
    [
        ("de", "brucke", "glute-bridge"),
        ("de", "Gesässbrücke", "glute-bridge"),
        ("de", "huftbeuger", "hip-flexor-stretch"),
        ("fr", "etirement des fessiers", "glute-stretch"),
        ("fr", "FENTE ARRIERE", "reverse-lunge"),
        ("es", "puente de gluteo", "glute-bridge"),
        ("es", "zancada atrás", "reverse-lunge"),
    ],
)
def test_search_in_the_members_language_ignores_accents(shipped: Content, code: str, query: str, slug: str) -> None:
    found = search_exercises(shipped.localized(code), query)
    assert [e.slug for e in found[:1]] == [slug], [e.name for e in found[:3]]


def test_the_english_names_still_find_an_exercise(shipped: Content) -> None:
    german = shipped.localized("de")
    found = find_exercise(german, "glute bridge")
    assert found is not None
    assert found.slug == "glute-bridge"
    assert found.name == "Gesäßbrücke"
    assert find_exercise(german, "Gesäßbrücke") is found


def test_an_accented_name_is_found_without_its_accents(copy: Path) -> None:
    _edit(copy / "locales" / "de" / "exercises.yaml",
          lambda d: d["exercises"]["clams"].update(name="Übung mit Muschelöffnung"))
    german = load_content(copy).localized("de")
    assert [e.slug for e in search_exercises(german, "ubung")][:1] == ["clams"]


# ---------------------------------------------------------------------------------------------- checks


def test_a_missing_text_is_reported(copy: Path) -> None:
    _edit(copy / "locales" / "fr" / "routines.yaml", lambda d: d["routines"]["gmed-isolation"]["notes"].pop())
    problem = _only(check_content(copy), "locales/fr/routines.yaml", "routines.gmed-isolation.notes[3]")
    assert "missing text" in problem.message
    assert "[fr]" in problem.message


def test_a_missing_file_is_reported(copy: Path) -> None:
    (copy / "locales" / "es" / "guide.yaml").unlink()
    problem = _only(check_content(copy), "locales/es/guide.yaml", "")
    assert "missing" in problem.message
    assert "es" in problem.message


def test_an_extra_text_is_reported(copy: Path) -> None:
    _edit(copy / "locales" / "de" / "exercises.yaml", lambda d: d["exercises"]["clams"].update(hint="Extra"))
    _edit(copy / "locales" / "de" / "selftests.yaml", lambda d: d["selftests"]["hip-drop"]["steps"].append("Noch was."))
    problems = check_content(copy)
    assert "extra text" in _only(problems, "locales/de/exercises.yaml", "exercises.clams.hint").message
    assert "[de]" in _only(problems, "locales/de/selftests.yaml", "selftests.hip-drop.steps[4]").message


def test_an_exercise_unknown_to_the_english_is_reported(copy: Path) -> None:
    _edit(copy / "locales" / "es" / "exercises.yaml",
          lambda d: d["exercises"].update({"moon-walk": {"name": "Paseo lunar"}}))
    problem = _only(check_content(copy), "locales/es/exercises.yaml", "exercises.moon-walk.name")
    assert "extra text" in problem.message
    assert "[es]" in problem.message


def test_a_placeholder_that_differs_is_reported(copy: Path) -> None:
    _edit(copy / "locales" / "de" / "guide.yaml", lambda d: d.update(after_run=d["after_run"] + " {name}"))
    problem = _only(check_content(copy), "locales/de/guide.yaml", "after_run")
    assert "placeholders differ" in problem.message
    assert "[de]" in problem.message


def test_a_lost_dagger_is_reported(copy: Path) -> None:
    def drop(data: dict) -> None:
        data["exercises"]["bent-knee-plank"]["easier"] = "Halte 5 s statt 10."

    _edit(copy / "locales" / "de" / "exercises.yaml", drop)
    problem = _only(check_content(copy), "locales/de/exercises.yaml", "exercises.bent-knee-plank.easier")
    assert "†" in problem.message
    assert "[de]" in problem.message


def test_a_lost_number_is_reported(copy: Path) -> None:
    def drop(data: dict) -> None:
        data["routines"]["hip-stability-trio"]["notes"][2] = "Maintiens de quarante secondes en planche latérale."

    _edit(copy / "locales" / "fr" / "routines.yaml", drop)
    problem = _only(check_content(copy), "locales/fr/routines.yaml", "routines.hip-stability-trio.notes[2]")
    assert "number" in problem.message
    assert "40" in problem.message
    assert "[fr]" in problem.message


def test_a_lost_bold_part_is_reported(copy: Path) -> None:
    english = copy / "exercises.yaml"
    english.write_text(english.read_text(encoding="utf-8").replace(
        "- Stop if you feel a sharp pain.", "- '**Stop** if you feel a sharp pain.'", 1), encoding="utf-8")
    problems = check_content(copy)
    for code in LANGUAGES:
        problem = _only(problems, f"locales/{code}/exercises.yaml", "exercises.side-lying-hip-circles.safety[1]")
        assert "bold" in problem.message
        assert f"[{code}]" in problem.message


def test_a_text_longer_than_a_field_is_reported(copy: Path) -> None:
    _edit(copy / "locales" / "es" / "guide.yaml", lambda d: d.update(screening="Muy largo. " * 110))
    problem = _only(check_content(copy), "locales/es/guide.yaml", "screening", "embed field")
    assert "1024" in problem.message
    assert "[es]" in problem.message


def test_a_name_longer_than_discord_allows_is_reported(copy: Path) -> None:
    _edit(copy / "locales" / "fr" / "selftests.yaml", lambda d: d["selftests"]["hip-drop"].update(name="Hanche " * 40))
    _edit(copy / "locales" / "fr" / "exercises.yaml",
          lambda d: d["exercises"]["clams"].update(aliases=["coquillage " * 10]))
    problems = check_content(copy)
    name = _only(problems, "locales/fr/selftests.yaml", "selftests.hip-drop.name", "256")
    assert "[fr]" in name.message
    alias = _only(problems, "locales/fr/exercises.yaml", "exercises.clams.aliases[0]", "autocomplete")
    assert "autocomplete" in alias.message
    assert "100" in alias.message
    assert "[fr]" in alias.message


def test_a_step_longer_than_the_content_allows_is_reported(copy: Path) -> None:
    _edit(copy / "locales" / "de" / "exercises.yaml",
          lambda d: d["exercises"]["clams"]["steps"].__setitem__(0, "Leg dich auf die Seite. " * 10))
    problem = _only(check_content(copy), "locales/de/exercises.yaml", "exercises.clams.steps[0]")
    assert "200" in problem.message
    assert "[de]" in problem.message


def test_two_exercises_with_one_name_are_reported(copy: Path) -> None:
    _edit(copy / "locales" / "es" / "exercises.yaml", lambda d: d["exercises"]["clams"].update(name="Puente de glúteo"))
    problems = [p for p in check_content(copy) if "also names exercise" in p.message]
    assert problems
    assert all(p.file.endswith("locales/es/exercises.yaml") and "[es]" in p.message for p in problems)
    assert {p.field for p in problems} & {"exercises.clams.name", "exercises.glute-bridge.name"}


def test_text_problems_compares_marks_numbers_and_placeholders() -> None:
    assert text_problems("Hold 10–30 s †, {count} times.", "Halte 10–30 s †, {count}-mal.") == []
    assert text_problems("Hold 1.5 min.", "Halte 1,5 Min.") == []
    problems = text_problems("**Stop** at 10 s † with {name}.", "Stopp bei zehn Sekunden mit {nom}.")
    assert len(problems) == 4


def test_a_missing_source_text_is_reported(copy: Path) -> None:
    _edit(copy / "locales" / "fr" / "exercises.yaml", lambda d: d["exercises"]["clams"].pop("source"))
    _edit(copy / "locales" / "de" / "exercises.yaml", lambda d: d["exercises"]["side-plank"].pop("dose_source"))
    problems = check_content(copy)
    missing = _only(problems, "locales/fr/exercises.yaml", "exercises.clams.source")
    assert "missing text" in missing.message
    assert "002 lists clams" in missing.message
    assert "[fr]" in missing.message
    dose = _only(problems, "locales/de/exercises.yaml", "exercises.side-plank.dose_source")
    assert "missing text" in dose.message
    assert "[de]" in dose.message


def test_a_source_text_with_another_article_number_is_reported(copy: Path) -> None:
    def swap(data: dict) -> None:
        # Every number of the English is still there: only the leading article number changed.
        data["exercises"]["side-plank-leg-lift"]["source"] = (
            "002 añade una elevación de pierna a la plancha lateral; 000 y 003 también la recogen")

    _edit(copy / "locales" / "es" / "exercises.yaml", swap)
    problem = _only(check_content(copy), "locales/es/exercises.yaml", "exercises.side-plank-leg-lift.source")
    assert "article number 000" in problem.message
    assert "[es]" in problem.message


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_source_texts_are_in_the_language_and_keep_the_article_number(shipped: Content, code: str) -> None:
    local = shipped.localized(code)
    for slug, exercise in shipped.exercises.items():
        translated = local.exercises[slug]
        assert translated.source != exercise.source, slug
        assert translated.source[:3] == exercise.source[:3], slug
        assert translated.sources == exercise.sources, slug
        if exercise.dose.source:
            assert translated.dose.source != exercise.dose.source, slug
            assert translated.dose.source[:3] == exercise.dose.source[:3], slug
