"""Discord's size limits, applied in one place."""

from __future__ import annotations

MESSAGE_MAX = 2000
EMBED_TOTAL_MAX = 6000
EMBED_FIELDS_MAX = 25
AUTOCOMPLETE_MAX = 25
CHOICE_NAME_MAX = 100


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
