"""Hostile values for every string and number option the bot pushes, read from the pushed command tree.

A command or option added later is fuzzed without touching this file. Each value must get an answer,
errors must be private and readable, nothing may ping everyone or a role, and nothing may be logged
as an error. Autocomplete gets the same values and must stay within Discord's limits.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.tree import GENERIC_FAILURE
from tests.e2e.conftest import Club, embed_text
from tests.fakediscord import OptionType

EPHEMERAL = 64
FUZZED_TYPES = {OptionType.STRING, OptionType.INTEGER, OptionType.NUMBER}
# How many interactions are in flight at once (Discord delivers bursts; so does this test).
PARALLEL = 8


def hostile_strings(role_id: int, user_id: int) -> list[str]:
    return [
        "",
        "   ",
        "\t\n",
        "x" * 5000,
        "\u202eolleh\u202c evil",  # right-to-left override
        "a\u200bb\u200dc\ufeff",  # zero-width characters
        "💪🏽🍑" * 40,
        "@everyone",
        "@here hello",
        f"<@&{role_id}>",
        f"<@{user_id}>",
        "**bold** __under__ ~~gone~~ ||spoiler|| `tick` ```block``` > quote",
        "'; DROP TABLE member; --",
        "1 OR 1=1",
        "../../../etc/passwd",
        "C:\\Windows\\system32\\",
        "25:00",
        "Mars/Olympus",
        "-1",
        "99999999999999999999999",
        "NaN",
        "null\x00byte",
    ]


HOSTILE_NUMBERS: list[float] = [0, -1, -(2**53), 2**53, 10**18, 9007199254740993]
HOSTILE_FLOATS: list[float] = [-0.5, 1e308, -1e308]


@dataclass(frozen=True)
class Leaf:
    """One invocable command ("group sub") with its options."""

    path: str
    options: list[dict[str, Any]]


def leaves(commands: list[dict[str, Any]]) -> Iterator[Leaf]:
    def walk(prefix: str, options: list[dict[str, Any]]) -> Iterator[Leaf]:
        subs = [o for o in options if int(o["type"]) in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)]
        if not subs:
            yield Leaf(prefix, options)
            return
        for sub in subs:
            yield from walk(f"{prefix} {sub['name']}", sub.get("options") or [])

    for command in commands:
        if int(command.get("type", 1)) == 1:
            yield from walk(command["name"], command.get("options") or [])


SENSIBLE = {"time": "07:00", "timezone": "UTC", "name": "glute bridge"}


def filler(option: dict[str, Any], club: Club, role_id: int) -> Any:
    """A valid value for a required option that is not the one being fuzzed."""
    otype = int(option["type"])
    if option.get("choices"):
        return option["choices"][0]["value"]
    if otype == OptionType.STRING:
        return SENSIBLE.get(option["name"], "x")
    if otype in (OptionType.INTEGER, OptionType.NUMBER):
        return option.get("min_value", 1)
    if otype == OptionType.BOOLEAN:
        return True
    if otype == OptionType.CHANNEL:
        return club.guild.text_channel_id
    if otype == OptionType.ROLE:
        return role_id
    return club.runner.id  # user, mentionable


def text_of(reply: dict[str, Any]) -> str:
    return embed_text(reply)


async def test_hostile_values_for_every_option_get_a_safe_answer(
    club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    role = club.fake.add_role(club.guild.id, "everyone-ish")
    strings = hostile_strings(role.id, club.other.id)
    cases: list[tuple[str, dict[str, Any], str, Any]] = []
    autocompletes: list[tuple[str, dict[str, Any], str, str]] = []
    commands = list(leaves(club.fake.commands))
    fuzzed_options = 0
    for leaf in commands:
        for option in leaf.options:
            otype = int(option["type"])
            if otype not in FUZZED_TYPES:
                continue
            fuzzed_options += 1
            others = {
                o["name"]: filler(o, club, role.id) for o in leaf.options if o.get("required") and o is not option
            }
            if otype == OptionType.STRING:
                values: list[Any] = strings
            elif otype == OptionType.INTEGER:
                values = HOSTILE_NUMBERS
            else:
                values = [*HOSTILE_NUMBERS, *HOSTILE_FLOATS]
            cases += [(leaf.path, others, option["name"], value) for value in values]
            if option.get("autocomplete"):
                autocompletes += [(leaf.path, others, option["name"], value) for value in strings]
    assert fuzzed_options >= 10, "the pushed tree has the bot's options"

    problems: list[str] = []
    unanswered = 0
    latencies: list[float] = []

    async def run(path: str, others: dict[str, Any], name: str, value: Any) -> None:
        nonlocal unanswered
        label = f"/{path} {name}={str(value)[:30]!r}"
        ix = await club.fake.slash(club.guild.id, club.admin.id, path, **{**others, name: value})
        try:
            reply = await ix.final(timeout=20)
        except TimeoutError:
            unanswered += 1
            problems.append(f"{label}: no answer")
            return
        if ix.latency is not None:
            latencies.append(ix.latency)
        text = text_of(reply)
        content = reply.get("content") or ""
        if not text.strip() and not reply.get("attachments"):
            problems.append(f"{label}: empty answer")
        if GENERIC_FAILURE in content:
            problems.append(f"{label}: unhandled error")
        if "Traceback" in text or "Exception" in text:
            problems.append(f"{label}: internals shown")
        if len(content) > 2000:
            problems.append(f"{label}: {len(content)} characters")
        if content.count("`") % 2:
            problems.append(f"{label}: broken inline code: {content[:120]!r}")
        if reply.get("mention_everyone") or reply.get("mention_roles"):
            problems.append(f"{label}: pings {reply.get('mention_roles') or 'everyone'}")
        public = not (int(reply.get("flags") or 0) & EPHEMERAL)
        if public and (str(value) in text and str(value).strip()):
            problems.append(f"{label}: echoes the value publicly")

    async def complete(path: str, others: dict[str, Any], name: str, value: str) -> None:
        nonlocal unanswered
        label = f"autocomplete /{path} {name}={value[:30]!r}"
        ix = await club.fake.autocomplete(club.guild.id, club.admin.id, path, focused=name, value=value, **others)
        try:
            response = await ix.response(timeout=20)
        except TimeoutError:
            unanswered += 1
            problems.append(f"{label}: no answer")
            return
        choices = (response.get("data") or {}).get("choices", [])
        if len(choices) > 25:
            problems.append(f"{label}: {len(choices)} choices")
        for choice in choices:
            if not 1 <= len(choice["name"]) <= 100 or len(str(choice["value"])) > 100:
                problems.append(f"{label}: choice {choice['name'][:40]!r} out of bounds")

    jobs = [run(*case) for case in cases] + [complete(*case) for case in autocompletes]
    for start in range(0, len(jobs), PARALLEL):
        await asyncio.gather(*jobs[start : start + PARALLEL])

    logged = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    personal = {str(club.admin.id), club.admin.username, str(club.runner.id), str(club.other.id)}
    leaks = [r.getMessage() for r in caplog.records if any(p in r.getMessage() for p in personal)]
    median = statistics.median(latencies) * 1000 if latencies else 0.0
    worst = max(latencies, default=0.0) * 1000
    print(
        f"\nfuzz: {len(commands)} commands, {fuzzed_options} string/number options, {len(cases)} hostile values, "
        f"{len(autocompletes)} autocomplete values; unanswered {unanswered}; problems {len(problems)}; "
        f"errors or tracebacks logged {len(logged)}; first answer median {median:.0f} ms, worst {worst:.0f} ms"
    )
    assert problems == [], "\n".join(problems[:20])
    assert logged == [], [r.getMessage() for r in logged[:5]]
    assert leaks == [], f"names or user ids logged at INFO or above: {leaks[:3]}"
