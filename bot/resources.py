"""Files that ship inside the package: the Alembic migrations and the default content."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def _packaged_dir(package: str, source_dir: str) -> Path:
    """Where ``package`` lives on disk; in a source tree that was never installed, the top-level directory."""
    try:
        return Path(str(files(package)))
    except ModuleNotFoundError:
        return _SOURCE_ROOT / source_dir


def migrations_dir() -> Path:
    """The Alembic script directory (``env.py``, ``versions/``)."""
    return _packaged_dir("bot._migrations", "migrations")


def content_dir() -> Path:
    """The default content: exercises, routines, self-tests and the guide (YAML)."""
    return _packaged_dir("bot._content", "content")
