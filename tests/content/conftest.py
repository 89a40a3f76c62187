from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import Content, default_content_dir, load_content


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(default_content_dir())


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped content, in a directory called ``content``."""
    target = tmp_path / "content"
    shutil.copytree(default_content_dir(), target)
    return target
