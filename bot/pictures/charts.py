"""Charts drawn with matplotlib (Agg): the club's 12 weeks, a member's card, a member's test history, a
challenge's results.

The data classes are plain and picklable: the service sends them to a worker process, which is the
only process that imports matplotlib (inside the functions below).

Style for Discord's dark and light themes alike: every chart sits on its own dark card, so the
contrast of its text does not depend on the theme around it (WCAG 4.5:1 for text, 3:1 for marks; a
test computes both). Text is at least 12 px at the size Discord previews an embed image (about 400 px
wide on desktop): these images are 600 px wide at 100 dpi, so 13 pt ≈ 18 px here ≈ 12 px in the preview.
Kinds of activity differ by a marker as well as a colour.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

CARD = "#232428"  # the chart's own background, opaque: the same card on the dark and the light theme
INK = "#E3E5E8"  # text and axes
MUTED = "#B5BAC1"  # secondary text
BAR = "#5B9BF8"
LINE = "#F4A259"
GRID = "#4E5058"
EMPTY = "#3A3C42"  # a past day without activity
TODAY = "#FFFFFF"
MARK = "#16171A"  # the marker drawn on a coloured day
KIND_COLOURS = {
    "none": EMPTY,
    "standup": "#7FC8B0",
    "stretch": "#C3A3E8",
    "extra": "#F0B44C",
    "routine": "#5CC26B",
}
KIND_MARKERS = {"routine": "o", "extra": "D", "stretch": "^", "standup": "s"}
KIND_LABELS = {"routine": "routine", "extra": "extra session", "stretch": "stretch", "standup": "stand-ups"}
SIDE_COLOURS = {"left": "#5B9BF8", "right": "#F4A259", "both": "#5CC26B"}
SIDE_STYLE = {"left": (-0.06, "o", "-"), "right": (0.06, "s", "--"), "both": (0.0, "o", "-")}
# Colours that carry text, and colours of marks (bars, lines, cells), for the contrast test.
TEXT_COLOURS = (INK, MUTED, LINE)
MARK_COLOURS = (BAR, LINE, *SIDE_COLOURS.values(), *(c for k, c in KIND_COLOURS.items() if k != "none"))
WIDTH_IN = 6.0
DPI = 100
FONT_PT = 13


@dataclass(frozen=True)
class ClubWords:
    """The club chart's words, already in the club's language: the worker loads no catalogue."""

    members: str  # "members who did the routine", over the bars
    points: str  # "total points", over the line
    weeks: tuple[str, ...]  # each week's start as the date axis writes it ("Jan 5"), oldest first


@dataclass(frozen=True)
class ClubWeeks:
    guild_id: int
    title: str
    week_starts: list[date]  # oldest first
    members: list[int]  # members (visible ones) who did the routine that week
    points: list[int]  # total points of visible members that week
    words: ClubWords | None = None  # English when None


@dataclass(frozen=True)
class CardWords:
    """The /me card's words, already in the member's language: the worker loads no catalogue."""

    week_points: str  # "15 points this week"
    streak: str  # "streak 2 wk · best 5 wk · today outlined"
    points: str  # "pts", before the points of each week
    kinds: dict[str, str]  # the legend's label of each kind in KIND_LABELS
    weekdays: tuple[str, ...]  # the seven short day names, from the card's first day
    weeks: tuple[str, ...]  # each column's first day as the axis writes it ("Jan 5"), oldest first


@dataclass(frozen=True)
class MemberCard:
    user_id: int
    name: str
    first_day: date  # a week start: the grid has 12 columns of 7 days from here
    days: dict[date, str] = field(default_factory=dict)  # day -> strongest kind done that day
    current_streak: int = 0
    best_streak: int = 0
    week_points: int = 0
    all_points: int = 0
    today: date | None = None  # marked on the calendar; later days are not painted (default: today in UTC)
    weekly_points: list[int] = field(default_factory=list)  # each column's points, oldest first (12 or none)
    words: CardWords | None = None  # English when None


@dataclass(frozen=True)
class TestPoint:
    at: date
    side: str
    level: int  # 0 = the best outcome of the test, higher = weaker
    label: str


@dataclass(frozen=True)
class TestSeries:
    name: str
    levels: list[str]  # outcome labels, best first
    points: list[TestPoint]
    # Outcomes that say nothing about the result (a "Can't tell"): shown apart, above the scale, never
    # below the weak outcome as if worse than it.
    unsure: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TestHistory:
    user_id: int
    tests: list[TestSeries]
    # The chart's words, already in the member's language (the worker loads no catalogue): the legend's
    # side names and the twelve short month names of the date axis. English when empty.
    sides: dict[str, str] = field(default_factory=dict)
    months: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChallengeWords:
    """A challenge chart's words, already in the club's language: the worker loads no catalogue."""

    target: str  # "target 4", on the dashed line
    axis: str  # "routines" / "points"
    footer: str  # "6 took part · together 18 routines"
    empty: str  # shown when no member's bar can be shown


@dataclass(frozen=True)
class ChallengeBoard:
    guild_id: int
    title: str
    unit: str  # "routines" or "points"
    target: int
    names: list[str]  # members the boards show, most progress first (at most CHALLENGE_BARS)
    values: list[int]
    more: int  # visible members beyond the bars shown
    members: int  # everyone who took part, those left off the boards included
    club_total: int  # everyone's progress, those left off the boards included
    words: ChallengeWords | None = None  # English when None


# Where the /me calendar sits in its figure (left, bottom, width, height): the week points go just above it.
CALENDAR_AXES = (0.1, 0.28, 0.88, 0.45)
CHALLENGE_BARS = 15
NAME_CHARS = 12


def _pyplot_free_figure(height_in: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    matplotlib.rcParams.update(
        {
            "font.size": FONT_PT,
            "text.color": INK,
            "axes.labelcolor": INK,
            "axes.edgecolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "axes.titlesize": FONT_PT + 3,
            "axes.titleweight": "bold",
            "axes.facecolor": CARD,
            "figure.facecolor": CARD,
        }
    )
    return Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, facecolor=CARD)


def _save(fig: Any) -> bytes:
    buffer = io.BytesIO()
    # A lighter zlib level: a fifth faster to write, a few KB bigger.
    fig.savefig(buffer, format="png", facecolor=CARD, dpi=DPI, pil_kwargs={"compress_level": 3})
    return buffer.getvalue()


def _plain(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_PT)


def club_chart_png(chart: ClubWeeks) -> bytes:
    """Two panels on one time axis, each with its own scale: members as bars, points as a line."""
    fig = _pyplot_free_figure(4.6)
    members_ax, points_ax = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    xs = list(range(len(chart.week_starts)))
    members_ax.bar(xs, chart.members, color=BAR, width=0.65)
    members_ax.set_ylim(0, max([*chart.members, 1]) * 1.2)
    points_ax.plot(xs, chart.points, color=LINE, linewidth=2.5, marker="o", markersize=5)
    points_ax.set_ylim(0, max([*chart.points, 1]) * 1.25)
    words = chart.words
    labels = (words.members, words.points) if words else ("members who did the routine", "total points")
    for ax, label in zip((members_ax, points_ax), labels, strict=True):
        ax.yaxis.get_major_locator().set_params(integer=True, nbins=4)
        ax.grid(axis="y", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.text(0.0, 1.02, _literal(label), transform=ax.transAxes, fontsize=FONT_PT, color=INK, va="bottom")
        _plain(ax)
    # Every other week labelled: twelve dates do not fit 600 px at a readable size.
    dates = list(words.weeks) if words else [d.strftime("%d %b") for d in chart.week_starts]
    points_ax.set_xticks(xs, [d if (len(xs) - 1 - i) % 2 == 0 else "" for i, d in enumerate(dates)], rotation=45,
                         ha="right")
    # A figure text, not an axes title: axes titles are re-placed on every draw (a third of the time).
    fig.text(0.02, 0.98, _literal(chart.title), fontsize=FONT_PT + 3, fontweight="bold", color=INK, va="top")
    fig.subplots_adjust(left=0.1, right=0.97, top=0.84, bottom=0.17, hspace=0.35)  # fixed: tight_layout is slow
    return _save(fig)


def club_chart_alt(chart: ClubWeeks) -> str:
    if not chart.week_starts:
        return "Chart of the club's weeks: no weeks yet."
    weeks = len(chart.week_starts)
    best = max(range(weeks), key=lambda i: (chart.members[i], i))
    return (
        f"Chart of the club's last {weeks} weeks from {chart.week_starts[0]:%d %b} to {chart.week_starts[-1]:%d %b}: "
        f"bars for members who did the routine each week (last week {chart.members[-1]}, most "
        f"{chart.members[best]} in the week of {chart.week_starts[best]:%d %b}), a line for total points "
        f"(last week {chart.points[-1]})."
    )


def member_card_png(card: MemberCard) -> bytes:
    """Twelve weeks of days: a colour and a marker per kind, today outlined, days still to come left blank."""
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    fig = _pyplot_free_figure(3.6)
    ax = fig.add_axes(CALENDAR_AXES)
    weeks = 12
    today = card.today or datetime.now(UTC).date()
    marks: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in KIND_MARKERS}
    for week in range(weeks):
        for weekday in range(7):
            day = card.first_day + timedelta(days=week * 7 + weekday)
            x, y = week + 0.06, 6 - weekday + 0.06
            if day > today:
                continue  # not missed: it has not come yet
            kind = card.days.get(day, "none")
            ax.add_patch(Rectangle((x, y), 0.88, 0.88, facecolor=KIND_COLOURS[kind], edgecolor="none"))
            if kind in marks:
                marks[kind][0].append(week + 0.5)
                marks[kind][1].append(6 - weekday + 0.5)
            if day == today:
                ax.add_patch(Rectangle((x - 0.03, y - 0.03), 0.94, 0.94, facecolor="none", edgecolor=TODAY,
                                       linewidth=2.2))
    for kind, (xs, ys) in marks.items():
        if xs:
            ax.scatter(xs, ys, marker=KIND_MARKERS[kind], s=30, color=MARK, linewidths=0)
    # Each week's points over its column, from the member's check-ins (0 shown faintly, weeks to come blank).
    for week, points in enumerate(card.weekly_points[:weeks]):
        if card.first_day + timedelta(days=7 * week) > today:
            continue
        ax.text(week + 0.5, 7.15, str(points), ha="center", va="bottom", fontsize=FONT_PT - 2,
                color=INK if points else MUTED, clip_on=False)
    words = card.words
    if card.weekly_points:
        ax.text(-0.15, 7.15, _literal(words.points) if words else "pts", ha="right", va="bottom",
                fontsize=FONT_PT - 2, color=MUTED, clip_on=False)
    ax.set_xlim(0, weeks)
    ax.set_ylim(0, 7)
    ax.set_aspect("auto")
    if words and len(words.weeks) >= weeks:
        dates = list(words.weeks)
    else:
        dates = [(card.first_day + timedelta(days=7 * w)).strftime("%d %b") for w in range(weeks)]
    ax.set_xticks([w + 0.5 for w in range(0, weeks, 3)], [dates[w] for w in range(0, weeks, 3)])
    if words and len(words.weekdays) == 7:
        names = list(words.weekdays)
    else:
        names = [(card.first_day + timedelta(days=i)).strftime("%a") for i in range(7)]
    ax.set_yticks([6.5, 4.5, 2.5, 0.5], [names[0], names[2], names[4], names[6]])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0, labelsize=FONT_PT)
    fig.text(0.02, 0.96, _literal(card.name), fontsize=FONT_PT + 3, fontweight="bold", color=INK, va="top")
    week_points = words.week_points if words else f"{card.week_points} points this week"
    streak = (words.streak if words else
              f"streak {card.current_streak} wk · best {card.best_streak} wk · today outlined")
    fig.text(0.98, 0.96, _literal(week_points), fontsize=FONT_PT + 1, color=INK, ha="right", va="top")
    fig.text(0.98, 0.87, _literal(streak), fontsize=FONT_PT - 1, color=MUTED, ha="right", va="top")
    # Each key as on the calendar: the kind's colour with its marker on top.
    handles = [(Patch(facecolor=KIND_COLOURS[k]), Line2D([], [], linestyle="none", marker=KIND_MARKERS[k],
                                                         markersize=6, color=MARK)) for k in KIND_LABELS]
    labels = [_literal(words.kinds.get(k, v)) if words else v for k, v in KIND_LABELS.items()]
    legend = fig.legend(handles=handles, labels=labels, loc="lower center", ncols=4,
                        frameon=False, fontsize=FONT_PT, handlelength=1.0, columnspacing=1.0,
                        handler_map={tuple: HandlerTuple(ndivide=1)})
    for text in legend.get_texts():
        text.set_color(INK)
    return _save(fig)


def member_card_alt(card: MemberCard) -> str:
    counts: dict[str, int] = {}
    for kind in card.days.values():
        counts[kind] = counts.get(kind, 0) + 1
    done = ", ".join(f"{counts[k]} with {KIND_LABELS[k]}" for k in KIND_LABELS if counts.get(k))
    return (
        f"{card.name}'s last 12 weeks as a calendar from {card.first_day:%d %b}: "
        f"{done or 'no activity yet'}. Current weekly streak {card.current_streak}, best {card.best_streak}."
        + (f" Points per week, oldest first: {', '.join(map(str, card.weekly_points))}." if card.weekly_points else "")
    )


def test_history_png(history: TestHistory) -> bytes:
    tests = history.tests or []
    rows = max(1, len(tests))
    fig = _pyplot_free_figure(0.9 + 2.5 * rows)
    axes = fig.subplots(rows, 1, squeeze=False)[:, 0]
    for ax, series in zip(axes, tests, strict=False):
        by_side: dict[str, list[TestPoint]] = {}
        for point in sorted(series.points, key=lambda p: p.at):
            by_side.setdefault(point.side, []).append(point)
        # The scale runs from the best outcome down to the weakest; an unsure result ("Can't tell") is
        # no step on it, so it sits in its own row above, drawn hollow and not joined to the line.
        rows = history_rows(series)
        for side, points in by_side.items():
            # Sides a hair apart, with their own marker and dash, so equal results do not hide each other.
            shift, marker, style = SIDE_STYLE.get(side, (0.0, "o", "-"))
            colour = SIDE_COLOURS.get(side, BAR)
            sure = [p for p in points if series.levels[p.level] not in series.unsure]
            unsure = [p for p in points if series.levels[p.level] in series.unsure]
            name = history.sides.get(side, side)
            ax.plot([p.at for p in sure], [rows.index(series.levels[p.level]) + shift for p in sure], marker=marker,
                    linestyle=style, linewidth=2.5, markersize=8, color=colour, label=name)
            if unsure:
                ax.plot([p.at for p in unsure], [rows.index(series.levels[p.level]) + shift for p in unsure],
                        marker=marker, linestyle="none", markersize=8, markerfacecolor="none",
                        markeredgewidth=2, color=colour, label=name if not sure else "_")
        ax.set_yticks(range(len(rows)), [textwrap.fill(level, 16) for level in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)  # best outcome at the top, below any unsure row
        if series.unsure:
            ax.axhline(len(series.unsure) - 0.5, color=MUTED, linewidth=1, linestyle=":")
        ax.text(0.0, 1.04, series.name, transform=ax.transAxes, fontsize=FONT_PT + 3, fontweight="bold",
                color=INK)
        ax.grid(axis="y", color=GRID, linewidth=0.8)
        _plain(ax)
        _date_axis(ax, history.months)
    # One legend for all panels, in the top margin, so it never covers a line or a title.
    seen: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    height = fig.get_figheight()
    legend = fig.legend(list(seen.values()), list(seen), loc="upper right", ncols=3, frameon=False,
                        fontsize=FONT_PT, bbox_to_anchor=(0.98, 1.0))
    for text in legend.get_texts():
        text.set_color(INK)
    fig.subplots_adjust(left=0.27, right=0.97, top=1 - 0.75 / height, bottom=0.45 / height, hspace=0.55)
    return _save(fig)


def history_rows(series: TestSeries) -> list[str]:
    """The rows of a test's panel, top to bottom: unsure outcomes apart, then the best down to the weakest."""
    return [*(level for level in series.levels if level in series.unsure),
            *(level for level in series.levels if level not in series.unsure)]


