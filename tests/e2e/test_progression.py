"""Progression by feel: Easy / Just right / Hard under a routine check-in, per member, across restarts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.cogs.progression import make_progression_buttons
from bot.content import load_content
from bot.content.schema import minutes_for
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import MemberProgression
from bot.discord_ui.checkin_reply import FEEL_ANSWERS, feel_view
from bot.discord_ui.views import button_row_view
from bot.playground.fake.models import FakeMember
from tests.e2e.conftest import Club, custom_ids, embed_text
from tests.e2e.test_checkins import count_rows, set_club

CONTENT = load_content()
FIVE = CONTENT.routine("five-minute")


async def stored(club: Club) -> list[MemberProgression]:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            return list((await session.execute(select(MemberProgression).order_by(MemberProgression.id))).scalars())
    finally:
        await engine.dispose()


async def test_the_feel_row_is_what_the_feel_buttons_themselves_render() -> None:
    feel_button, _ = make_progression_buttons(CONTENT, progression=None)  # type: ignore[arg-type]
    for user_id in (1, 987654321098765432):
        built = button_row_view(*(feel_button(user_id, feel) for feel in FEEL_ANSWERS)).to_components()
        assert feel_view(user_id, feel_button).to_components() == built
    assert [b["label"] for b in built[0]["components"]] == ["Easy", "Just right", "Hard", "It hurt"]


def feel_id(message: dict, feel: str) -> str:
    return next(i for i in custom_ids(message) if i.startswith("gc:feel:") and i.endswith(f":{feel}"))


async def log_and_feel(club: Club, user: FakeMember, feel: str) -> dict:
    """Log this week's routine, say how it felt, and move on to next week."""
    reply = await club.slash(user, "checkin", kind="routine")
    answer = await club.click(user, feel_id(reply, feel))
    club.clock.advance(timedelta(weeks=1))
    return answer


async def today(club: Club, user: FakeMember) -> dict:
    return (await club.slash(user, "glutes today"))["embeds"][0]


async def test_routine_checkin_reply_asks_how_it_felt(club: Club) -> None:
    reply = await club.slash(club.runner, "checkin", kind="routine")
    assert "How did it feel?" in reply["content"]
    assert custom_ids(reply) == [f"gc:feel:{club.runner.id}:{f}" for f in ("easy", "right", "hard", "hurt")]
    labels = [c["label"] for row in reply["components"] for c in row["components"]]
    assert labels == ["Easy", "Just right", "Hard", "It hurt"]
    # The Done button's reply carries them too, for whoever pressed it.
    plan = await club.slash(club.other, "glutes today")
    done = next(i for i in custom_ids(plan) if i.startswith("gc:done:"))
    pressed = await club.click(club.other, done)
    assert custom_ids(pressed) == [f"gc:feel:{club.other.id}:{f}" for f in ("easy", "right", "hard", "hurt")]


async def test_a_stretch_checkin_shows_the_after_run_stretches(club: Club) -> None:
    reply = await club.slash(club.runner, "checkin", kind="stretch")
    assert custom_ids(reply) == []
    assert CONTENT.guide.after_run
    assert CONTENT.guide.after_run in reply["content"]
    for slug in CONTENT.guide.after_run_stretches:
        stretch = CONTENT.exercise(slug)
        assert f"{stretch.name}** · {stretch.dose.render()}" in reply["content"]


async def test_only_the_member_can_press_their_feel_buttons(club: Club) -> None:
    reply = await club.slash(club.runner, "checkin", kind="routine")
    stranger = await club.click(club.other, feel_id(reply, "easy"))
    assert "someone else's" in stranger["content"]
    assert stranger["flags"] & 64
    assert await stored(club) == []


async def test_feel_needs_a_logged_routine(club: Club) -> None:
    reply = await club.slash(club.runner, "checkin", kind="routine")
    await club.slash(club.runner, "undo")
    answer = await club.click(club.runner, feel_id(reply, "easy"))
    assert "Log the routine first" in answer["content"]


