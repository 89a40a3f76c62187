"""The "Before → now" lines of `/test history` name the leg as the test names it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.retests import changes
from bot.i18n import Languages
from bot.render.retests import changes_text


@dataclass
class Entry:
    test_name: str
    side: str
    outcome_label: str
    side_word: str
    at: datetime = datetime(2026, 11, 4, tzinfo=UTC)


def test_hip_drop_names_the_standing_leg_and_the_hamstring_test_the_lifted_leg() -> None:
    entries = [  # newest first
        Entry("Hip drop", "left", "Level", "leg standing"),
        Entry("Glute or hamstring first?", "left", "Glute first", "leg lifted"),
        Entry("Hip drop", "left", "Pelvis dropped", "leg standing"),
        Entry("Glute or hamstring first?", "left", "Hamstring first", "leg lifted"),
    ]
    text = changes_text(Languages().english, changes(entries))
    assert "Hip drop, left leg standing: Pelvis dropped → Level" in text
    assert "Glute or hamstring first?, left leg lifted: Hamstring first → Glute first" in text
    assert "left side" not in text
