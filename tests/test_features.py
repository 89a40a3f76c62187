"""Across all features: every feature sets itself up, and no two share a command or a custom-id prefix."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable

import pytest

from bot.__main__ import build_bot
from bot.app import FEATURES, GluteBot, ShardedGluteBot
from bot.features import Feature
from bot.settings import Settings

_REGEX_SPECIAL = re.compile(r"[\\()\[\]{}?*+.^$|]")


def literal_prefix(pattern: str) -> str:
    """The fixed start of a custom-id template, e.g. ``gc:su:up:`` of ``gc:su:up:(?P<guild>…)``."""
    match = _REGEX_SPECIAL.search(pattern)
    return pattern[: match.start()] if match else pattern


def commands_of(feature: Feature) -> set[str]:
    return {command.name for cog in feature.cogs for command in cog.get_app_commands()}


def prefixes_of(feature: Feature) -> set[str]:
    templates = {item.__discord_ui_compiled_template__.pattern for item in feature.dynamic_items}  # type: ignore[attr-defined]
    return {literal_prefix(t) for t in templates} | set(feature.custom_ids)


def clashes(features: Iterable[Feature]) -> list[str]:
    found: list[str] = []
    seen_commands: dict[str, str] = {}
    seen_prefixes: dict[str, str] = {}
    for feature in features:
        for name in sorted(commands_of(feature)):
            if name in seen_commands:
                found.append(f"/{name}: {seen_commands[name]} and {feature.name}")
            seen_commands[name] = feature.name
        for prefix in sorted(prefixes_of(feature)):
            for other, owner in seen_prefixes.items():
                if owner != feature.name and (prefix.startswith(other) or other.startswith(prefix)):
                    found.append(f"custom id {prefix!r} ({feature.name}) overlaps {other!r} ({owner})")
        for prefix in prefixes_of(feature):
            seen_prefixes.setdefault(prefix, feature.name)
    return found


@pytest.fixture
async def bot(db_url: str) -> AsyncIterator[GluteBot | ShardedGluteBot]:
    settings = Settings(_env_file=None, database_url=db_url, sync_commands_on_start=False,
                        freeze_startup_heap=False)  # type: ignore[call-arg]
    async with build_bot(settings, start_jobs=False) as built:
        await built.setup_hook()
        yield built


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_no_two_features_share_a_command_or_a_custom_id_prefix(bot: GluteBot | ShardedGluteBot) -> None:
    features: list[Feature] = bot.features
    assert len(features) == len(FEATURES)
    assert len({f.name for f in features}) == len(features)
    assert sum(len(commands_of(f)) for f in features) >= 8
    assert sum(len(prefixes_of(f)) for f in features) >= 6
    assert all(p.startswith("gc:") for f in features for p in prefixes_of(f))
    assert clashes(features) == []
    # What the features declared is what the bot runs: every tree command belongs to one feature.
    assert {c.name for c in bot.tree.get_commands()} == set().union(*(commands_of(f) for f in features))
    assert bot.due.jobs == ["standup", "nudge", "retest", "challenge", "winner_role"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_check_notices_a_clash(bot: GluteBot | ShardedGluteBot) -> None:
    club = next(f for f in bot.features if f.name == "club")
    standups = next(f for f in bot.features if f.name == "standups")
    copycat = Feature("copycat", cogs=list(club.cogs), custom_ids=["gc:su:"])
    found = clashes([club, standups, copycat])
    assert any("/club" in line for line in found)
    assert any("'gc:su:'" in line for line in found)


def test_literal_prefix() -> None:
    assert literal_prefix(r"gc:su:up:(?P<guild>\d{1,20})") == "gc:su:up:"
    assert literal_prefix("gc:forget:") == "gc:forget:"