async def test_one_answer_per_week_counts(club: Club) -> None:
    reply = await club.slash(club.runner, "checkin", kind="routine")
    await club.click(club.runner, feel_id(reply, "easy"))
    again = await club.click(club.runner, feel_id(reply, "easy"))
    assert "already told me" in again["content"]
    [row] = await stored(club)
    assert (row.step, row.easy_weeks, row.offered_step) == (0, 1, None)


async def test_two_easy_weeks_offer_the_next_step_per_member_across_restarts(club: Club) -> None:
    first = await log_and_feel(club, club.runner, "easy")
    assert custom_ids(first) == [], "one easy week offers nothing yet"
    assert CONTENT.guide.caution in first["content"]
    await log_and_feel(club, club.other, "hard")

    # Week two: the feel buttons were sent before a restart and still work after it.
    reply = await club.slash(club.runner, "checkin", kind="routine")
    await club.restart()
    second = await club.click(club.runner, feel_id(reply, "easy"))
    offer = custom_ids(second)
    assert offer == [f"gc:step:{club.runner.id}:1"]
    assert "step 2 of 5" in second["content"]
    assert "your step 1 of 5" in (await today(club, club.runner))["title"], "an offer changes nothing by itself"
    refused = await club.click(club.other, offer[0])
    assert "someone else's" in refused["content"]

    taken = await club.click(club.runner, offer[0])
    assert "step 2 of 5" in taken["content"]
    step = FIVE.step(1)
    assert f"about {minutes_for(step.seconds)} min" in taken["content"]
    again = await club.click(club.runner, offer[0])
    assert "step 2 of 5" in again["content"]
    rows = await stored(club)
    assert sorted((r.step, r.offered_step, r.last_feel) for r in rows) == [(0, None, "hard"), (1, None, "easy")]

    await club.restart()
    mine, theirs = await today(club, club.runner), await today(club, club.other)
    assert "your step 2 of 5" in mine["title"]
    assert "12 reps per leg" in embed_text({"embeds": [mine]})
    assert f"about {minutes_for(step.seconds)} min" in mine["description"]
    assert "your step 1 of 5" in theirs["title"]
    assert "10 reps per leg" in embed_text({"embeds": [theirs]})
    # The club post keeps showing the base routine.
    assert club.bot is not None
    assert club.bot.services.routines.plan_for_club(await club_row(club)).step == 0


async def club_row(club: Club):  # type: ignore[no-untyped-def]
    from bot.db.models import Club as ClubRow

    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            return (await session.execute(select(ClubRow).where(ClubRow.guild_id == club.guild.id))).scalar_one()
    finally:
        await engine.dispose()


async def climb_to_step_two(club: Club, user: FakeMember) -> None:
    await log_and_feel(club, user, "easy")
    answer = await log_and_feel(club, user, "easy")
    await club.click(user, custom_ids(answer)[0])


async def test_just_right_keeps_the_step_and_hard_twice_steps_back(club: Club) -> None:
    await climb_to_step_two(club, club.runner)
    right = await log_and_feel(club, club.runner, "right")
    assert "Stay on step 2 of 5" in right["content"]
    easy = await log_and_feel(club, club.runner, "easy")
    assert custom_ids(easy) == [], "just right restarts the count of easy weeks"
    hard = await log_and_feel(club, club.runner, "hard")
    assert "Stay on step 2 of 5" in hard["content"]
    assert "your step 2 of 5" in (await today(club, club.runner))["title"]
    back = await log_and_feel(club, club.runner, "hard")
    assert "Back to step 1 of 5" in back["content"]
    assert "your step 1 of 5" in (await today(club, club.runner))["title"]
    # At the base, hard keeps the base.
    await log_and_feel(club, club.runner, "hard")
    base = await log_and_feel(club, club.runner, "hard")
    assert "step 1 of 5" in base["content"]


