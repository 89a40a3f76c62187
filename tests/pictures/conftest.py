from __future__ import annotations

import pytest

from bot.content import Content, default_content_dir, load_content


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(default_content_dir())
