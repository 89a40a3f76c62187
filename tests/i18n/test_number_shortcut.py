"""Texts.number's shortcut for small whole numbers writes what Babel would."""

from __future__ import annotations

import discord
from babel.numbers import format_decimal

from bot.i18n import Languages


def test_small_whole_numbers_are_written_the_same_in_every_language_a_member_can_get() -> None:
    """Texts.number writes 0–999 without Babel (a press formats a few): true for each locale it can serve."""
    languages = Languages()
    served = {languages.texts(locale.value).locale for locale in discord.Locale}
    assert {"de", "fr", "en_US"} <= served
    for locale in served:
        assert [format_decimal(n, locale=locale) for n in range(1000)] == [str(n) for n in range(1000)], locale
