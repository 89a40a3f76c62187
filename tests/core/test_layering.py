"""The domain stays free of discord.py so every rule is testable without Discord."""

import ast
from pathlib import Path

import bot

PACKAGE = Path(bot.__file__).parent
DISCORD_FREE = ["core", "db", "content", "pictures"]


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_packages_never_import_discord() -> None:
    offenders = []
    checked = 0
    for folder in DISCORD_FREE:
        for path in (PACKAGE / folder).rglob("*.py"):
            checked += 1
            bad = {m for m in _imported_modules(path) if m == "discord" or m.startswith("discord.")}
            if bad:
                offenders.append(f"{path.relative_to(PACKAGE)}: {sorted(bad)}")
    assert checked >= 5, "the layering check found almost nothing to check"
    assert offenders == []


def test_the_check_itself_notices_a_discord_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from discord.ext import commands\nimport os\n")
    assert "discord.ext" in _imported_modules(sample)
