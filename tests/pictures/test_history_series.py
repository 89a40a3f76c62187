"""What the bot hands the results chart: "Can't tell" is named as unsure, so it is drawn apart from the scale."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.content import load_content
from bot.core import history
from bot.pictures.service import history_series

CONTENT = load_content()


def test_cant_tell_is_passed_to_the_chart_as_unsure_not_as_a_level_below_weak() -> None:
    test = next(t for t in CONTENT.selftests.values() if any(o.unsure for o in t.outcomes))
    unsure = next(o for o in test.outcomes if o.unsure)
    sure = next(o for o in test.outcomes if not o.unsure)
    at = datetime(2026, 11, 2, 8, tzinfo=UTC)
    entries = [history.TestEntry(test.slug, "both", sure.id, at), history.TestEntry(test.slug, "both", unsure.id, at)]
    [series] = history_series(CONTENT, entries)
    assert series.unsure == [unsure.label]
    assert [p.label for p in series.points] == [sure.label, unsure.label]


def test_results_of_unknown_tests_or_outcomes_are_left_out() -> None:
    at = datetime(2026, 11, 2, 8, tzinfo=UTC)
    test = next(iter(CONTENT.selftests.values()))
    entries = [history.TestEntry("no-such-test", "both", "weak", at),
               history.TestEntry(test.slug, "both", "no-such-outcome", at)]
    assert history_series(CONTENT, entries) == []
