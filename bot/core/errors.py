"""Domain errors: each carries a message fit to show the member who caused it."""

from __future__ import annotations


class DomainError(Exception):
    """A problem the member can fix or should know about; never a bug."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
