"""The subset of Discord's request validation that catches common bot bugs.

Errors come back the way Discord reports them: HTTP 400, ``{"code": 50035, "message": "Invalid Form Body",
"errors": {...}}`` with the nested ``_errors`` structure discord.py flattens into its exception text.
"""

from __future__ import annotations

import re
from typing import Any

IS_COMPONENTS_V2 = 1 << 15

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$", re.UNICODE)


class ApiError(Exception):
    """Raised by handlers; turned into an error response."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def _err(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def _set(errors: dict[str, Any], path: list[str | int], value: dict[str, Any]) -> None:
    node = errors
    for key in path:
        node = node.setdefault(str(key), {})
    node.update(value)


def invalid_form_body(errors: dict[str, Any]) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


def _check_len(errors: dict[str, Any], path: list[str | int], value: Any, maximum: int, minimum: int = 0) -> None:
    if value is None:
        return
    length = len(str(value))
    if length > maximum:
        _set(errors, path, _err("BASE_TYPE_MAX_LENGTH", f"Must be {maximum} or fewer in length."))
    elif length < minimum:
        _set(errors, path, _err("BASE_TYPE_MIN_LENGTH", f"Must be {minimum} or more in length."))


def _embed_size(embed: dict[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for fld in embed.get("fields") or []:
        total += len(fld.get("name") or "") + len(fld.get("value") or "")
    return total


def _validate_embeds(errors: dict[str, Any], embeds: list[dict[str, Any]]) -> None:
    if len(embeds) > 10:
        _set(errors, ["embeds"], _err("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."))
        return
    total = 0
    for i, embed in enumerate(embeds):
        path: list[str | int] = ["embeds", i]
        _check_len(errors, [*path, "title"], embed.get("title"), 256)
        _check_len(errors, [*path, "description"], embed.get("description"), 4096)
        _check_len(errors, [*path, "footer", "text"], (embed.get("footer") or {}).get("text"), 2048)
        _check_len(errors, [*path, "author", "name"], (embed.get("author") or {}).get("name"), 256)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            _set(errors, [*path, "fields"], _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        for j, fld in enumerate(fields):
            if not fld.get("name"):
                _set(errors, [*path, "fields", j, "name"], _err("BASE_TYPE_REQUIRED", "This field is required"))
            if not fld.get("value"):
                _set(errors, [*path, "fields", j, "value"], _err("BASE_TYPE_REQUIRED", "This field is required"))
            _check_len(errors, [*path, "fields", j, "name"], fld.get("name"), 256)
            _check_len(errors, [*path, "fields", j, "value"], fld.get("value"), 1024)
        total += _embed_size(embed)
    if total > 6000:
        _set(errors, ["embeds"], _err("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))


def _walk_components(components: list[dict[str, Any]]):
    for comp in components:
        yield comp
        children = comp.get("components")
        if isinstance(children, list):
            yield from _walk_components(children)
        for key in ("accessory", "component"):
            child = comp.get(key)
            if isinstance(child, dict):
                yield from _walk_components([child])


def _validate_components(errors: dict[str, Any], components: list[dict[str, Any]], flags: int) -> None:
    v2 = bool(flags & IS_COMPONENTS_V2)
    if not v2 and len(components) > 5:
        _set(errors, ["components"], _err("BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."))
    seen: set[str] = set()
    count = 0
    for i, comp in enumerate(components):
        ctype = comp.get("type")
        if not v2 and ctype != 1:
            _set(errors, ["components", i, "type"], _err("UNION_TYPE_CHOICES", 'Value of field "type" must be 1.'))
        if ctype == 1:
            children = comp.get("components") or []
            if not children:
                _set(errors, ["components", i, "components"], _err("BASE_TYPE_REQUIRED", "This field is required"))
            if len(children) > 5:
                _set(
                    errors,
                    ["components", i, "components"],
                    _err("BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."),
                )
    for comp in _walk_components(components):
        count += 1
        custom_id = comp.get("custom_id")
        if custom_id is not None:
            if len(custom_id) > 100:
                _set(errors, ["components"], _err("BASE_TYPE_MAX_LENGTH", "custom_id must be 100 or fewer in length."))
            if custom_id in seen:
                _set(
                    errors,
                    ["components"],
                    _err("COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"),
                )
            seen.add(custom_id)
        if comp.get("type") == 2:
            if comp.get("label") is not None and len(comp["label"]) > 80:
                _set(errors, ["components"], _err("BASE_TYPE_MAX_LENGTH", "label must be 80 or fewer in length."))
            style = comp.get("style")
            if style == 5 and not comp.get("url"):
                _set(errors, ["components"], _err("BUTTON_URL_REQUIRED", "A link button requires a url"))
            if style not in (5, 6) and custom_id is None:
                _set(errors, ["components"], _err("BUTTON_CUSTOM_ID_REQUIRED", "A button requires a custom_id"))
        if comp.get("type") == 3 and len(comp.get("options") or []) > 25:
            _set(errors, ["components"], _err("BASE_TYPE_MAX_LENGTH", "options must be 25 or fewer in length."))
    if v2 and count > 40:
        _set(errors, ["components"], _err("BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length."))


def validate_message(body: dict[str, Any], *, n_files: int, edit: bool = False) -> None:
    """Validate a message create/edit body; raise ApiError like Discord would."""
    errors: dict[str, Any] = {}
    flags = int(body.get("flags") or 0)
    content = body.get("content")
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    _check_len(errors, ["content"], content, 2000)
    if embeds:
        _validate_embeds(errors, embeds)
    if components:
        _validate_components(errors, components, flags)
    if flags & IS_COMPONENTS_V2 and (content or embeds):
        _set(
            errors,
            ["content" if content else "embeds"],
            _err(
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
            ),
        )
    if errors:
        raise invalid_form_body(errors)
    if not edit:
        has_something = (
            bool(content)
            or bool(embeds)
            or bool(components)
            or n_files > 0
            or bool(body.get("sticker_ids"))
            or bool(body.get("poll"))
        )
        if not has_something:
            raise ApiError(400, 50006, "Cannot send an empty message")


def _validate_options(errors: dict[str, Any], path: list[str | int], options: list[dict[str, Any]], depth: int) -> None:
    if len(options) > 25:
        _set(errors, [*path], _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    names: set[str] = set()
    seen_optional = False
    kinds = {"sub": 0, "plain": 0}
    for i, opt in enumerate(options):
        opath = [*path, i]
        name = opt.get("name") or ""
        if not _COMMAND_NAME.match(name) or name != name.lower():
            _set(errors, [*opath, "name"], _err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
        if name in names:
            _set(
                errors,
                [*opath, "name"],
                _err("APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique"),
            )
        names.add(name)
        _check_len(errors, [*opath, "description"], opt.get("description") or "", 100, 1)
        otype = opt.get("type")
        if otype in (1, 2):
            kinds["sub"] += 1
            if depth >= (1 if otype == 2 else 2):
                _set(
                    errors,
                    [*opath, "type"],
                    _err("APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-command nesting is too deep"),
                )
            _validate_options(errors, [*opath, "options"], opt.get("options") or [], depth + 1)
            if otype == 2 and any(o.get("type") != 1 for o in opt.get("options") or []):
                _set(
                    errors,
                    [*opath, "options"],
                    _err(
                        "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "A sub-command group may only contain sub-commands"
                    ),
                )
        else:
            kinds["plain"] += 1
            required = bool(opt.get("required"))
            if required and seen_optional:
                _set(
                    errors,
                    [*opath, "required"],
                    _err(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    ),
                )
            if not required:
                seen_optional = True
            choices = opt.get("choices") or []
            if len(choices) > 25:
                _set(errors, [*opath, "choices"], _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
            if choices and opt.get("autocomplete"):
                _set(
                    errors,
                    [*opath, "autocomplete"],
                    _err(
                        "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_AND_CHOICES", "Autocomplete cannot be set with choices"
                    ),
                )
    if kinds["sub"] and kinds["plain"]:
        _set(
            errors,
            [*path],
            _err("APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-commands cannot be mixed with other option types"),
        )


def validate_commands(commands: list[dict[str, Any]]) -> None:
    errors: dict[str, Any] = {}
    if not isinstance(commands, list):
        raise invalid_form_body({"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array"}]})
    seen: set[tuple[int, str]] = set()
    chat_inputs = 0
    for i, cmd in enumerate(commands):
        ctype = int(cmd.get("type", 1))
        name = cmd.get("name") or ""
        if ctype == 1:
            chat_inputs += 1
            if not _COMMAND_NAME.match(name) or name != name.lower():
                _set(errors, [i, "name"], _err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
            _check_len(errors, [i, "description"], cmd.get("description") or "", 100, 1)
            _validate_options(errors, [i, "options"], cmd.get("options") or [], 0)
        else:
            _check_len(errors, [i, "name"], name, 32, 1)
            if cmd.get("description"):
                _set(
                    errors,
                    [i, "description"],
                    _err(
                        "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                        "Context menu commands cannot have a description",
                    ),
                )
        if (ctype, name) in seen:
            _set(
                errors,
                [i, "name"],
                _err("APPLICATION_COMMANDS_DUPLICATE_NAME", f"Application command names must be unique: {name}"),
            )
        seen.add((ctype, name))
    if chat_inputs > 100:
        _set(errors, [], _err("BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."))
    if errors:
        raise invalid_form_body(errors)
