"""The layers stay apart: the domain is free of discord.py, nothing imports upwards into bot.cogs, and no cog
imports another cog (what features share goes through bot/discord_ui, bot/delivery or ``ctx.shared``)."""

import ast
from pathlib import Path

import bot

PACKAGE = Path(bot.__file__).parent
DISCORD_FREE = ["core", "db", "content", "pictures"]
COGS = "bot.cogs"
# The one module that lists the features, and so imports every cog module.
ASSEMBLY = "bot.app"


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path, module: str | None = None) -> set[str]:
    """Every module ``path`` imports, by absolute name. ``from a import b`` counts ``a`` and ``a.b`` (b may be a
    submodule); relative imports are resolved against ``module``, the dotted name of ``path``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = (module or "").split(".")
                package = package[: len(package) - node.level + (1 if path.name == "__init__.py" else 0)]
                base = ".".join([*package, base] if base else package)
            if base:
                names.add(base)
            names.update(f"{base}.{alias.name}" if base else alias.name for alias in node.names)
    return names


def _cog_of(name: str) -> str | None:
    """``bot.cogs.club`` for ``bot.cogs.club`` or anything inside it; None outside the cogs."""
    parts = name.split(".")
    if parts[:2] != COGS.split(".") or len(parts) < 3:
        return None
    return ".".join(parts[:3])


def _upward_imports(root: Path = PACKAGE) -> list[str]:
    """Imports of a cog module from outside the cogs (bot.app aside), and of one cog module from another."""
    offenders = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        if module == ASSEMBLY:
            continue
        own = _cog_of(module)
        inside_cogs = module == COGS or own is not None
        targets = {_cog_of(name) for name in _imported_modules(path, module)} - {None, own}
        where = "cog imports another cog" if inside_cogs else "imports from the cogs"
        offenders += [f"{module} {where}: {target}" for target in sorted(t for t in targets if t)]
    return offenders


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


def test_nothing_imports_upwards_into_the_cogs_and_no_cog_imports_another() -> None:
    cog_modules = [p for p in (PACKAGE / "cogs").glob("*.py") if p.name != "__init__.py"]
    delivery = list((PACKAGE / "delivery").glob("*.py"))
    assert len(cog_modules) >= 8, "the layering check found almost nothing to check"
    assert len(delivery) >= 2
    assert _upward_imports() == []


def _sample_package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "bot"
    for name in ("__init__.py", "cogs/__init__.py", "cogs/club.py", "cogs/nudges.py", "delivery/__init__.py",
                 "delivery/senders.py", "app.py", *files):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(files.get(name, "import os\n"))
    return root


def test_the_check_itself_notices_a_delivery_module_importing_a_cog(tmp_path: Path) -> None:
    root = _sample_package(tmp_path, {"delivery/senders.py": "from bot.cogs.pictures import PostPictures\n"})
    assert _upward_imports(root) == ["bot.delivery.senders imports from the cogs: bot.cogs.pictures"]


def test_the_check_itself_notices_a_cog_importing_another_cog(tmp_path: Path) -> None:
    for source in ("from bot.cogs.club import DAY_CHOICES\n", "from bot.cogs import club\n", "import bot.cogs.club\n",
                   "from .club import DAY_CHOICES\n", "from . import club\n"):
        root = _sample_package(tmp_path, {"cogs/nudges.py": source})
        assert _upward_imports(root) == ["bot.cogs.nudges cog imports another cog: bot.cogs.club"], source


def test_the_check_lets_a_cog_use_itself_and_the_app_list_every_cog(tmp_path: Path) -> None:
    root = _sample_package(tmp_path, {"cogs/club.py": "from bot.cogs.club import x\n",
                                      "app.py": "from bot.cogs import club, nudges\n"})
    assert _upward_imports(root) == []
