"""The reply to a check-in: its text, plus the feel buttons after a routine (their payloads made once from the
progression feature's own button class), or the after-run stretches after a stretch."""

from __future__ import annotations

import functools
from typing import Any

from bot.content.schema import Content
from bot.core.checkins import CheckinResult
from bot.core.points import Kind
from bot.core.progression import Feel
from bot.discord_ui.views import PresetRow, labelled
from bot.i18n import ENGLISH, Texts
from bot.render.boards import checkin_text
from bot.render.exercises import stretch_advice
from bot.render.limits import MESSAGE_MAX, clip
from bot.render.progression import FEEL_QUESTION

FEEL_PREFIX = "gc:feel:"
# "It hurt" is no feel: it records nothing and moves nobody on the ladder, it says what to do about pain.
HURT = "hurt"
FEEL_ANSWERS = (*(feel.value for feel in Feel), HURT)


def feel_custom_id(user_id: int, feel: Feel | str) -> str:
    return f"{FEEL_PREFIX}{user_id}:{Feel(feel).value if feel != HURT else HURT}"


@functools.lru_cache(maxsize=64)
def _feel_payloads(feel_button: type[Any], tr: Texts = ENGLISH) -> tuple[tuple[str, dict[str, Any]], ...]:
    """The feel buttons as payloads, from the button class itself, their labels in the language of ``tr`` (the
    custom id is set per reply). Made once per language."""
    return tuple((feel, labelled(feel_button(0, feel), tr).item.to_component_dict()) for feel in FEEL_ANSWERS)


def feel_view(user_id: int, feel_button: type[Any], tr: Texts = ENGLISH) -> PresetRow:
    """Easy / Just right / Hard / It hurt under a routine check-in, for ``user_id``'s presses only."""
    # The same ids as feel_custom_id, put together from the answers' own strings: no enum look-up per button.
    prefix = f"{FEEL_PREFIX}{user_id}:"
    return PresetRow([{**payload, "custom_id": prefix + feel} for feel, payload in _feel_payloads(feel_button, tr)])


def checkin_reply(
    result: CheckinResult, user_id: int, content: Content, feel_button: type[Any] | None, tr: Texts = ENGLISH
) -> dict[str, Any]:
    """Keyword arguments for whichever call sends the check-in reply, in the language of ``tr``: its text, plus
    the feel buttons after a routine, or the after-run stretches after a stretch."""
    text = checkin_text(result, tr)
    if result.kind is Kind.STRETCH:
        text = clip(f"{text}\n{stretch_advice(content.localized(tr.language), tr)}", MESSAGE_MAX)
    if result.kind is Kind.ROUTINE and feel_button is not None:
        return {"content": clip(f"{text}\n{tr.t(FEEL_QUESTION)}", MESSAGE_MAX),
                "view": feel_view(user_id, feel_button, tr)}
    return {"content": text}
