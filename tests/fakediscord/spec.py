"""Every REST request checked against Discord's published OpenAPI spec.

``discord-openapi.json`` next to this module is ``specs/openapi.json`` of github.com/discord/discord-api-spec
(MIT licence). Each request's method and path are matched to the spec's operation (``/channels/{channel_id}/
messages``), and its body is validated with jsonschema against the operation's ``application/json`` request
schema; a ``multipart/form-data`` body is checked through its ``payload_json`` part, which holds that same JSON.

One allowance: where the spec says snowflake (a string of digits), an integer is accepted too, as Discord
accepts it. discord.py sends some ids as integers (attachment ids, the DM recipient id).

The spec is loaded, its ``$ref``\\s resolved and the validator of an operation built once per process; a
violation found is a :class:`SpecViolation` that names method, path, operation and the JSON pointer of the bad
field.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance

SPEC_PATH = Path(__file__).with_name("discord-openapi.json")

_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
_INT64_MAX = 2**63 - 1
_VALID_BODIES_KEPT = 4096  # per operation


@dataclass(frozen=True, slots=True)
class SpecViolation:
    method: str
    path: str
    operation: str | None  # the spec's operationId, None when no operation matches
    pointer: str  # JSON pointer into the request body ("" for the body as a whole)
    message: str

    def __str__(self) -> str:
        where = f" ({self.operation})" if self.operation else ""
        field = f" at {self.pointer}" if self.pointer else ""
        return f"{self.method} {self.path}{where}{field}: {self.message}"


class _Operation:
    __slots__ = (
        "_lock",
        "_validator",
        "body_required",
        "json_schema",
        "media_types",
        "method",
        "name",
        "template",
        "valid_bodies",
    )

    def __init__(self, method: str, template: str, op: dict[str, Any]) -> None:
        self.method = method
        self.template = template
        self.name: str = op.get("operationId") or f"{method} {template}"
        body = op.get("requestBody") or {}
        content: dict[str, Any] = body.get("content") or {}
        self.media_types = frozenset(content)
        self.body_required = bool(body.get("required"))
        self.json_schema: Any = (content.get("application/json") or {}).get("schema")
        self._validator: Draft202012Validator | None = None
        self._lock = threading.Lock()
        self.valid_bodies: set[str] = set()  # JSON text of bodies found valid

    @property
    def validator(self) -> Draft202012Validator:
        if self._validator is None:
            with self._lock:
                if self._validator is None:
                    self._validator = Draft202012Validator(self.json_schema)
        return self._validator


class _Node:
    __slots__ = ("literal", "operations", "param")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.operations: dict[str, _Operation] = {}


class DiscordSpec:
    """The spec's operations, found by method and concrete path."""

    def __init__(self, document: dict[str, Any]) -> None:
        _allow_integer_snowflakes(document)
        _resolve_refs(document)
        self.version = str(document.get("info", {}).get("version", ""))
        self._root = _Node()
        for template, item in document["paths"].items():
            node = self._root
            for segment in _segments(template):
                if segment.startswith("{") and segment.endswith("}"):
                    node.param = node.param or _Node()
                    node = node.param
                else:
                    node = node.literal.setdefault(segment, _Node())
            for method in _METHODS:
                if method in item:
                    node.operations[method.upper()] = _Operation(method.upper(), template, item[method])

    def operation(self, method: str, path: str) -> _Operation | None:
        """The operation for ``method`` on ``path``; literal segments win over parameters (``@me``, ``pins``)."""
        node = _find(self._root, _segments(path), 0, method)
        return None if node is None else node.operations.get(method)

    def check(self, method: str, path: str, content_type: str, body: Any, has_body: bool) -> list[SpecViolation]:
        """Violations of one request. ``body`` is the parsed JSON (for multipart: of ``payload_json``);
        ``has_body``: the request carried a body at all."""
        op = self.operation(method, path)
        if op is None:
            return [SpecViolation(method, path, None, "", f"no operation {method} {path} in Discord's API spec")]
        if not has_body:
            if op.body_required:
                return [SpecViolation(method, path, op.name, "", "the operation needs a request body, none was sent")]
            return []
        if not op.media_types:
            return [SpecViolation(method, path, op.name, "", "the operation takes no request body, one was sent")]
        media = content_type.split(";", 1)[0].strip().lower()
        if media not in op.media_types:
            allowed = ", ".join(sorted(op.media_types))
            return [SpecViolation(method, path, op.name, "", f"content type {media!r} not accepted ({allowed})")]
        if op.json_schema is None:  # a multipart-only upload: its form fields are not JSON
            return []
        if body is None and media == "multipart/form-data":
            body = {}  # files without payload_json
        # The bot sends the same bodies again and again (its command list at every start, the same replies):
        # a body found valid once is not validated again.
        key = json.dumps(body, separators=(",", ":"))
        if key in op.valid_bodies:
            return []
        validator = op.validator
        if validator.is_valid(body):
            if len(op.valid_bodies) >= _VALID_BODIES_KEPT:
                op.valid_bodies.clear()
            op.valid_bodies.add(key)
            return []
        errors = sorted(validator.iter_errors(body), key=relevance, reverse=True)
        return [_violation(method, path, op.name, e) for e in errors]


