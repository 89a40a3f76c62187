"""A dose (sets, reps, holds, minutes), where it comes from, and how long it takes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from bot.content.base import HOLD_MAX, MINUTES_MAX, REPS_MAX, SETS_MAX, ShortText, StrictModel
from bot.i18n import N_, SOURCE_LANGUAGE, Texts

# The time estimate: seconds per rep, and for changing side or moving to the next exercise.
REP_SECONDS = 3
SIDE_SWITCH_SECONDS = 5
MOVE_SWITCH_SECONDS = 10
# The rests the estimate assumes (no article gives them): between short holds, and between any other sets.
SHORT_HOLD_SECONDS = 10
SHORT_HOLD_REST_SECONDS = 5
SET_REST_SECONDS = 30

# How a dose the content chose (no article gives one) is marked wherever it is shown.
SUGGESTED_MARK = "†"
SUGGESTED_LEGEND = N_("† the bot's suggestion: no source article gives this figure.")
# The rests the time estimates assume, as a template (rest_note fills it in a language) and in English.
REST_NOTE_TEMPLATE = N_(
    "Times include rests †: {short_rest} s between holds of {short_hold} s or less, {set_rest} s between other sets."
)
REST_NOTE = REST_NOTE_TEMPLATE.format(
    short_rest=SHORT_HOLD_REST_SECONDS, short_hold=SHORT_HOLD_SECONDS, set_rest=SET_REST_SECONDS
)

_ENGLISH: list[Texts] = []


def english_texts() -> Texts:
    """The English texts (the content's own language), made once."""
    if not _ENGLISH:
        _ENGLISH.append(Texts(SOURCE_LANGUAGE, SOURCE_LANGUAGE, {}, {}, lambda n: 0 if n == 1 else 1))
    return _ENGLISH[0]


def rest_note(texts: Texts | None = None) -> str:
    """The rests the time estimates assume, in the language of ``texts`` (English without)."""
    tr = texts if texts is not None else english_texts()
    return tr.t(
        REST_NOTE_TEMPLATE,
        short_rest=tr.number(SHORT_HOLD_REST_SECONDS),
        short_hold=tr.number(SHORT_HOLD_SECONDS),
        set_rest=tr.number(SET_REST_SECONDS),
    )


def suggested_legend(texts: Texts | None = None) -> str:
    """What the † mark means, in the language of ``texts`` (English without)."""
    return (texts if texts is not None else english_texts()).t(SUGGESTED_LEGEND)


def _span(tr: Texts, low: int, high: int | None) -> str:
    """``10`` or ``10–12``, written for the language."""
    return f"{tr.number(low)}–{tr.number(high)}" if high else tr.number(low)


def _count(tr: Texts, unit: str, n: int, count: str) -> str:
    """``10 reps``, ``10–12 reps``, ``1 lift``: the unit in the language, in the plural form ``n`` takes."""
    if unit == "reps":
        return tr.n("{count} rep", "{count} reps", n, count=count)
    if unit == "lifts":
        return tr.n("{count} lift", "{count} lifts", n, count=count)
    if unit == "circles each way":
        return tr.n("{count} circle each way", "{count} circles each way", n, count=count)
    if unit == "steps each way":
        return tr.n("{count} step each way", "{count} steps each way", n, count=count)
    return f"{count} {unit}"  # a unit the catalogue does not know (a club's own content): as written


def _per_side(tr: Texts, dose: str, side_word: str) -> str:
    if side_word == "leg":
        return tr.t("{dose} per leg", dose=dose)
    return tr.t("{dose} per side", dose=dose)


class Dose(StrictModel):
    """How much of an exercise: sets × reps, holds in seconds, or minutes; optionally per side."""

    sets: int | None = Field(default=None, ge=1, le=SETS_MAX)
    reps: int | None = Field(default=None, ge=1, le=REPS_MAX)
    reps_max: int | None = Field(default=None, ge=1, le=REPS_MAX)
    hold_seconds: int | None = Field(default=None, ge=1, le=HOLD_MAX)
    hold_seconds_max: int | None = Field(default=None, ge=1, le=HOLD_MAX)
    per_side: bool = False
    side_word: Literal["side", "leg"] = "side"
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=24)] = "reps"
    minutes: float | None = Field(default=None, gt=0, le=MINUTES_MAX)
    note: ShortText | None = None
    # Where the dose comes from ("004: ..."), or suggested: true when the content chose it.
    source: ShortText | None = None
    suggested: bool = False

    @model_validator(mode="after")
    def _sane(self) -> Dose:
        if self.reps is None and self.hold_seconds is None and self.minutes is None:
            raise ValueError("a dose needs reps, hold_seconds or minutes")
        if self.minutes is not None and (self.reps is not None or self.hold_seconds is not None):
            raise ValueError("minutes cannot be combined with reps or hold_seconds")
        if self.reps_max is not None and (self.reps is None or self.reps_max <= self.reps):
            raise ValueError("reps_max needs reps and must be larger than reps")
        if self.hold_seconds_max is not None and (
            self.hold_seconds is None or self.hold_seconds_max <= self.hold_seconds
        ):
            raise ValueError("hold_seconds_max needs hold_seconds and must be larger than it")
        if self.sets is not None and self.reps is None and self.hold_seconds is None:
            raise ValueError("sets need reps or hold_seconds")
        return self

    def render(self, texts: Texts | None = None) -> str:
        """Short text for a message: ``10 × 10 s hold``, ``10–15 reps per leg``, ``30 s per side``, in the
        language of ``texts`` (English without)."""
        tr = texts if texts is not None else english_texts()
        hold = None
        if self.hold_seconds is not None:
            hold = tr.t("{seconds} s", seconds=_span(tr, self.hold_seconds, self.hold_seconds_max))
        if self.reps is not None:
            text = _count(tr, self.unit, self.reps_max or self.reps, _span(tr, self.reps, self.reps_max))
            text = _per_side(tr, text, self.side_word) if self.per_side else text
            if self.sets is not None and self.sets > 1:
                text = tr.t("{sets} × {dose}", sets=tr.number(self.sets), dose=text)
            if hold:
                text = tr.t("{dose}, {hold} hold each", dose=text, hold=hold)
        elif hold is not None:
            if self.sets is not None and self.sets > 1:
                text = tr.t("{sets} × {hold} hold", sets=tr.number(self.sets), hold=hold)
            else:
                text = hold
            text = _per_side(tr, text, self.side_word) if self.per_side else text
        else:
            text = tr.t("{minutes} min", minutes=tr.number(self.minutes or 0))
        if self.note:
            text += f" ({self.note})"
        if self.suggested:
            text += f" {SUGGESTED_MARK}"
        return text

    def rest_seconds(self) -> int:
        """The rest assumed after each set or hold but the last: short after a short hold, else a full set rest."""
        if self.reps is None and self.hold_seconds is not None and self.hold_seconds <= SHORT_HOLD_SECONDS:
            return SHORT_HOLD_REST_SECONDS
        return SET_REST_SECONDS

    def seconds(self) -> int:
        """Rough time: holds × seconds + reps × ~3 s (plus the hold of each rep) and the rests between sets,
        both sides, one switch."""
        if self.minutes is not None:
            return round(self.minutes * 60)
        sets = self.sets or 1
        sides = 2 if self.per_side else 1
        each_way = 2 if self.unit.endswith("each way") else 1
        if self.reps is not None:
            per_rep = REP_SECONDS + (self.hold_seconds or 0)
            work = sets * self.reps * each_way * per_rep
        else:
            work = sets * (self.hold_seconds or 0)
        rests = (sets - 1) * self.rest_seconds()
        return (work + rests) * sides + (SIDE_SWITCH_SECONDS if self.per_side else 0)

    def traced(self) -> str | None:
        """What is wrong with this dose's origin: neither a source nor a suggestion mark, or both."""
        if self.source and self.suggested:
            return "a dose cannot have both a source and suggested: true"
        if not self.source and not self.suggested:
            return "a dose needs a source (article and statement) or suggested: true"
        return None

    def require_traced(self) -> Dose:
        """This dose, for a validator: a ValueError when its origin is not marked."""
        problem = self.traced()
        if problem:
            raise ValueError(problem)
        return self

    def scaled(self, extra_reps: int, extra_hold: int, reps_cap: int, hold_cap: int) -> Dose:
        """This dose made harder by a progression step, never past the caps or the dose's own top."""
        update: dict[str, object] = {}
        if self.reps is not None and extra_reps:
            top = self.reps_max if self.reps_max is not None else max(reps_cap, self.reps)
            reps = min(self.reps + extra_reps, top)
            update["reps"] = reps
            update["reps_max"] = self.reps_max if self.reps_max is not None and self.reps_max > reps else None
        if self.hold_seconds is not None and extra_hold:
            top = self.hold_seconds_max if self.hold_seconds_max is not None else max(hold_cap, self.hold_seconds)
            hold = min(self.hold_seconds + extra_hold, top)
            update["hold_seconds"] = hold
            update["hold_seconds_max"] = (
                self.hold_seconds_max if self.hold_seconds_max is not None and self.hold_seconds_max > hold else None
            )
        if not update:
            return self
        return Dose.model_validate({**self.model_dump(), **update})


def session_seconds(doses: list[Dose]) -> int:
    """The time estimate of one session: each dose's time plus a switch between moves."""
    if not doses:
        return 0
    return sum(d.seconds() for d in doses) + MOVE_SWITCH_SECONDS * (len(doses) - 1)


def minutes_for(seconds: int) -> int:
    """Whole minutes, rounded up: an estimate should never promise less time than it takes."""
    return max(1, -(-seconds // 60))


def lead_in_dose(dose: Dose) -> Dose:
    """One set of a dose at the low end of its range: the short activation block before a routine. The note
    stays (article 001's 10 s hold to find the muscle comes first); the one set is the bot's own choice."""
    return dose.model_copy(update={"sets": None, "reps_max": None, "hold_seconds_max": None})
