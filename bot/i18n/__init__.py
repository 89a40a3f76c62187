"""Languages: message catalogues, the language a text is written in, and numbers and dates as it writes them.

Every text a member reads is written in English in the code, inside a call the extractor finds:

    tr.t("Counted: {points} points this week.", points=5)
    tr.n("{count} day", "{count} days", days)           # plural forms, as the language has them
    tr.tc("command-name", "today")                      # the same English with another meaning
    N_("Unknown exercise {name}.")                      # marked here, translated where it is shown

The catalogues are gettext ``.po`` files, one folder per language (``locales/<code>/LC_MESSAGES/*.po``),
read with Babel once, at start. The English text is the message id, so a message a catalogue lacks shows in
English, never as a key. Placeholders are named (``{points}``) and filled with ``str.format``.

Which language: :meth:`Languages.texts` takes the candidates in order (the member's Discord locale, then the
club's language) and uses the first one that has a catalogue; English otherwise. Discord locales are
``de``, ``fr``, ``es-ES``, ``pt-BR`` …: a catalogue folder ``pt_BR`` serves ``pt-BR`` only, ``es`` serves every
Spanish locale. No list of languages is written in the code: a new folder is a new language.

No ``import discord`` here: the domain marks its messages with :func:`N_` too.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, format_time, get_day_names
from babel.lists import format_list
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SOURCE_LANGUAGE = "en"
# What the extractor looks for (Babel's keyword spec): t(message), n(singular, plural, count),
# tc(context, message), N_(message).
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "t": None,
    "n": (1, 2),
    "tc": ((1, "c"), 2),
    "N_": None,
}
# The languages that write a small letter after a colon ("Left leg standing: pelvis dropped", "Jambe d'appui
# gauche : le bassin est tombé"). German is not among them: a noun keeps its capital there, and the others
# are taken as they are written. Used by Texts.after_colon.
LOWER_AFTER_COLON = frozenset({"en", "fr", "es"})
# How many (member locale, club language) choices Languages.texts keeps.
_PICKED_MAX = 4096
# Monday first, as the rest of the bot counts days (datetime.weekday()).
_BABEL_DAYS = range(7)


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues without translating it: it is translated where it is shown."""
    return message


def catalogue_code(locale: str) -> str:
    """``es-ES`` → ``es_ES``: Discord's spelling of a locale to the folder's."""
    return locale.replace("-", "_")


