"""Self-tests: start, answer with buttons (as the member and as a stranger), restart, history."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.content import load_content
from bot.content.schema import SUGGESTED_LEGEND, lead_in_dose, minutes_for, session_seconds
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import TestResult
from tests.e2e.conftest import Club, custom_ids, embed_text
from tests.e2e.test_progression import climb_to_step_two


async def stored_results(club: Club) -> list[TestResult]:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            return list((await session.execute(select(TestResult).order_by(TestResult.id))).scalars())
    finally:
        await engine.dispose()


async def start_test(club: Club, name: str) -> tuple[dict, list[str]]:
    ix = await club.fake.slash(club.guild.id, club.runner.id, f"test {name}")
    message = await ix.final()
    return message, custom_ids(message)


async def test_each_test_shows_steps_and_side_buttons(club: Club) -> None:
    for name in ("hamstring-vs-glute", "single-leg-squat", "hip-drop"):
        message, ids = await start_test(club, name)
        assert message["flags"] & 64
        assert "How to" in embed_text(message)
        assert any(":l:" in i for i in ids)
        assert any(":r:" in i for i in ids)
        assert all(len(i) <= 100 for i in ids)


def minutes_in(text: str) -> int:
    return int(re.search(r"about (\d+) min", text).group(1))  # type: ignore[union-attr]


async def test_weak_answer_is_stored_and_gives_a_staged_plan(club: Club) -> None:
    content = load_content()
    _message, ids = await start_test(club, "hip-drop")
    left = next(i for i in ids if i.endswith(":l:hip-drops"))
    reply = await club.click(club.runner, left)
    embed = reply["embeds"][0]
    assert "(left leg standing): Pelvis dropped" in embed["title"]
    assert reply["flags"] & 64
    routine_field = embed["fields"].pop(0)
    base = content.default_routine().step(0)
    assert f"step 1 of 5: about {minutes_for(base.seconds)} min, once a week" in routine_field["value"]
    names = [f["name"] for f in embed["fields"]]
    # One short lead-in, then this week / when it gets easy / then, each with a frequency and a time.
    assert names[0].startswith("Before your routine · 1 set †, about ")
    assert [n.split(" · ")[0] for n in names[1:]] == ["This week", "When it gets easy", "Then"]
    assert all("a week" in n and "about" in n for n in names[1:])
    assert "in this order" not in embed_text(reply)
    outcome = content.selftest("hip-drop").outcome("hip-drops")
    lead = content.exercise(outcome.lead_in)  # type: ignore[arg-type]
    lead_dose = lead_in_dose(lead.dose)
    assert lead_dose.seconds() < 120
    assert minutes_in(names[0]) == minutes_for(lead_dose.seconds()) <= 2
    assert embed["fields"][0]["value"].startswith(f"**{lead.name}** · {lead_dose.render()}")
    assert "a 10 s hold first" in embed["fields"][0]["value"]
    for field, stage in zip(embed["fields"][1:], outcome.stages, strict=True):
        doses = [content.exercise(s).dose for s in stage.exercises]
        if stage.with_earlier != "adds":
            assert minutes_in(field["name"]) == minutes_for(session_seconds(doses))
        assert len(field["value"].splitlines()) == len(stage.exercises)
        for slug in stage.exercises:
            assert content.exercise(slug).dose.render() in field["value"]
        # The frequency is the bot's own suggestion here, and says so.
        assert ("†" in field["name"]) == stage.per_week_suggested
    footer = embed["footer"]["text"]
    assert content.guide.caution in footer
    assert SUGGESTED_LEGEND in footer
    results = await stored_results(club)
    assert [(r.test_slug, r.side, r.outcome, r.weak) for r in results] == [("hip-drop", "left", "hip-drops", True)]

    # /glutes today now starts with the one-set lead-in, and its time estimate includes it.
    plan = await club.slash(club.runner, "glutes today")
    first = plan["embeds"][0]["fields"][0]
    assert lead.name in first["name"]
    assert "1 set † before the routine" in first["name"]
    assert lead_dose.render() in first["value"]
    routine = content.default_routine().step(0)
    assert minutes_in(plan["embeds"][0]["description"]) == minutes_for(routine.seconds + lead_dose.seconds())
    assert "with the lead-in set" in plan["embeds"][0]["description"]


async def test_test_embeds_say_when_to_stop_once(club: Club) -> None:
    content = load_content()
    caution = content.guide.caution
    for name in ("hamstring-vs-glute", "single-leg-squat", "hip-drop"):
        message, ids = await start_test(club, name)
        # The test's own safety field says when to stop; its footer does not say it again.
        text = embed_text(message)
        assert caution not in text
        assert any("Stop" in line for line in content.selftest(name).safety)
        reply = await club.click(club.runner, ids[0])
        assert caution in reply["embeds"][0]["footer"]["text"], name


async def test_hip_drop_buttons_name_the_standing_leg_and_the_result_the_members_own_step(club: Club) -> None:
    await climb_to_step_two(club, club.runner)
    message, ids = await start_test(club, "hip-drop")
    labels = [c["label"] for row in message["components"] for c in row["components"]]
    assert labels == [
        "Left leg standing: hips stayed level", "Left leg standing: pelvis dropped", "Left leg standing: can't tell",
        "Right leg standing: hips stayed level", "Right leg standing: pelvis dropped",
        "Right leg standing: can't tell",
    ]
    content = load_content()
    step = content.default_routine().step(1)
    level = await club.click(club.runner, next(i for i in ids if i.endswith(":r:level")))
    embed = level["embeds"][0]
    assert embed["title"].startswith("✅ Hip drop (one-leg stand) (right leg standing)")
    [routine] = embed["fields"]
    assert f"step 2 of 5: about {minutes_for(step.seconds)} min, once a week" in routine["value"]
    assert "asks for nothing more" in routine["value"]
    unsure = await club.click(club.runner, next(i for i in ids if i.endswith(":l:cant-tell")))
    assert unsure["embeds"][0]["title"].startswith("❔")
    assert "safe" not in embed_text(unsure).lower()
    history = await club.slash(club.runner, "test history")
    assert "(left leg standing): ❔ Can't tell" in history["embeds"][0]["description"]
    assert "(right leg standing): ✅ Hips stayed level" in history["embeds"][0]["description"]
    assert "✅ Can't tell" not in history["embeds"][0]["description"]


async def test_stranger_cannot_press_and_nothing_is_stored(club: Club) -> None:
    _message, ids = await start_test(club, "hip-drop")
    reply = await club.click(club.other, ids[0])
    assert "someone else's self-test" in reply["content"]
    assert reply["flags"] & 64
    assert await stored_results(club) == []


async def test_stale_press_gets_a_clear_reply(club: Club) -> None:
    _message, ids = await start_test(club, "single-leg-squat")
    right = [i for i in ids if ":r:" in i]
    await club.click(club.runner, right[0])
    again = await club.click(club.runner, right[1])
    assert "already answered" in again["content"]
    assert len(await stored_results(club)) == 1


async def test_buttons_work_after_a_restart(club: Club) -> None:
    _message, ids = await start_test(club, "hip-drop")
    await club.restart()
    reply = await club.click(club.runner, next(i for i in ids if i.endswith(":l:hip-drops")))
    assert "Pelvis dropped" in embed_text(reply)
    assert len(await stored_results(club)) == 1


async def test_history_shows_change_over_weeks(club: Club) -> None:
    _message, ids = await start_test(club, "hip-drop")
    await club.click(club.runner, next(i for i in ids if i.endswith(":l:hip-drops")))
    club.clock.advance(timedelta(weeks=4))
    _message, ids = await start_test(club, "hip-drop")
    await club.click(club.runner, next(i for i in ids if i.endswith(":l:level")))
    history = await club.slash(club.runner, "test history")
    lines = history["embeds"][0]["description"].splitlines()
    assert "Hips stayed level" in lines[0]
    assert "Pelvis dropped" in lines[1]
    me = await club.slash(club.runner, "me")
    assert "Hips stayed level" in embed_text(me)
    board = await club.slash(club.runner, "leaderboard", period="all")
    assert "dropped" not in embed_text(board)