async def test_easy_weeks_never_climb_past_the_article(club: Club) -> None:
    for _ in range(FIVE.step_count + 2):
        await log_and_feel(club, club.runner, "easy")
        answer = await log_and_feel(club, club.runner, "easy")
        for step_id in custom_ids(answer):
            await club.click(club.runner, step_id)
    top = await today(club, club.runner)
    assert f"your step {FIVE.step_count} of {FIVE.step_count}" in top["title"]
    # More days come back to the base dose: article 004 adds reps or days, not both.
    assert "10 reps per leg" in embed_text({"embeds": [top]})
    assert "15 reps per leg" not in embed_text({"embeds": [top]})
    assert "10 × 10 s hold" in embed_text({"embeds": [top]})
    assert f"about {minutes_for(FIVE.step(4).seconds)} min · 3 days a week" in top["description"]


async def test_progression_reset_and_routine_switch_go_back_to_the_base(club: Club) -> None:
    await climb_to_step_two(club, club.runner)
    reset = await club.slash(club.runner, "glutes progression reset")
    assert "Back to step 1 of 5" in reset["content"]
    assert reset["flags"] & 64
    assert "your step 1 of 5" in (await today(club, club.runner))["title"]
    assert await stored(club) == []

    await climb_to_step_two(club, club.runner)
    await set_club(club, routine_slug="gmed-isolation")
    plan = await today(club, club.runner)
    assert "Glute med isolation · your step 1 of 4" in plan["title"]


def own_step(index: int) -> str:
    step = FIVE.step(index)
    often = "once a week" if step.sessions_per_week == 1 else f"{step.sessions_per_week} days a week"
    return f"step {index + 1} of 5: about {minutes_for(step.seconds)} min, {often}"


async def climb_to(club: Club, user: FakeMember, index: int) -> None:
    for _ in range(index):
        await log_and_feel(club, user, "easy")
        answer = await log_and_feel(club, user, "easy")
        await club.click(user, custom_ids(answer)[0])


async def test_feel_replies_state_the_members_own_time_and_days(club: Club) -> None:
    first = await log_and_feel(club, club.runner, "right")
    assert f"Stay on {own_step(0)}" in first["content"]
    assert "Times include rests †" in first["content"]
    await climb_to(club, club.runner, 3)
    right = await log_and_feel(club, club.runner, "right")
    assert f"Stay on {own_step(3)}" in right["content"]
    assert "2 days a week" in right["content"]
    plan = await today(club, club.runner)
    assert f"about {minutes_for(FIVE.step(3).seconds)} min · 2 days a week" in plan["description"]


async def test_hard_at_the_first_step_offers_easier_forms_and_no_step_back(club: Club) -> None:
    hard = await log_and_feel(club, club.runner, "hard")
    text = hard["content"]
    assert f"You are on {own_step(0)}" in text
    assert "the first step, so there is no step back" in text
    assert "takes you a step back" not in text
    for slug in ("bent-knee-plank", "glute-bridge", "reverse-lunge", "runners-arabesque"):
        card = CONTENT.exercise(slug)
        linked = CONTENT.exercises.get(card.easier or "")
        assert (linked.name if linked else card.easier) in text, slug
    assert "Hold for 5 s † instead of 10." in text
    assert "It hurt" in text
    # A step up, hard once: now the step back is real, and said.
    await climb_to(club, club.runner, 1)
    later = await log_and_feel(club, club.runner, "hard")
    assert "another hard week takes you a step back" in later["content"]


