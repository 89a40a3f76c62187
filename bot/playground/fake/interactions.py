"""Interaction payloads sent to the bot and the record of how the bot answered them."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeDiscord


class InteractionType:
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType:
    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
    MODAL = 9
    LAUNCH_ACTIVITY = 12


class OptionType:
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class FakeInteraction:
    """One interaction the fake sent, and everything the bot did with its token."""

    def __init__(
        self,
        fake: FakeDiscord,
        payload: dict[str, Any],
        *,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        label: str,
        message: dict[str, Any] | None = None,
    ) -> None:
        loop = asyncio.get_running_loop()
        self._fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.user_id = user_id
        self.label = label
        # The message a component/modal interaction came from (the one type 6/7 callbacks edit).
        self.message = message
        self.sent_at: float | None = None
        self.callback_at: float | None = None
        self.final_at: float | None = None
        # The callback body exactly as posted ({"type": ..., "data": ...}; "files" added for multipart).
        self.callback: dict[str, Any] | None = None
        # The interaction's "original" message as stored by the fake (after edits), if there is one.
        self.original: dict[str, Any] | None = None
        self.followups: list[dict[str, Any]] = []
        self.followup_messages: list[dict[str, Any]] = []
        self.edits: list[dict[str, Any]] = []
        self.rejected: list[tuple[int, dict[str, Any]]] = []
        self.deleted_original = False
        self._response: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._final: asyncio.Future[dict[str, Any]] = loop.create_future()

    def __repr__(self) -> str:
        state = "answered" if self.callback is not None else "pending"
        return f"<FakeInteraction {self.label!r} id={self.id} {state}>"

    # -- what tests await ----------------------------------------------------------------------

    async def response(self, timeout: float = 5.0) -> dict[str, Any]:
        """The interaction callback the bot posted: ``{"type": int, "data": {...}}``."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._response), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{self!r}: the bot posted no interaction callback within {timeout}s"
                + (f" (rejected callbacks: {self.rejected})" if self.rejected else "")
            ) from None

    async def final(self, timeout: float = 5.0) -> dict[str, Any]:
        """The visible reply.

        For callback type 4/7 (and 8/9) that is the callback's data; after a deferral (5/6) it is the body of
        the first PATCH of ``@original`` or the first followup.
        """
        try:
            return await asyncio.wait_for(asyncio.shield(self._final), timeout)
        except TimeoutError:
            what = (
                "no callback"
                if self.callback is None
                else f"callback type {self.callback['type']} but no edit/followup"
            )
            raise TimeoutError(f"{self!r}: {what} within {timeout}s") from None

    @property
    def responded(self) -> bool:
        return self.callback is not None

    @property
    def response_type(self) -> int | None:
        return None if self.callback is None else self.callback["type"]

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to the callback arriving."""
        if self.sent_at is None or self.callback_at is None:
            return None
        return self.callback_at - self.sent_at

    @property
    def final_latency(self) -> float | None:
        if self.sent_at is None or self.final_at is None:
            return None
        return self.final_at - self.sent_at

    # -- bookkeeping used by the REST handlers --------------------------------------------------------

    def _set_response(self, body: dict[str, Any]) -> None:
        self.callback_at = time.perf_counter()
        self.callback = body
        if not self._response.done():
            self._response.set_result(body)
        if body["type"] not in (
            CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
        ):
            self._set_final(body.get("data") or {}, files=body.get("files"))

    def _set_final(self, data: dict[str, Any], files: list[tuple[str, bytes]] | None = None) -> None:
        if self._final.done():
            return
        self.final_at = time.perf_counter()
        if files:
            data = {**data, "files": files}
        self._final.set_result(data)


def _find_option(definitions: list[dict[str, Any]] | None, name: str) -> dict[str, Any] | None:
    if definitions is None:
        return None
    for opt in definitions:
        if opt.get("name") == name:
            return opt
    return None


def infer_option_type(value: Any) -> int:
    from .models import FakeChannel, FakeMember, FakeRole, FakeUser

    if isinstance(value, bool):
        return OptionType.BOOLEAN
    if isinstance(value, int):
        return OptionType.INTEGER
    if isinstance(value, float):
        return OptionType.NUMBER
    if isinstance(value, FakeUser | FakeMember):
        return OptionType.USER
    if isinstance(value, FakeRole):
        return OptionType.ROLE
    if isinstance(value, FakeChannel):
        return OptionType.CHANNEL
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes):
        return OptionType.ATTACHMENT
    return OptionType.STRING


def walk_command(
    command: dict[str, Any] | None, path: list[str]
) -> tuple[list[tuple[str, int]], list[dict[str, Any]] | None]:
    """Follow "group sub" names through a registered command.

    Returns the chain of (name, type) for subcommand groups/subcommands below the root, and the leaf's
    option definitions (None when the command is unknown, in which case types are inferred).
    """
    chain: list[tuple[str, int]] = []
    definitions: list[dict[str, Any]] | None = None if command is None else command.get("options") or []
    for name in path:
        if definitions is None:
            # Unknown command: the first extra word is a group if another one follows it.
            chain.append((name, OptionType.SUB_COMMAND_GROUP if len(chain) + 1 < len(path) else OptionType.SUB_COMMAND))
            continue
        opt = _find_option(definitions, name)
        if opt is None or opt.get("type") not in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP):
            known = [o["name"] for o in definitions if o.get("type") in (1, 2)]
            raise ValueError(f"/{command['name'] if command else '?'} has no subcommand {name!r} (known: {known})")
        chain.append((name, opt["type"]))
        definitions = opt.get("options") or []
    if definitions is not None and any(o.get("type") in (1, 2) for o in definitions):
        known = [o["name"] for o in definitions]
        raise ValueError(f"{' '.join(path) or 'command'!r} needs a subcommand, one of {known}")
    return chain, definitions


def nest_options(chain: list[tuple[str, int]], leaf_options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    options = leaf_options
    for name, otype in reversed(chain):
        options = [{"name": name, "type": otype, "options": options}]
    return options