class Texts:
    """One language's texts, and numbers and dates the way it writes them."""

    def __init__(
        self,
        language: str,
        locale: str,
        singular: dict[tuple[str | None, str], str],
        plural: dict[str, tuple[str, ...]],
        plural_index,
    ) -> None:
        self.language = language  # the catalogue's code ("de"), or "en"
        self.locale = locale  # the member's own locale in Babel's spelling ("es_419"), for numbers and dates
        self._singular = singular
        self._plural = plural
        self._plural_index = plural_index

    def __repr__(self) -> str:
        return f"Texts({self.language!r}, locale={self.locale!r})"

    @staticmethod
    def _fill(translated: str, english: str, params: dict[str, object]) -> str:
        if not params:
            return translated
        try:
            return translated.format_map(params)
        except (KeyError, IndexError, ValueError):
            # A catalogue with a broken placeholder (the catalogue test catches these): English, not an error.
            log.warning("translation of %r has a placeholder it cannot fill; English used", english)
            return english.format_map(params)

    def t(self, message: str, /, **params: object) -> str:
        """``message`` in this language, its ``{placeholders}`` filled."""
        return self._fill(self._singular.get((None, message), message), message, params)

    def tc(self, context: str, message: str, /, **params: object) -> str:
        """Like :meth:`t`, for an English text that has more than one meaning (``context`` tells them apart)."""
        return self._fill(self._singular.get((context, message), message), message, params)

    def n(self, singular: str, plural: str, count: int, /, **params: object) -> str:
        """The form for ``count`` (also given to the text as ``{count}``, written for the locale)."""
        params.setdefault("count", self.number(count))
        forms = self._plural.get(singular)
        if forms is None:
            english = singular if count == 1 else plural
            return self._fill(english, english, params)
        index = self._plural_index(count)
        chosen = forms[index] if index < len(forms) else forms[-1]
        return self._fill(chosen, singular if count == 1 else plural, params)

    def after_colon(self, text: str) -> str:
        """``text`` as it is written after a colon in this language: a small first letter where the language
        writes one (:data:`LOWER_AFTER_COLON`), else unchanged."""
        if self.language.split("_", 1)[0] in LOWER_AFTER_COLON:
            return text[:1].lower() + text[1:]
        return text

    # Numbers, dates and lists, written for the locale.
    def number(self, value: float, digits: int | None = None) -> str:
        if digits is None and type(value) is int and 0 <= value < 1000:
            return str(value)  # written the same in every locale: no look-up on a hot path
        if digits is not None:
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            return format_decimal(value, format=pattern, locale=self.locale)
        return format_decimal(value, locale=self.locale)

    def date(self, value: date, format: str = "medium") -> str:
        return format_date(value, format=format, locale=self.locale)

    def day_month(self, value: date) -> str:
        """``3 Dec`` / ``3. Dez.`` / ``3 déc.``: a short date in this year."""
        return format_skeleton("MMMd", value, locale=self.locale)

    def time(self, value: time | datetime) -> str:
        return format_time(value, format="short", locale=self.locale)

    def datetime(self, value: datetime, format: str = "medium") -> str:
        return format_datetime(value, format=format, locale=self.locale)

    def weekday(self, index: int, width: str = "wide") -> str:
        """Monday is 0, as ``date.weekday()`` counts."""
        return self._day_names(width)[index]

    def _day_names(self, width: str) -> dict[int, str]:
        cache = self.__dict__.setdefault("_days", {})
        if width not in cache:
            names = get_day_names(width, locale=self.locale)
            cache[width] = {i: names[i] for i in _BABEL_DAYS}
        return cache[width]

    def join(self, items: Sequence[str], style: str = "standard") -> str:
        """``a, b and c`` / ``a, b und c``."""
        return format_list(list(items), style=style, locale=self.locale) if items else ""


def _plural_function(expression: str):
    return gettext.c2py(expression)


def _english(locale: str = SOURCE_LANGUAGE) -> Texts:
    return Texts(SOURCE_LANGUAGE, locale, {}, {}, lambda n: 0 if n == 1 else 1)


def _babel_locale(locale: str, fallback: str) -> str:
    """``locale`` in Babel's spelling when Babel knows it, else ``fallback``."""
    try:
        return str(Locale.parse(catalogue_code(locale)))
    except (UnknownLocaleError, ValueError):
        return fallback


