"""Progression by feel: Easy / Just right / Hard under a routine check-in, per member, across restarts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.cogs.common import button_row_view
from bot.cogs.progression import feel_view, make_progression_buttons
from bot.content import load_content
from bot.content.schema import minutes_for
from bot.core.progression import Feel
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import MemberProgression
from tests.e2e.conftest import Club, custom_ids, embed_text
from tests.e2e.test_checkins import set_club
from tests.fakediscord.models import FakeMember

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
        built = button_row_view(*(feel_button(user_id, feel.value) for feel in Feel)).to_components()
        assert feel_view(user_id, feel_button).to_components() == built
    assert [b["label"] for b in built[0]["components"]] == ["Easy", "Just right", "Hard"]


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
    assert custom_ids(reply) == [f"gc:feel:{club.runner.id}:{f}" for f in ("easy", "right", "hard")]
    labels = [c["label"] for row in reply["components"] for c in row["components"]]
    assert labels == ["Easy", "Just right", "Hard"]
    # The Done button's reply carries them too, for whoever pressed it.
    plan = await club.slash(club.other, "glutes today")
    done = next(i for i in custom_ids(plan) if i.startswith("gc:done:"))
    pressed = await club.click(club.other, done)
    assert custom_ids(pressed) == [f"gc:feel:{club.other.id}:{f}" for f in ("easy", "right", "hard")]


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
    assert "15 reps per leg" in embed_text({"embeds": [top]})
    assert "10 × 10 s hold" in embed_text({"embeds": [top]})
    assert "3 days a week" in top["description"]


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
