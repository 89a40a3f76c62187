"""The features' texts (self-tests, re-tests, stand-ups, nudges, challenges, the winner role, the chart words)
rendered in every language: where the catalogue has a translation, no English of that message is left."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

import discord
import pytest
from babel.messages.pofile import read_po

from bot.content import load_content
from bot.content.routines import RoutineStep
from bot.core.challenges import ChallengeInfo, ChallengeStatus, DueResults, Goal, Results
from bot.core.checkins import CheckinResult
from bot.core.errors import DomainError
from bot.core.nudges import DueNudge, NudgeSettings, NudgeStatus
from bot.core.points import Kind
from bot.core.retests import Change, Scheduled
from bot.core.selftests import HistoryEntry, Recommendation, staged_plan
from bot.core.standup_state import DueReminder, SnoozeResult, StandupSettings, StandupStatus
from bot.core.streaks import Streak
from bot.core.winner_role import RoleChanges, WinnerSetting
from bot.i18n import LOCALES_DIR, Languages, Texts
from bot.pictures import charts
from bot.pictures.service import PictureService, figure_description
from bot.render import challenges, nudges, retests, selftests, standups, winner_role

NOW = datetime(2026, 11, 18, 9, 45, tzinfo=UTC)
LANGUAGES = Languages()
CONTENT = load_content()
POSES = PictureService(CONTENT).poses


def flat(value: Any) -> str:
    if isinstance(value, discord.Embed):
        parts = [value.title or "", value.description or "", value.footer.text or ""]
        parts += [f"{f.name}\n{f.value}" for f in value.fields]
        return "\n".join(parts)
    if isinstance(value, tuple):
        return "\n".join(flat(v) for v in value)
    return str(value)


def renders(tr: Texts) -> dict[str, str]:
    """Every feature text worth reading, with made-up but plausible data."""
    settings = StandupSettings(45, time(9), time(17, 30), ("monday", "tuesday", "wednesday", "thursday", "friday"),
                               "Europe/London", True, False, NOW, None, False, NOW)
    due = DueReminder(1, 1, 2, 3, 4, NOW, 45, "Europe/London", False, NOW, None)  # type: ignore[arg-type]
    step = RoutineStep(1, 5, [], 2, "note", False, "Five minutes", True)
    nudge = NudgeSettings("sunday", True, time(18), "Europe/London", True, False, NOW)
    due_nudge = DueNudge(None, 1, 1, 2, 3, 4, NOW, NOW)  # type: ignore[arg-type]
    info = ChallengeInfo(1, "Bridge week", Goal.ROUTINES, 3, 4, NOW, NOW, "active")
    results = Results(info, ["ann", "ben"], 2, 5, 12, [("ann", 3), ("ben", 3)])
    checkin = CheckinResult(True, Kind.STANDUP, 1, NOW.date(), "", Streak(3, 5), 2, 14)
    test = CONTENT.selftests["hip-drop"]
    weak = next(o for o in test.outcomes if o.weak)
    lead, stages = staged_plan(CONTENT, weak)
    rec = Recommendation(test, weak, "left", [], True, lead_in=lead, stages=stages, routine=step)
    entries = [HistoryEntry(test.name, "left", weak.label, True, NOW, False, test.side_word),
               HistoryEntry(test.name, "left", test.outcomes[0].label, False, NOW, False, test.side_word)]
    point = charts.TestPoint(date(2026, 11, 18), "left", 0, test.outcomes[0].label)
    history = charts.TestHistory(1, [charts.TestSeries(test.name, [o.label for o in test.outcomes], [point])])
    words, alt = challenges.challenge_words(tr, results)
    return {
        "standup reminder": standups.reminder_text(tr, due),
        "standup buttons": flat(tuple(standups.button_labels(tr).values())),
        "standup closed": standups.dm_closed_text(tr, 3),
        "standup on": standups.turned_on_text(tr, settings),
        "standup off": flat((standups.turned_off_text(tr, True), standups.turned_off_text(tr, False))),
        "standup paused": standups.paused_text(tr, settings),
        "standup snooze": flat((standups.snooze_text(tr, SnoozeResult(True, NOW)),
                                standups.snooze_text(tr, SnoozeResult(False, NOW)))),
        "standup skipped": standups.skipped_text(tr, NOW),
        "standup stood up": flat((standups.stood_up_text(tr, checkin),
                                  standups.stood_up_text(tr, CheckinResult(False, Kind.STANDUP, 0, NOW.date(), "",
                                                                           Streak(1, 1), None, 0)))),
        "standup status": flat(standups.status_embed(tr, StandupStatus(settings, NOW, False, True, 2, 9))),
        "nudge dm": nudges.nudge_text(tr, due_nudge, step),
        "nudge fallback": nudges.nudge_fallback_text(tr, due_nudge),
        "nudge on": nudges.turned_on_text(tr, nudge),
        "nudge status": nudges.status_text(tr, NudgeStatus(nudge, False, True)),
        "nudge off": flat((nudges.turned_off_text(tr, True), nudges.turned_off_text(tr, False))),
        "self-test": flat(selftests.test_embed(tr, test, CONTENT.guide.caution)),
        "self-test buttons": flat(tuple(selftests.answer_label(tr, test, "left", o) for o in test.outcomes)),
        "self-test result": flat(selftests.recommendation_embed(tr, CONTENT, rec)),
        "self-test history": flat(selftests.history_embed(tr, entries)),
        "self-test no history": flat(selftests.history_embed(tr, [])),
        "self-test figures": flat(tuple(figure_description(CONTENT.selftests[slug].name, figure, tr)
                                        for slug, figure in (POSES.selftests.items() if POSES else ()))),
        "history chart": flat((*selftests.history_words(tr).sides.values(), selftests.history_words(tr).alt(history))),
        "re-test set": flat((retests.remind_set_text(tr, Scheduled(NOW, False)),
                             retests.remind_set_text(tr, Scheduled(NOW, True)), retests.remind_button_label(tr))),
        "re-test dm": flat((retests.retest_dm_text(tr, test.name), retests.start_button_label(tr, test.name))),
        "re-test changes": retests.changes_text(tr, [Change(test.name, "left", "a", "b"),
                                                     Change("x", "both", "a", "b")]),
        "challenge announcement": flat(challenges.announcement_embed(tr, info)),
        "challenge replies": flat((challenges.started_text(tr, info), challenges.joined_text(tr, info, True),
                                   challenges.joined_text(tr, info, False), challenges.left_text(tr, info),
                                   challenges.ended_text(tr, info), challenges.cancelled_text(tr, info),
                                   challenges.not_announced_text(tr, 4))),
        "challenge status": flat(challenges.status_embed(tr, ChallengeStatus(info, False, 0, 7, 5, 2, False))),
        "challenge results": challenges.results_text(tr, results),
        "challenge chart": flat((words.target, words.axis, words.footer, words.empty, alt)),
        "winner role": flat((winner_role.winner_role_saved_text(tr, WinnerSetting(5, 3)),
                             winner_role.winner_role_cleared_text(
                                 tr, RoleChanges(2, 5, (), (1, 2), "w2026-11-16"), 1))),
    }


def _segments(message: str) -> list[str]:
    """The fixed parts of a message between its placeholders and markup, long enough to be telling."""
    return [s.strip() for s in re.split(r"\{[a-z_]+\}|\*\*|`[^`]*`|\n", message) if len(s.strip()) >= 14]


def _translated_english(code: str) -> list[str]:
    """English message texts the ``code`` catalogue translates to something else."""
    with (LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=code)
    found = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings) and not set(ids) & set(strings):
            found += ids
    return found


FOREIGN = [code for code in LANGUAGES.codes if code != "en"]


def test_the_catalogues_cover_more_than_english() -> None:
    assert {"de", "fr", "es"} <= set(FOREIGN)


@pytest.mark.parametrize("code", FOREIGN)
def test_every_feature_text_is_translated(code: str) -> None:
    tr = LANGUAGES.texts(code)
    english = renders(LANGUAGES.english)
    shown = renders(tr)
    leftovers: list[str] = []
    for message in _translated_english(code):
        for segment in _segments(message):
            leftovers += [f"{name}: {segment!r}" for name, text in shown.items() if segment in text]
    assert not leftovers, "English left in the " + code + " texts:\n" + "\n".join(sorted(set(leftovers)))
    same = [name for name in shown if shown[name] == english[name]]
    assert not same, f"{code}: these read exactly as in English: {same}"


@pytest.mark.parametrize("code", FOREIGN)
def test_results_are_in_the_clubs_language(code: str) -> None:
    info = ChallengeInfo(1, "Bridge week", Goal.POINTS, 10, 2, NOW, NOW, "active")
    due = DueResults(None, 1, 2, Results(info, [], 0, 0, 0), code)  # type: ignore[arg-type]
    text = challenges.results_text(LANGUAGES.texts(due.language), due.results)
    assert "Nobody reached the target" not in text
    assert text != challenges.results_text(LANGUAGES.english, due.results)


@pytest.mark.parametrize("code", FOREIGN)
def test_domain_errors_of_the_features_are_translated(code: str) -> None:
    from bot.core.challenges import validate
    from bot.core.winner_role import validate_winners

    tr = LANGUAGES.texts(code)
    errors: list[DomainError] = []
    for call in (lambda: validate("", 2, "points", 5), lambda: validate("x", 99, "points", 5),
                 lambda: validate_winners(99)):
        try:
            call()
        except DomainError as error:
            errors.append(error)
    assert len(errors) == 3
    for error in errors:
        assert error.text(tr) != error.message, error.message