class Languages:
    """The catalogues found in ``directory``, read once; :meth:`texts` picks one per answer."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self.directory = directory
        self._catalogues: dict[str, tuple[dict, dict, object]] = {}
        if directory.is_dir():
            for folder in sorted(p for p in directory.iterdir() if (p / "LC_MESSAGES").is_dir()):
                self._catalogues[folder.name] = self._read(folder / "LC_MESSAGES", folder.name)
        self._texts: dict[tuple[str, str], Texts] = {}
        self._picked: dict[tuple[str | None, ...], Texts] = {}
        self.english = self._make(SOURCE_LANGUAGE, SOURCE_LANGUAGE)

    @staticmethod
    def _read(folder: Path, code: str) -> tuple[dict, dict, object]:
        singular: dict[tuple[str | None, str], str] = {}
        plural: dict[str, tuple[str, ...]] = {}
        expression = "(n != 1)"
        for path in sorted(folder.glob("*.po")):
            with path.open("rb") as handle:
                catalogue = read_po(handle, locale=code)
            expression = catalogue.plural_expr or expression
            for message in catalogue:
                if not message.id or message.fuzzy:
                    continue
                if isinstance(message.id, tuple):
                    forms = tuple(message.string or ())
                    if forms and all(forms):
                        plural[message.id[0]] = forms
                elif message.string:
                    singular[(message.context, message.id)] = message.string
        return singular, plural, _plural_function(expression)

    def rewrite(self, code: str, change: Callable[[str], str], keep: Iterable[str] = ()) -> int:
        """Applies ``change`` to every translated text of catalogue ``code``, once, before the first answer:
        e.g. a command named in a sentence, written the way the member's Discord shows that command. Texts of
        the contexts in ``keep`` (the command names themselves) stay as they are. Returns how many changed."""
        singular, plural, _ = self._catalogues[code]
        kept = set(keep)
        changed = 0
        for key, text in singular.items():
            if key[0] not in kept and (new := change(text)) != text:
                singular[key] = new
                changed += 1
        for key, forms in plural.items():
            new_forms = tuple(change(form) for form in forms)
            if new_forms != forms:
                plural[key] = new_forms
                changed += 1
        return changed

    @property
    def catalogue_codes(self) -> tuple[str, ...]:
        """The languages there is a catalogue for (English, the source, has none)."""
        return tuple(sorted(self._catalogues))

    @property
    def codes(self) -> tuple[str, ...]:
        """Every language there is a catalogue for, and English: ``("de", "en", "es", "fr")``."""
        return tuple(sorted({SOURCE_LANGUAGE, *self._catalogues}))

    def catalogue_for(self, locale: str | None) -> str | None:
        """The catalogue that serves Discord locale ``locale``: its own (``pt_BR``), else its language's
        (``es`` for ``es-419``); English locales and locales without one give ``None``."""
        if not locale:
            return None
        code = catalogue_code(str(locale))
        if code in self._catalogues:
            return code
        language = code.split("_", 1)[0]
        return language if language in self._catalogues else None

    def texts(self, *locales: str | None) -> Texts:
        """The first of ``locales`` (member, then club) written in a language there is a catalogue for;
        English when none is. English locales (``en-GB``) stop the search: the member reads English.

        Every answer asks this: the choice for each combination is kept (there are a few dozen Discord
        locales, and few club languages), so a press pays one dictionary look-up."""
        picked = self._picked.get(locales)
        if picked is None:
            picked = self._pick(locales)
            if len(self._picked) < _PICKED_MAX:
                self._picked[locales] = picked
        return picked

    def _pick(self, locales: tuple[str | None, ...]) -> Texts:
        for locale in locales:
            if not locale:
                continue
            code = self.catalogue_for(locale)
            if code is not None:
                return self._make(code, str(locale))
            if catalogue_code(str(locale)).split("_", 1)[0] == SOURCE_LANGUAGE:
                return self._make(SOURCE_LANGUAGE, str(locale))
        return self.english

    def language_of(self, locale: str | None) -> str:
        """The language :meth:`texts` would use for ``locale`` alone: a catalogue code or ``"en"``."""
        return self.texts(locale).language

    def _make(self, language: str, locale: str) -> Texts:
        key = (language, locale)
        made = self._texts.get(key)
        if made is None:
            babel_locale = _babel_locale(locale, language)
            if language == SOURCE_LANGUAGE:
                made = _english(babel_locale)
            else:
                singular, plural, index = self._catalogues[language]
                made = Texts(language, babel_locale, singular, plural, index)
            self._texts[key] = made
        return made

    @cached_property
    def all_texts(self) -> tuple[Texts, ...]:
        return tuple(self._make(code, code) for code in self.codes)


# English without any catalogue: the default of a renderer called without a language.
ENGLISH = _english()


def each_language(languages: Languages, codes: Iterable[str] | None = None) -> list[Texts]:
    """One :class:`Texts` per catalogue language (and English), e.g. to render every language in a check."""
    wanted = set(codes) if codes is not None else None
    return [t for t in languages.all_texts if wanted is None or t.language in wanted]
