"""The catalogues: which language a member gets, plural forms, placeholders, and the completeness check."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import Languages
from bot.i18n.catalogues import Extra, check, extract, update

PO_HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: {plural}\\n"

"""


def write_po(directory: Path, code: str, body: str, plural: str = "nplurals=2; plural=(n != 1);",
             domain: str = "messages") -> None:
    folder = directory / code / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{domain}.po").write_text(PO_HEADER.format(plural=plural) + body, encoding="utf-8")


@pytest.fixture
def catalogues(tmp_path: Path) -> Path:
    write_po(tmp_path, "de", '''
msgid "Counted: {points} points."
msgstr "Gezählt: {points} Punkte."

msgid "{count} day"
msgid_plural "{count} days"
msgstr[0] "{count} Tag"
msgstr[1] "{count} Tage"

msgctxt "command-name"
msgid "today"
msgstr "heute"

msgid "Broken {name}."
msgstr "Kaputt {nom}."
''')
    # Polish has three forms: 1, 2-4, 5+.
    write_po(tmp_path, "pl", '''
msgid "{count} day"
msgid_plural "{count} days"
msgstr[0] "{count} dzień"
msgstr[1] "{count} dni (2-4)"
msgstr[2] "{count} dni"
''', plural="nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);")
    write_po(tmp_path, "pt_BR", '''
msgid "Counted: {points} points."
msgstr "Contado: {points} pontos."
''')
    return tmp_path


def test_the_member_locale_comes_first_then_the_club_language_then_english(catalogues: Path) -> None:
    languages = Languages(catalogues)
    assert languages.texts("de", "pt-BR").t("Counted: {points} points.", points=3) == "Gezählt: 3 Punkte."
    assert languages.texts("ja", "de").language == "de"  # no Japanese catalogue: the club's language
    assert languages.texts("ja", None).language == "en"
    assert languages.texts(None, None).t("Counted: {points} points.", points=3) == "Counted: 3 points."
    # An English-speaking member reads English even in a German club.
    assert languages.texts("en-GB", "de").language == "en"


def test_a_regional_locale_uses_its_own_catalogue_or_its_languages(catalogues: Path) -> None:
    languages = Languages(catalogues)
    assert languages.catalogue_for("pt-BR") == "pt_BR"
    assert languages.catalogue_for("pt-PT") is None  # no "pt" catalogue: pt_BR serves Brazil only
    assert languages.catalogue_for("de") == "de"
    austrian = languages.texts("de-AT")
    assert austrian.language == "de"
    assert austrian.locale == "de_AT"
    assert languages.codes == ("de", "en", "pl", "pt_BR")


def test_a_message_the_catalogue_lacks_is_english_never_a_key(catalogues: Path) -> None:
    german = Languages(catalogues).texts("de")
    assert german.t("Not in the catalogue {x}.", x=1) == "Not in the catalogue 1."
    assert german.n("{count} week", "{count} weeks", 2) == "2 weeks"


def test_plural_forms_follow_the_language(catalogues: Path) -> None:
    languages = Languages(catalogues)
    german, polish = languages.texts("de"), languages.texts("pl")
    assert [german.n("{count} day", "{count} days", n) for n in (1, 2)] == ["1 Tag", "2 Tage"]
    assert [polish.n("{count} day", "{count} days", n) for n in (1, 3, 5, 22)] == [
        "1 dzień", "3 dni (2-4)", "5 dni", "22 dni (2-4)"]


def test_a_context_tells_the_same_english_apart(catalogues: Path) -> None:
    german = Languages(catalogues).texts("de")
    assert german.tc("command-name", "today") == "heute"
    assert german.t("today") == "today"


def test_a_broken_placeholder_in_a_catalogue_gives_english_not_an_error(catalogues: Path) -> None:
    assert Languages(catalogues).texts("de").t("Broken {name}.", name="x") == "Broken x."


def test_numbers_dates_and_lists_are_written_for_the_locale(catalogues: Path) -> None:
    from datetime import date

    languages = Languages(catalogues)
    german, english = languages.texts("de"), languages.texts(None)
    assert german.number(1234.5) == "1.234,5"
    assert english.number(1234.5) == "1,234.5"
    assert german.weekday(0) == "Montag"
    assert english.weekday(6) == "Sunday"
    assert german.join(["a", "b", "c"]) == "a, b und c"
    assert german.day_month(date(2026, 12, 3)) == "3. Dez."
    assert german.n("{count} day", "{count} days", 1500) == "1.500 Tage"


def _template_for(source: Path) -> dict:
    return extract(extras=[Extra("today", "command-name")], package_dir=source)


def test_the_check_names_a_missing_message_an_untranslated_one_and_a_wrong_placeholder(tmp_path: Path) -> None:
    source = tmp_path / "bot"
    source.mkdir()
    (source / "reply.py").write_text(
        'def reply(tr, n):\n'
        '    return tr.t("Counted: {points} points.", points=1), tr.n("{count} day", "{count} days", n),'
        ' tr.t("Welcome back.")\n',
        encoding="utf-8",
    )
    locales = tmp_path / "locales"
    write_po(locales, "de", '''
msgid "Counted: {points} points."
msgstr "Gezählt: {punkte} Punkte."

msgid "{count} day"
msgid_plural "{count} days"
msgstr[0] "ein Tag"
msgstr[1] ""

msgctxt "command-name"
msgid "today"
msgstr "heute"
''')
    problems = {(p.language, p.message, p.problem) for p in check(_template_for(source), locales)}
    assert problems == {
        ("de", "Counted: {points} points.", "placeholders ['punkte'] where English has ['points']"),
        ("de", "{count} day", "a plural form is empty"),
        ("de", "Welcome back.", "missing"),
    }


def test_update_adds_new_messages_empty_and_the_check_then_passes_once_filled(tmp_path: Path) -> None:
    source = tmp_path / "bot"
    source.mkdir()
    (source / "reply.py").write_text('def reply(tr):\n    return tr.t("Welcome back, {name}.", name="a")\n',
                                     encoding="utf-8")
    locales = tmp_path / "locales"
    templates = extract(package_dir=source)
    update(templates, locales, new=["fr"])
    assert [str(p) for p in check(templates, locales)] == ["fr/messages.po: 'Welcome back, {name}.': not translated"]
    po = locales / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgid "Welcome back, {name}."\nmsgstr ""', 'msgid "Welcome back, {name}."\nmsgstr "Bon retour, {name}."'),
        encoding="utf-8")
    assert check(templates, locales) == []
    assert Languages(locales).texts("fr").t("Welcome back, {name}.", name="Ann") == "Bon retour, Ann."