def _date_axis(ax: Any, months: tuple[str, ...] = ()) -> None:
    from matplotlib.dates import AutoDateLocator, DateFormatter, num2date
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_locator(AutoDateLocator(minticks=2, maxticks=6))
    if len(months) == 12:
        # The member's language's month names, given by the caller.
        def day_month(value: float, _position: int) -> str:
            day = num2date(value)
            return f"{day.day} {months[day.month - 1]}"

        ax.xaxis.set_major_formatter(FuncFormatter(day_month))
    else:
        ax.xaxis.set_major_formatter(DateFormatter("%d %b"))


def test_history_alt(history: TestHistory) -> str:
    parts = []
    for series in history.tests:
        latest: dict[str, TestPoint] = {}
        for point in sorted(series.points, key=lambda p: p.at):
            latest[point.side] = point
        sides = ", ".join(f"{side}: {p.label} on {p.at:%d %b}" for side, p in latest.items())
        count = len(series.points)
        parts.append(f"{series.name} ({count} result{'s' if count != 1 else ''}; latest {sides})")
    return "Your self-test results over time, one line per side: " + "; ".join(parts) + "."


def challenge_board(guild_id: int, title: str, unit: str, target: int, standings: list[tuple[str, int]],
                    members: int, club_total: int, words: ChallengeWords | None = None) -> ChallengeBoard:
    """The chart's data: the first ``CHALLENGE_BARS`` of ``standings`` (names of visible members only)."""
    shown = standings[:CHALLENGE_BARS]
    return ChallengeBoard(guild_id, title, unit, target, [_short(n) for n, _ in shown], [v for _, v in shown],
                          len(standings) - len(shown), members, club_total, words)


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _literal(text: str) -> str:
    """Text drawn as typed: a ``$`` would otherwise start matplotlib's math notation."""
    return text.replace("$", r"\$")


