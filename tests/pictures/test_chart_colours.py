"""The charts read on Discord's dark and light themes: WCAG contrast of their colours, computed, and the
calendar's days drawn as they are (today marked, days to come not painted as missed)."""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest
from PIL import Image

from bot.pictures import charts

THEMES = {"dark": "#313338", "light": "#ffffff"}


def _drawn(draw: Callable[[Any], bytes], data: Any) -> Image.Image:
    """A chart drawn in its own process, as the bot does: matplotlib never enters the test process."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return Image.open(io.BytesIO(pool.submit(draw, data).result()))


def _rgb(colour: str) -> tuple[float, float, float, float]:
    value = colour.lstrip("#")
    alpha = int(value[6:8], 16) / 255 if len(value) == 8 else 1.0
    return int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255, alpha


def _over(colour: str, below: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b, a = _rgb(colour)
    return tuple(c * a + u * (1 - a) for c, u in zip((r, g, b), below, strict=True))  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", THEMES)
def test_text_and_marks_keep_their_contrast_on_both_themes(theme: str) -> None:
    page = _over(charts.CARD, _rgb(THEMES[theme])[:3])
    for colour in charts.TEXT_COLOURS:
        assert contrast(_over(colour, page), page) >= 4.5, f"text {colour} on the {theme} theme"
    for colour in charts.MARK_COLOURS:
        assert contrast(_over(colour, page), page) >= 3.0, f"mark {colour} on the {theme} theme"
    for kind, colour in charts.KIND_COLOURS.items():
        if kind != "none":
            cell = _over(colour, page)
            assert contrast(_over(charts.MARK, cell), cell) >= 3.0, f"the {kind} marker on its day"


def test_the_chart_card_is_opaque_so_no_theme_shows_through() -> None:
    weeks = [date(2026, 9, 14) + timedelta(days=7 * i) for i in range(12)]
    image = _drawn(charts.club_chart_png, charts.ClubWeeks(1, "Club", weeks, [1] * 12, [5] * 12)).convert("RGBA")
    r, g, b, a = image.getpixel((2, 2))
    assert a == 255
    assert f"#{r:02x}{g:02x}{b:02x}" == charts.CARD.lower()


def _cell_pixel(image: Image.Image, week: int, weekday: int) -> str:
    # The calendar axes: 12 weeks across, 7 days down.
    left, bottom, w, h = charts.CALENDAR_AXES
    width, height = image.size
    x = width * (left + w * (week + 0.25) / 12)
    y = height * (1 - (bottom + h * (6 - weekday + 0.25) / 7))
    r, g, b = image.convert("RGB").getpixel((round(x), round(y)))
    return f"#{r:02x}{g:02x}{b:02x}"


def test_calendar_marks_today_and_leaves_the_days_to_come_unpainted() -> None:
    first = date(2026, 9, 14)  # a Monday
    today = first + timedelta(days=7 * 11 + 2)  # Wednesday of the last week
    card = charts.MemberCard(1, "Runner", first, {first: "routine", today: "stretch"}, 1, 1, 15, today=today)
    image = _drawn(charts.member_card_png, card)
    assert _cell_pixel(image, 0, 1) == charts.EMPTY.lower()  # a past day without activity
    assert _cell_pixel(image, 11, 3) == charts.CARD.lower()  # Thursday: still to come, not a missed day
    assert _cell_pixel(image, 11, 6) == charts.CARD.lower()
    assert _cell_pixel(image, 11, 2) == charts.KIND_COLOURS["stretch"].lower()
    # Today is outlined: the outline runs just outside its cell.
    left, bottom, w, h = charts.CALENDAR_AXES
    width, height = image.size
    x = width * (left + w * (11 + 0.5) / 12)
    y = height * (1 - (bottom + h * (6 - 2 + 0.035) / 7))
    assert image.convert("RGB").getpixel((round(x), round(y))) == (255, 255, 255)


def test_the_card_gives_each_of_the_twelve_weeks_its_points() -> None:
    first = date(2026, 9, 14)
    points = [0, 5, 10, 0, 0, 15, 20, 5, 0, 10, 30, 8]
    card = charts.MemberCard(1, "Runner", first, {}, 1, 1, 8, today=first + timedelta(weeks=11, days=2),
                             weekly_points=points)
    assert "Points per week, oldest first: 0, 5, 10, 0, 0, 15, 20, 5, 0, 10, 30, 8." in charts.member_card_alt(card)
    # Drawn with the points: more ink above the calendar than on a card without them.
    left, bottom, w, h = charts.CALENDAR_AXES
    with_points = _drawn(charts.member_card_png, card).convert("RGB")
    without = _drawn(charts.member_card_png, charts.MemberCard(1, "Runner", first, {}, 1, 1, 8,
                                                               today=card.today)).convert("RGB")
    width, height = with_points.size
    band = (round(width * left), round(height * (1 - bottom - h) - 22), round(width * (left + w)),
            round(height * (1 - bottom - h)))
    assert with_points.crop(band).getcolors(4096) != without.crop(band).getcolors(4096)


def test_cant_tell_is_a_row_apart_above_the_scale_not_below_the_weak_outcome() -> None:
    import sys

    assert "matplotlib" not in sys.modules, "the chart tests draw in another process"
    series = charts.TestSeries("Hip drop", ["Hips stayed level", "Opposite hip dropped", "Can't tell"], [],
                               unsure=["Can't tell"])
    assert charts.history_rows(series) == ["Can't tell", "Hips stayed level", "Opposite hip dropped"]
    plain = charts.TestSeries("Hip drop", ["Hips stayed level", "Opposite hip dropped"], [])
    assert charts.history_rows(plain) == ["Hips stayed level", "Opposite hip dropped"]
