"""Views and attachments the cogs and bot.delivery send: button rows that listen to nothing, pictures."""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.i18n import Texts
from bot.pictures.service import Picture

_ACTION_ROW = discord.ComponentType.action_row.value


def button_row_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of DynamicItem buttons, ready to send and not listening itself.

    The bot registers its DynamicItems once at start and discord.py routes their clicks by custom id, so the
    view needs no listener. A listening view sent ephemerally would also get a 15-minute timeout task that
    outlives the bot's close.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


class PresetRow:
    """One row of buttons sent as ready-made component payloads, listening to nothing.

    For a reply whose buttons are DynamicItems on the hottest path: building the items only to turn them back
    into payloads costs more than the rest of the reply. The payloads come from the items themselves, once
    (see ``feel_view``), with only the custom id changing per reply. Clicks are routed by custom id, as for
    ``button_row_view``.

    It is not a ``discord.ui.View``: making one (a random id, a future, the row weights) cost about as many
    instructions as the rest of the reply's Python. discord.py (pinned to 2.7) asks a view it sends for no more
    than this: its components, whether they are the newer layout kind, whether it listens, and its timeout.
    ``tests/e2e/test_progression.py`` sends it through discord.py and compares it with what the buttons render.
    """

    __discord_ui_view__ = True
    timeout = None

    def __init__(self, buttons: list[dict[str, Any]]) -> None:
        self._rows = [{"type": _ACTION_ROW, "components": buttons}]

    def to_components(self) -> list[dict[str, Any]]:
        return self._rows

    def has_components_v2(self) -> bool:
        return False

    def is_finished(self) -> bool:
        return True

    def is_dispatchable(self) -> bool:
        return False


def picture_kwargs(picture: Picture | None, embed: discord.Embed | None = None) -> dict[str, Any]:
    """Send arguments for a picture: attached with its alt text, and shown as ``embed``'s image.

    Empty when there is no picture (rendering failed or none exists): the text goes out alone.
    """
    if picture is None:
        return {}
    if embed is not None:
        embed.set_image(url=f"attachment://{picture.filename}")
    return {"file": discord.File(io.BytesIO(picture.data), filename=picture.filename, description=picture.description)}


def labelled(item: discord.ui.Item[Any], tr: Texts) -> discord.ui.Item[Any]:
    """``item`` (a button, or a dynamic item around one) with its label in the language of ``tr``; the custom id,
    what a press carries back, stays the same in every language."""
    button = getattr(item, "item", item)
    label = getattr(button, "label", None)
    if label and tr.language != "en":
        button.label = tr.t(label)
    return item