def challenge_chart_png(board: ChallengeBoard) -> bytes:
    rows = max(1, len(board.names))
    height = 1.6 + 0.42 * rows
    fig = _pyplot_free_figure(height)
    ax = fig.subplots()
    ys = list(range(rows))
    if board.names:
        colours = [KIND_COLOURS["routine"] if v >= board.target else BAR for v in board.values]
        ax.barh(ys, board.values, color=colours, height=0.62)
        # Names as plain text: set_text never reads mentions or markup.
        ax.set_yticks(ys, [_literal(n) for n in board.names])
        for y, value in zip(ys, board.values, strict=True):
            ax.text(value, y, f" {value}", va="center", ha="left", fontsize=FONT_PT - 1, color=INK)
    else:
        ax.set_yticks([])
        empty = board.words.empty if board.words else "no names to show"
        ax.text(0.5, 0.5, _literal(empty), transform=ax.transAxes, ha="center", va="center", color=INK)
    ax.set_ylim(rows - 0.5, -0.5)  # most progress at the top
    top = max([*board.values, board.target, 1])
    ax.set_xlim(0, top * 1.15)
    ax.axvline(board.target, color=LINE, linewidth=2.5, linestyle="--")
    target = board.words.target if board.words else f"target {board.target}"
    ax.text(board.target, -0.5, _literal(target), color=LINE, ha="center", va="bottom",
            fontsize=FONT_PT - 1, clip_on=False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(_literal(board.words.axis) if board.words else board.unit)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    _plain(ax)
    fig.text(0.02, 1 - 0.12 / height, _literal(board.title), fontsize=FONT_PT + 3, fontweight="bold", color=INK,
             va="top")
    if board.words:
        footer = board.words.footer
    else:
        footer = f"{board.members} took part · together {board.club_total} {board.unit}"
        if board.more:
            footer += f" · {board.more} more not shown"
    fig.text(0.02, 0.1 / height, _literal(footer), fontsize=FONT_PT - 1, color=INK, va="bottom")
    fig.subplots_adjust(left=0.38, right=0.95, top=1 - 0.85 / height, bottom=1.0 / height)
    return _save(fig)


def challenge_chart_alt(board: ChallengeBoard) -> str:
    reached = sum(1 for v in board.values if v >= board.target)
    bars = "; ".join(f"{name} {value}" for name, value in zip(board.names, board.values, strict=True))
    more = f" and {board.more} more" if board.more else ""
    shown = f"Bars for each member's {board.unit}: {bars}{more}. " if bars else "No member's bar to show. "
    return (
        f"Results of the challenge {board.title}: a dashed line marks the target of {board.target} {board.unit}. "
        f"{shown}{reached} of the members shown reached it. {board.members} took part, "
        f"{board.club_total} {board.unit} together."
    )
