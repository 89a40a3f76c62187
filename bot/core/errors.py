"""Domain errors: each carries a message fit to show the member who caused it, in their language.

The message is English with named placeholders, marked for the catalogues where it is written
(``NotFound(N_("No exercise called {name}."), name=quoted(value))``); :meth:`DomainError.text` gives it
in a member's language, :attr:`DomainError.message` in English.
"""

from __future__ import annotations

from typing import Protocol


class _Translates(Protocol):
    def t(self, message: str, /, **params: object) -> str: ...


class DomainError(Exception):
    """A problem the member can fix or should know about; never a bug."""

    def __init__(self, message: str, /, **params: object) -> None:
        self.template = message
        self.params = params
        self.message = message.format_map(params) if params else message
        super().__init__(self.message)

    def text(self, texts: _Translates) -> str:
        """The message in the language of ``texts``."""
        return texts.t(self.template, **self.params)


class InvalidInput(DomainError):
    """An option value the bot cannot use (bad time, unknown zone, …)."""


class NotFound(DomainError):
    """Something the member named does not exist."""


class NotAllowed(DomainError):
    """The member may not do this (not an admin, not their button, …)."""


class TryAgain(DomainError):
    """Something passing (a busy database) stopped it before anything changed: the same command can be run again."""


def quoted(value: object, limit: int = 40) -> str:
    """``value`` as inline code in a reply, whatever it contains.

    A backtick inside would end the code span early, and a line break would spill the rest of
    the message into it, so both are replaced; long values are clipped.
    """
    text = " ".join(str(value).split()).replace("`", "ˋ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"`{text}`" if text else "(nothing)"
