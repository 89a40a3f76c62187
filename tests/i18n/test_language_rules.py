"""Language rules of the rendered texts: a small letter after a colon where the language writes one, plural forms
where a count changes the words, and dates and colons of /club show as the language writes them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.content import load_content
from bot.core.challenges import ChallengeInfo, Goal, Results
from bot.db.models import Club, SendClaim
from bot.i18n import LOWER_AFTER_COLON, Languages
from bot.render import challenges, selftests
from bot.render.club import club_embed

LANGUAGES = Languages()
CONTENT = load_content()
NOW = datetime(2026, 11, 18, 9, 45, tzinfo=UTC)


@pytest.mark.parametrize(("code", "side", "answer"), [
    ("fr", "Jambe d’appui gauche", "le bassin est tombé"),
    ("es", "Pierna de apoyo izquierda", "la pelvis cayó"),
])
def test_french_and_spanish_buttons_write_a_small_letter_after_the_colon(code: str, side: str, answer: str) -> None:
    tr = LANGUAGES.texts(code)
    test = CONTENT.localized(code).selftests["hip-drop"]
    labels = [selftests.answer_label(tr, test, "left", o) for o in test.outcomes]
    for outcome, label in zip(test.outcomes, labels, strict=True):
        assert outcome.label[:1].isupper(), outcome.label
        shown = label.split(":", 1)[1].strip()
        assert shown == outcome.label[:1].lower() + outcome.label[1:], label
    assert labels[0].startswith(side), labels
    assert any(label.endswith(answer) for label in labels), labels


def test_german_keeps_the_capital_after_the_colon() -> None:
    tr = LANGUAGES.texts("de")
    test = CONTENT.localized("de").selftests["hip-drop"]
    for outcome in test.outcomes:
        label = selftests.answer_label(tr, test, "left", outcome)
        assert label.endswith(": " + outcome.label), label


@pytest.mark.parametrize("code", ["en", "de", "fr", "es"])
def test_every_answer_button_starts_with_a_capital(code: str) -> None:
    tr = LANGUAGES.texts(code)
    local = CONTENT.localized(code)
    labels = [selftests.answer_label(tr, test, side, outcome)
              for test in local.selftests.values() for side in ("left", "right", "both") for outcome in test.outcomes]
    assert labels
    assert all(label[:1].isupper() for label in labels), [label for label in labels if not label[:1].isupper()]


def test_after_colon_follows_the_language() -> None:
    assert set(LOWER_AFTER_COLON) == {"en", "fr", "es"}
    assert LANGUAGES.texts("fr").after_colon("Le bassin") == "le bassin"
    assert LANGUAGES.texts("es").after_colon("La pelvis") == "la pelvis"
    assert LANGUAGES.english.after_colon("Pelvis") == "pelvis"
    assert LANGUAGES.texts("de").after_colon("Becken") == "Becken"


def _alt(code: str, reached: int) -> str:
    info = ChallengeInfo(1, "Bridge week", Goal.ROUTINES, 3, 4, NOW, NOW, "active")
    standings = [(f"m{i}", 3 if i < reached else 1) for i in range(5)]
    return challenges.challenge_words(LANGUAGES.texts(code), Results(info, [], 0, 5, 12, standings))[1]


def test_the_german_reached_sentence_has_its_plural_forms() -> None:
    assert "1 der gezeigten Mitglieder hat es erreicht." in _alt("de", 1)
    assert "3 der gezeigten Mitglieder haben es erreicht." in _alt("de", 3)
    assert "1 des membres affichés l’a atteint." in _alt("fr", 1)
    assert "3 de los miembros mostrados lo alcanzaron." in _alt("es", 3)


def test_club_show_lists_a_post_with_the_languages_date_and_colon() -> None:
    club = Club(guild_id=1, channel_id=2, post_day="monday", post_time="07:00", leaderboard_day="sunday",
                leaderboard_time="18:00", week_start="monday", timezone="Europe/London", routine_slug="x",
                paused=False, language="fr")
    run = SendClaim(kind="routine", subject_id=1, period_key="w2026-11-16", status="sent", late=False)
    field = club_embed(club, None, None, [run], None, tr=LANGUAGES.texts("fr")).fields[-1]
    assert field.value == "routine 16 nov. 2026 : envoyée"
    assert club_embed(club, None, None, [run], None).fields[-1].value == "routine Nov 16, 2026: sent"