async def test_it_hurt_stops_the_move_and_changes_nothing(club: Club) -> None:
    await climb_to_step_two(club, club.runner)
    before = [(r.step, r.easy_weeks, r.hard_weeks, r.last_week) for r in await stored(club)]
    reply = await club.slash(club.runner, "checkin", kind="routine")
    hurt = await club.click(club.runner, feel_id(reply, "hurt"))
    assert hurt["flags"] & 64
    assert "Stop the move that hurt" in hurt["content"]
    assert "physio or doctor" in hurt["content"]
    assert f"you stay on {own_step(1)}" in hurt["content"]
    assert "step back" not in hurt["content"]
    assert ".)" not in hurt["content"]
    assert [(r.step, r.easy_weeks, r.hard_weeks, r.last_week) for r in await stored(club)] == before
    stranger = await club.click(club.other, feel_id(reply, "hurt"))
    assert "someone else's" in stranger["content"]
    # The week's feel can still be given after "it hurt".
    right = await club.click(club.runner, feel_id(reply, "right"))
    assert f"Stay on {own_step(1)}" in right["content"]


async def test_extra_sessions_count_only_within_the_members_own_plan(club: Club) -> None:
    # The base step is once a week: an extra session earns nothing, and the plan says the week is done.
    await club.slash(club.runner, "checkin", kind="routine")
    extra = await club.slash(club.runner, "checkin", kind="extra")
    assert "Not counted" in extra["content"]
    assert "once a week" in extra["content"]
    assert await count_rows(club, "extra") == 0
    done = embed_text({"embeds": [await today(club, club.runner)]})
    assert "that is this week's routine done" in done
    assert "another day" not in done

    # Step 4 asks for 2 days a week: one extra counts, a second on another day of the same week does not.
    await climb_to(club, club.runner, 3)
    while club.clock.now().weekday() != 0:  # the club week starts on Monday
        club.clock.advance(timedelta(days=1))
    await club.slash(club.runner, "checkin", kind="routine")
    plan = embed_text({"embeds": [await today(club, club.runner)]})
    assert "Your step has 2 days a week: do it again on another day" in plan
    club.clock.advance(timedelta(days=2))
    assert "Counted: extra" in (await club.slash(club.runner, "checkin", kind="extra"))["content"]
    club.clock.advance(timedelta(days=2))
    second = await club.slash(club.runner, "checkin", kind="extra")
    assert "Not counted" in second["content"]
    assert "room for 1 extra session" in second["content"]
    assert await count_rows(club, "extra") == 1

    # A weak self-test adds its plan's days: two extras a week for Ben, on the base step.
    _message = await club.fake.slash(club.guild.id, club.other.id, "test hip-drop")
    ids = custom_ids(await _message.final())
    await club.click(club.other, next(i for i in ids if i.endswith(":l:hip-drops")))
    club.clock.advance(timedelta(days=7))
    while club.clock.now().weekday() != 0:
        club.clock.advance(timedelta(days=1))
    for day in range(3):
        answer = await club.slash(club.other, "checkin", kind="extra")
        assert ("Counted: extra" in answer["content"]) == (day < 2), answer["content"]
        club.clock.advance(timedelta(days=1))
    assert await count_rows(club, "extra") == 3


async def test_defect_f_an_undone_check_in_takes_its_feel_answer_back_and_a_week_counts_once(club: Club) -> None:
    await log_and_feel(club, club.runner, "easy")  # week 1: easy
    reply = await club.slash(club.runner, "checkin", kind="routine")  # week 2
    offered = await club.click(club.runner, feel_id(reply, "easy"))
    assert "step" in offered["content"].lower()  # two easy weeks: the next step is offered
    assert "Undone" in (await club.slash(club.runner, "undo"))["content"]
    [row] = await stored(club)
    assert (row.easy_weeks, row.offered_step) == (1, None), "the undone week's answer still counts"
    # The old reply's button now answers for week 1 again, which was answered already.
    await club.click(club.runner, feel_id(reply, "easy"))
    [row] = await stored(club)
    assert row.easy_weeks == 1, "week 1 was counted twice"
    # Week 2 logged again and answered again: it counts once.
    again = await club.slash(club.runner, "checkin", kind="routine")
    await club.click(club.runner, feel_id(again, "easy"))
    await club.click(club.runner, feel_id(again, "easy"))
    [row] = await stored(club)
    assert (row.easy_weeks, row.offered_step) == (2, 1)
