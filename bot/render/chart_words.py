"""The words of the club chart and of the /me card, and their alt texts, in the language of ``tr``.

The chart worker draws them as plain strings: it loads no catalogue (see bot/pictures/charts.py).
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.history import MemberDays, WeekTotal
from bot.i18n import Texts
from bot.pictures.charts import KIND_LABELS, CardWords, ClubWords

CARD_WEEKS = 12


def club_title(tr: Texts) -> str:
    return tr.t("The club's last 12 weeks")


def club_words(tr: Texts, weeks: list[WeekTotal]) -> tuple[ClubWords, str]:
    """The club chart's words and its alt text, in the club's language."""
    words = ClubWords(
        # i18n: over the bars of the club chart (a short label).
        members=tr.t("members who did the routine"),
        # i18n: over the line of the club chart (a short label).
        points=tr.t("total points"),
        weeks=tuple(tr.day_month(w.week_start) for w in weeks),
    )
    if not weeks:
        return words, tr.t("Chart of the club's weeks: no weeks yet.")
    best = max(range(len(weeks)), key=lambda i: (weeks[i].members, i))
    alt = tr.n(
        "Chart of the club's last {count} week from {first} to {last}: bars for members who did the routine each "
        "week (last week {members}, most {most} in the week of {best}), a line for total points (last week "
        "{points}).",
        "Chart of the club's last {count} weeks from {first} to {last}: bars for members who did the routine each "
        "week (last week {members}, most {most} in the week of {best}), a line for total points (last week "
        "{points}).",
        len(weeks), first=tr.day_month(weeks[0].week_start), last=tr.day_month(weeks[-1].week_start),
        members=tr.number(weeks[-1].members), most=tr.number(weeks[best].members),
        best=tr.day_month(weeks[best].week_start), points=tr.number(weeks[-1].points),
    )
    return words, alt


def kind_labels(tr: Texts) -> dict[str, str]:
    """The /me card's legend: each kind of day as the calendar colours it."""
    labels = {
        "routine": tr.tc("calendar-key", "routine"),
        "extra": tr.tc("calendar-key", "extra session"),
        "stretch": tr.tc("calendar-key", "stretch"),
        "standup": tr.tc("calendar-key", "stand-ups"),
    }
    assert labels.keys() == KIND_LABELS.keys()
    return labels


def card_words(tr: Texts, name: str, days: MemberDays) -> tuple[CardWords, str]:
    """The /me card's words and its alt text, in the member's language."""
    kinds = kind_labels(tr)
    words = CardWords(
        week_points=tr.n("{count} point this week", "{count} points this week", days.week_points),
        # i18n: under the points on the /me card; "wk" is short for weeks; the day of today has a white outline.
        streak=tr.t("streak {current} wk · best {best} wk · today outlined", current=tr.number(days.current_streak),
                    best=tr.number(days.best_streak)),
        # i18n: short for "points", before the row of each week's points on the /me card.
        points=tr.t("pts"),
        kinds=kinds,
        weekdays=tuple(tr.weekday((days.first_day + timedelta(days=i)).weekday(), "abbreviated") for i in range(7)),
        weeks=tuple(tr.day_month(days.first_day + timedelta(weeks=w)) for w in range(CARD_WEEKS)),
    )
    counts: dict[str, int] = {}
    for kind in days.days.values():
        counts[kind] = counts.get(kind, 0) + 1
    done = ", ".join(tr.n("{count} day with {kind}", "{count} days with {kind}", counts[k], kind=label)
                     for k, label in kinds.items() if counts.get(k))
    parts = [
        tr.t("{name}'s last 12 weeks as a calendar from {date}: {days}.", name=name,
             date=tr.day_month(days.first_day), days=done or tr.t("no activity yet")),
        tr.t("Current weekly streak {current}, best {best}.", current=tr.number(days.current_streak),
             best=tr.number(days.best_streak)),
    ]
    if days.weekly_points:
        parts.append(tr.t("Points per week, oldest first: {points}.",
                          points=", ".join(tr.number(p) for p in days.weekly_points)))
    return words, " ".join(parts)
