"""The fixture of the fake's own tests."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator

import pytest

from tests.fakediscord import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()
    gc.collect()  # surfaces "Unclosed client session" / "Task was destroyed" while the log guard still listens