def _violation(method: str, path: str, operation: str, error: ValidationError) -> SpecViolation:
    error, message = _explain(error)
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            parts.append(str(missing[0]))
    pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)
    return SpecViolation(method, path, operation, pointer, message)


def _explain(error: ValidationError) -> tuple[ValidationError, str]:
    """The error to report and its message. A failed ``oneOf``/``anyOf`` of typed objects (components,
    interaction responses) is explained by the branch whose ``type`` matches, or, when none does, by the
    ``type`` itself."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return error, _clip(error)
    by_branch: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    # A branch for another kind of value (``{"type": "null"}`` beside an object) explains nothing.
    fitting = {
        branch: subs
        for branch, subs in by_branch.items()
        if not any(sub.validator == "type" and not sub.relative_path for sub in subs)
    }
    by_branch = fitting or by_branch
    type_errors = {
        branch: sub
        for branch, subs in by_branch.items()
        for sub in subs
        if list(sub.relative_path) == ["type"] and sub.validator in ("enum", "const")
    }
    matching = [subs for branch, subs in by_branch.items() if branch not in type_errors]
    if type_errors and not matching:
        sample = next(iter(type_errors.values()))
        allowed: list[Any] = []
        for sub in type_errors.values():
            values = sub.validator_value if sub.validator == "enum" else [sub.validator_value]
            allowed += [v for v in values if v not in allowed]
        if all(isinstance(v, int) for v in allowed):
            allowed.sort()
        return sample, f"type {sample.instance!r} is not one of the types allowed here {allowed}"
    candidates = [sub for subs in matching for sub in subs] or [sub for subs in by_branch.values() for sub in subs]
    return _explain(max(candidates, key=relevance))


def _clip(error: ValidationError) -> str:
    """jsonschema's message with a long instance shortened (a 5000-character content, a whole embed)."""
    message = error.message
    shown = repr(error.instance)
    if len(shown) > 80:
        message = message.replace(shown, f"{shown[:60]}...({len(shown)} characters)")
    return message if len(message) <= 300 else message[:300] + "..."


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _find(node: _Node, segments: list[str], i: int, method: str) -> _Node | None:
    if i == len(segments):
        return node if method in node.operations else None
    child = node.literal.get(segments[i])
    if child is not None:
        found = _find(child, segments, i + 1, method)
        if found is not None:
            return found
    if node.param is not None:
        return _find(node.param, segments, i + 1, method)
    return None


def _allow_integer_snowflakes(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    original = schemas["SnowflakeType"]
    schemas["SnowflakeType"] = {"anyOf": [original, {"type": "integer", "minimum": 0, "maximum": _INT64_MAX}]}


def _resolve_refs(document: dict[str, Any]) -> None:
    """Replace every local ``$ref`` by the object it points to, in place (shared, so recursion stays finite)."""

    def target(ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node: Any = document
        for raw in ref[2:].split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def deref(value: Any) -> Any:
        seen = 0
        while isinstance(value, dict) and "$ref" in value:
            if len(value) > 1:  # siblings of $ref (a description) apply alongside it
                rest = {k: v for k, v in value.items() if k != "$ref"}
                return {"allOf": [deref(target(value["$ref"]))], **rest}
            value = target(value["$ref"])
            seen += 1
            if seen > 100:
                raise ValueError("reference cycle without a schema in between")
        return value

    visited: set[int] = set()
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, dict):
            for key, value in node.items():
                resolved = deref(value)
                if resolved is not value:
                    node[key] = resolved
                if isinstance(resolved, dict | list):
                    stack.append(resolved)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                resolved = deref(value)
                if resolved is not value:
                    node[index] = resolved
                if isinstance(resolved, dict | list):
                    stack.append(resolved)


_spec: DiscordSpec | None = None
_spec_lock = threading.Lock()


def discord_spec() -> DiscordSpec:
    """The spec, loaded once per process."""
    global _spec
    if _spec is None:
        with _spec_lock:
            if _spec is None:
                _spec = DiscordSpec(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
    return _spec


# Violations of every fake in this process that no test has taken yet (tests/conftest.py fails a test on them).
unreported: list[SpecViolation] = []


__all__ = ["SPEC_PATH", "DiscordSpec", "SpecViolation", "discord_spec", "unreported"]
