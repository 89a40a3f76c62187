"""Pictures through the real discord.py client and the fake Discord: attached, described, and optional."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from PIL import Image

from bot.pictures import figures
from tests.conftest import ErrorLogGuard
from tests.e2e.conftest import Club, embed_text

MAX_BYTES = 500 * 1024


def attached_image(message: dict[str, Any], filename: str | None = None) -> tuple[dict[str, Any], Image.Image]:
    """The message's one attachment: its metadata (with the alt text) and the decoded image."""
    (name, blob), = message["files"]
    if filename is not None:
        assert name == filename
    meta = next(a for a in message["attachments"] if a["filename"] == name)
    assert len(blob) <= MAX_BYTES
    image = Image.open(io.BytesIO(blob))
    image.load()
    return meta, image


async def test_exercise_answer_shows_the_figure_as_embed_image(club: Club) -> None:
    message = await club.slash(club.runner, "glutes exercise", name="clams")
    assert message["flags"] & 64
    embed = message["embeds"][0]
    assert embed["title"] == "Clams"
    meta, image = attached_image(message, "clams.png")
    assert embed["image"]["url"] == "attachment://clams.png"
    assert image.format == "PNG"
    assert 300 <= image.width <= 1200
    assert 200 <= image.height <= 800
    assert meta["description"].startswith("Figure of Clams seen from the front")


async def test_self_test_start_message_shows_its_figure(club: Club) -> None:
    message = await club.slash(club.runner, "test hip-drop")
    assert message["flags"] & 64
    meta, image = attached_image(message, "hip-drop.png")
    assert message["embeds"][0]["image"]["url"] == "attachment://hip-drop.png"
    assert "from behind" in meta["description"]
    assert image.size == figures.FIGURE_SIZE


async def test_failed_figure_still_answers_with_text_and_logs_once(
    club: Club, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, error_log_guard: ErrorLogGuard
) -> None:
    error_log_guard.expect("rendering the figure of exercise 'glute-bridge' failed")
    def broken(*args: Any) -> bytes:
        raise RuntimeError("drawing broke")

    monkeypatch.setattr(figures, "figure_png", broken)
    caplog.set_level(logging.DEBUG, logger="bot.pictures.service")
    for _ in range(2):
        message = await club.slash(club.runner, "glutes exercise", name="glute bridge")
        assert message["embeds"][0]["title"] == "Glute bridge"
        assert "How to" in embed_text(message)
        assert not message.get("files")
        assert "image" not in message["embeds"][0]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "exercise 'glute-bridge'" in errors[0].getMessage()
    assert errors[0].exc_info is not None
