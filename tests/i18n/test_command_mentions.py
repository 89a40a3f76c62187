"""A command named in a translated text reads as the member's Discord lists it: ``/glutes safety`` is
``/gesäß sicherheit`` for a German member, with the names the tree is pushed with."""

from __future__ import annotations

import pytest

from bot.discord_ui.translator import (
    CatalogueTranslator,
    cog_commands,
    localize_mentions,
    mention_rewriter,
)
from bot.i18n import Languages

SAFETY_NOTE = "Not medical advice. More in /glutes safety."


@pytest.fixture(scope="module")
def german():
    translator = CatalogueTranslator(Languages())
    return translator, mention_rewriter(translator, "de", cog_commands())


@pytest.mark.parametrize(("text", "expected"), [
    ("Mehr unter /glutes safety.", "Mehr unter /gesäß sicherheit."),
    ("Drück /checkin oder /undo", "Drück /eintragen oder /rückgängig"),
    ("`/glutes progression reset` zuerst", "`/gesäß steigerung zurücksetzen` zuerst"),
    ("/test hip-drop", "/test hüftabsinken"),
])
def test_commands_in_a_text_take_the_names_the_tree_is_pushed_with(german, text, expected) -> None:
    assert german[1](text) == expected


def test_options_named_after_a_command_are_translated_with_it(german) -> None:
    translator, rewrite = german
    language = translator.translated("language", "de", _parameter_name())
    assert language
    assert language != "language"
    assert rewrite("`/club setup language:fr`") == f"`/club einrichten {language}:fr`"


@pytest.mark.parametrize("text", [
    "siehe http://example.org/glutes safety",  # part of an address
    "</glutes today:123>",  # a clickable mention: Discord shows its own name there
    "/menu und /glutesx",  # not a command
])
def test_what_is_not_a_command_named_in_a_sentence_stays(german, text) -> None:
    assert german[1](text) == text


def test_each_catalogue_is_rewritten_once_and_english_is_left_alone() -> None:
    languages = Languages()
    translator = CatalogueTranslator(languages)
    changed = localize_mentions(translator, cog_commands())
    assert changed > 0
    german = languages.texts("de").t(SAFETY_NOTE)
    assert "/gesäß sicherheit" in german
    assert "/glutes" not in german
    assert languages.texts("en-US").t(SAFETY_NOTE) == SAFETY_NOTE
    # The command names themselves are what Discord is sent: never rewritten.
    assert languages.texts("de").tc("command-name", "glutes") == "gesäß"
    # A second start changes nothing more.
    assert localize_mentions(translator, cog_commands()) == 0
    assert languages.texts("de").t(SAFETY_NOTE) == german


def _parameter_name():
    from discord.app_commands import TranslationContextLocation

    return TranslationContextLocation.parameter_name
