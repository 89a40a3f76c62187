"""The charts' and figures' words in the reader's language: built by the caller with its catalogue, drawn by the
chart worker as they are, and written into the alt text."""

from __future__ import annotations

import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest

from bot.content import Content
from bot.core.history import MemberDays, WeekTotal
from bot.i18n import ENGLISH, Languages, Texts
from bot.pictures import charts
from bot.pictures.service import PictureService
from bot.render.chart_words import card_words, club_title, club_words

MONDAY = date(2026, 1, 5)


@pytest.fixture(scope="module")
def german() -> Texts:
    return Languages().texts("de")


def _texts_in(draw: str, data: Any) -> list[str]:
    """Every text on the drawn chart (runs in the worker-like child process: matplotlib stays out of the tests')."""
    from matplotlib.text import Text

    found: list[str] = []

    def save(fig: Any) -> bytes:
        fig.savefig(io.BytesIO(), format="png")  # lays the ticks out, with their labels
        found.extend(t.get_text() for t in fig.findobj(Text) if t.get_text())
        return b""

    charts._save = save
    getattr(charts, draw)(data)
    return found


def drawn_texts(draw: str, data: Any) -> list[str]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_texts_in, draw, data).result()


def club_weeks() -> list[WeekTotal]:
    return [WeekTotal(MONDAY + timedelta(weeks=i), i % 4, 10 * i) for i in range(12)]


def member_days() -> MemberDays:
    return MemberDays(MONDAY, {MONDAY: "routine", MONDAY + timedelta(days=1): "stretch",
                               MONDAY + timedelta(days=8): "stretch"},
                      current_streak=1, best_streak=3, week_points=15, today=MONDAY + timedelta(weeks=11, days=2),
                      weekly_points=(10, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15))


def test_club_chart_words_and_alt_text_in_german(german: Texts) -> None:
    weeks = club_weeks()
    words, alt = club_words(german, weeks)
    assert words.members == "Mitglieder, die die Routine gemacht haben"
    assert words.points == "Punkte insgesamt"
    assert words.weeks[0] == "5. Jan."
    assert words.weeks[-1] == "23. März"
    assert alt.startswith("Diagramm der letzten 12 Wochen des Clubs vom 5. Jan. bis 23. März: ")
    assert "(letzte Woche 3, am meisten 3 in der Woche vom 23. März)" in alt
    assert "Punkte insgesamt (letzte Woche 110)" in alt

    chart = charts.ClubWeeks(1, club_title(german), [w.week_start for w in weeks], [w.members for w in weeks],
                             [w.points for w in weeks], words)
    texts = drawn_texts("club_chart_png", chart)
    for word in ("Die letzten 12 Wochen im Club", words.members, words.points, "23. März", "9. März"):
        assert word in texts
    assert not any("Mar" in t or "members" in t for t in texts), texts


def test_club_chart_in_english_keeps_its_words() -> None:
    weeks = club_weeks()
    words, alt = club_words(ENGLISH, weeks)
    chart = charts.ClubWeeks(1, "Club", [w.week_start for w in weeks], [w.members for w in weeks],
                             [w.points for w in weeks])
    # The same alt text as without words, the dates written the English way of the locale.
    assert alt == charts.club_chart_alt(chart).replace("05 Jan", "Jan 5").replace("23 Mar", "Mar 23")
    assert (words.members, words.points) == ("members who did the routine", "total points")


def test_member_card_words_and_alt_text_in_german(german: Texts) -> None:
    days = member_days()
    words, alt = card_words(german, "Runner", days)
    assert words.week_points == "15 Punkte diese Woche"
    assert words.streak == "Serie 1 Wo. · Rekord 3 Wo. · heute umrandet"
    assert words.weekdays == ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")
    assert words.kinds == {"routine": "Routine", "extra": "Zusatzeinheit", "stretch": "Dehnen",
                           "standup": "Aufstehen"}
    assert alt == ("Die letzten 12 Wochen von Runner als Kalender ab dem 5. Jan.: 1 Tag mit Routine, "
                   "2 Tage mit Dehnen. Aktuelle Wochenserie 1, Rekord 3. "
                   "Punkte pro Woche, die älteste zuerst: 10, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15.")

    card = charts.MemberCard(1, "Runner", days.first_day, dict(days.days), days.current_streak, days.best_streak,
                             days.week_points, today=days.today, weekly_points=list(days.weekly_points), words=words)
    texts = drawn_texts("member_card_png", card)
    for word in ("15 Punkte diese Woche", words.streak, "Pkt.", "Mo.", "So.", "5. Jan.", "Zusatzeinheit",
                 "Aufstehen"):
        assert word in texts
    assert not any(t in texts for t in ("pts", "Mon", "stand-ups")), texts


def test_member_card_in_english() -> None:
    words, alt = card_words(ENGLISH, "Runner", member_days())
    assert words.week_points == "15 points this week"
    assert words.streak == "streak 1 wk · best 3 wk · today outlined"
    assert words.weekdays[0] == "Mon"
    assert words.points == "pts"
    assert alt.startswith("Runner's last 12 weeks as a calendar from Jan 5: 1 day with routine, 2 days with stretch. "
                          "Current weekly streak 1, best 3.")
    no_points = MemberDays(MONDAY, {}, week_points=1, today=MONDAY)
    words, alt = card_words(ENGLISH, "New", no_points)
    assert words.week_points == "1 point this week"
    assert alt == "New's last 12 weeks as a calendar from Jan 5: no activity yet. Current weekly streak 0, best 0."


async def test_exercise_figure_and_routine_strip_describe_themselves_in_german(content: Content,
                                                                               german: Texts) -> None:
    pictures = PictureService(content)
    try:
        name = content.localized("de").exercises["clams"].name
        assert name != content.exercises["clams"].name
        figure = await pictures.exercise_figure("clams", texts=german)
        assert figure is not None
        assert figure.description.startswith(f"Figur zu {name}, von vorn gesehen")
        english = await pictures.exercise_figure("clams")
        assert english is not None
        assert english.description.startswith("Figure of Clams seen from the front")

        strip = await pictures.routine_strip(["clams", "glute-bridge"], [name, "Beckenheben"], texts=german)
        assert strip is not None
        assert strip.description == ("Die Übungen der Routine nebeneinander, nummeriert wie in der Liste: "
                                     f"1. {name}; 2. Beckenheben")
    finally:
        await pictures.aclose()
