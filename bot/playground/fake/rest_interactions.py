"""Routes of the fake's REST API: interaction callbacks and the interaction webhooks (original answer, follow-ups)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from .interactions import CallbackType, FakeInteraction, InteractionType
from .routing import (
    EPHEMERAL_FLAG,
    LOADING_FLAG,
    Req,
    Result,
    _body,
    route,
)
from .validation import ApiError, validate_message

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger("bot.playground.fake.rest")


# ----------------------------------------------------------------------------------------------------
# interactions


def _interaction(fake: FakeDiscord, token: str) -> FakeInteraction:
    ix = fake.interaction_by_token(token)
    if ix is None:
        raise ApiError(404, 10015, "Unknown Webhook")
    return ix


@route("POST", "/interactions/{interaction_id}/{token}/callback", auth=False, global_limit=False)
async def interaction_callback(fake: FakeDiscord, req: Req, interaction_id: str, token: str) -> Result:
    ix = fake.interaction_by_token(token)
    body = _body(req)
    if ix is None or ix.id != int(interaction_id):
        raise ApiError(404, 10062, "Unknown interaction")
    if ix.callback is not None:
        ix.rejected.append((400, body))
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")
    now = time.perf_counter()
    if (
        fake.interaction_deadline is not None
        and ix.sent_at is not None
        and now - ix.sent_at > fake.interaction_deadline
    ):
        ix.rejected.append((404, body))
        log.warning(
            "fake discord: interaction %s answered after %.2fs (deadline %.1fs)",
            ix.label,
            now - ix.sent_at,
            fake.interaction_deadline,
        )
        raise ApiError(404, 10062, "Unknown interaction")
    ctype = body.get("type")
    data = body.get("data") or {}
    allowed = {
        InteractionType.APPLICATION_COMMAND: {4, 5, 9, 12},
        InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9, 12},
        InteractionType.AUTOCOMPLETE: {8},
        InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
    }[ix.type]
    if ctype not in allowed:
        ix.rejected.append((400, body))
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {
                "type": {
                    "_errors": [
                        {
                            "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                            "message": f"Interaction response type {ctype} is not valid here",
                        }
                    ]
                }
            },
        )
    if ctype in (CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, CallbackType.UPDATE_MESSAGE):
        try:
            validate_message(data, n_files=len(req.files), edit=ctype == CallbackType.UPDATE_MESSAGE)
        except ApiError:
            ix.rejected.append((400, body))
            raise
    if ctype == CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT and len(data.get("choices") or []) > 25:
        ix.rejected.append((400, body))
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {
                "data": {
                    "choices": {
                        "_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}]
                    }
                }
            },
        )

    channel = fake.channels[ix.channel_id]
    message: dict[str, Any] | None = None
    if ctype == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
        message = fake.build_message(
            channel, data, req.files, flags=int(data.get("flags") or 0), webhook_id=fake.application_id, interaction=ix
        )
        fake.store_message(message, channel_list=False)
        ix.original = message
    elif ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
        flags = LOADING_FLAG | (int(data.get("flags") or 0) & EPHEMERAL_FLAG)
        message = fake.build_message(channel, {}, [], flags=flags, webhook_id=fake.application_id, interaction=ix)
        fake.store_message(message, channel_list=False)
        ix.original = message
    elif ctype in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE) and ix.message is not None:
        message = fake.messages.get(int(ix.message["id"]), ix.message)
        if ctype == CallbackType.UPDATE_MESSAGE:
            fake.edit_message(message, data, req.files)
        ix.original = message

    recorded = dict(body)
    if req.files:
        recorded["files"] = [(filename, blob) for _, filename, blob in req.files]
    ix._set_response(recorded)

    if req.query.get("with_response") not in ("1", "true", "True"):
        return 204, None
    info: dict[str, Any] = {
        "id": str(ix.id),
        "type": ix.type,
        "activity_instance_id": None,
        "response_message_id": message["id"] if message is not None else None,
        "response_message_loading": ctype == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        "response_message_ephemeral": bool(message is not None and int(message.get("flags") or 0) & EPHEMERAL_FLAG),
    }
    resource: dict[str, Any] = {"type": ctype}
    if message is not None and ctype != CallbackType.DEFERRED_UPDATE_MESSAGE:
        resource["message"] = message
    return 200, {"interaction": info, "resource": resource}


def _original(ix: FakeInteraction) -> dict[str, Any]:
    if ix.original is None or ix.deleted_original:
        raise ApiError(404, 10008, "Unknown Message")
    return ix.original


@route("GET", "/webhooks/{application_id}/{token}/messages/@original", auth=False, global_limit=False)
async def get_original(fake: FakeDiscord, req: Req, application_id: str, token: str) -> Result:
    return 200, _original(_interaction(fake, token))


@route("PATCH", "/webhooks/{application_id}/{token}/messages/@original", auth=False, global_limit=False)
async def edit_original(fake: FakeDiscord, req: Req, application_id: str, token: str) -> Result:
    ix = _interaction(fake, token)
    message = _original(ix)
    body = _body(req)
    validate_message(body, n_files=len(req.files), edit=True)
    fake.edit_message(message, body, req.files)
    message["flags"] = int(message.get("flags") or 0) & ~LOADING_FLAG
    ix.edits.append(body)
    ix._set_final(body, files=[(filename, blob) for _, filename, blob in req.files])
    return 200, message


@route("DELETE", "/webhooks/{application_id}/{token}/messages/@original", auth=False, global_limit=False)
async def delete_original(fake: FakeDiscord, req: Req, application_id: str, token: str) -> Result:
    ix = _interaction(fake, token)
    message = _original(ix)
    fake.delete_message(int(message["id"]))
    ix.deleted_original = True
    return 204, None


@route("POST", "/webhooks/{application_id}/{token}", auth=False, global_limit=False)
async def create_followup(fake: FakeDiscord, req: Req, application_id: str, token: str) -> Result:
    ix = _interaction(fake, token)
    if ix.callback is None:
        raise ApiError(404, 10015, "Unknown Webhook")
    body = _body(req)
    validate_message(body, n_files=len(req.files))
    files = [(filename, blob) for _, filename, blob in req.files]
    ix.followups.append({**body, "files": files} if files else body)
    original = ix.original
    if (
        original is not None
        and not ix.deleted_original
        and int(original.get("flags") or 0) & LOADING_FLAG
        and ix.callback["type"] == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    ):
        # Discord turns the first followup after a "thinking" deferral into the original response.
        fake.edit_message(original, body, req.files)
        original["flags"] = int(original.get("flags") or 0) & ~LOADING_FLAG
        message = original
    else:
        channel = fake.channels[ix.channel_id]
        message = fake.build_message(
            channel, body, req.files, flags=int(body.get("flags") or 0), webhook_id=fake.application_id, interaction=ix
        )
        fake.store_message(message, channel_list=False)
    ix.followup_messages.append(message)
    ix._set_final(body, files=files)
    if req.query.get("wait") in ("1", "true", "True"):
        return 200, message
    return 204, None


def _followup(fake: FakeDiscord, ix: FakeInteraction, message_id: str) -> dict[str, Any]:
    mid = int(message_id)
    if ix.original is not None and int(ix.original["id"]) == mid and not ix.deleted_original:
        return ix.original
    for message in ix.followup_messages:
        if int(message["id"]) == mid and mid in fake.messages:
            return message
    raise ApiError(404, 10008, "Unknown Message")


@route("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", auth=False, global_limit=False)
async def get_followup(fake: FakeDiscord, req: Req, application_id: str, token: str, message_id: str) -> Result:
    return 200, _followup(fake, _interaction(fake, token), message_id)


@route("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", auth=False, global_limit=False)
async def edit_followup(fake: FakeDiscord, req: Req, application_id: str, token: str, message_id: str) -> Result:
    ix = _interaction(fake, token)
    message = _followup(fake, ix, message_id)
    body = _body(req)
    validate_message(body, n_files=len(req.files), edit=True)
    fake.edit_message(message, body, req.files)
    message["flags"] = int(message.get("flags") or 0) & ~LOADING_FLAG
    ix.edits.append(body)
    ix._set_final(body)
    return 200, message


@route("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", auth=False, global_limit=False)
async def delete_followup(fake: FakeDiscord, req: Req, application_id: str, token: str, message_id: str) -> Result:
    ix = _interaction(fake, token)
    message = _followup(fake, ix, message_id)
    fake.delete_message(int(message["id"]))
    if message is ix.original:
        ix.deleted_original = True
    return 204, None
