"""Self-tests: start, answer with buttons (as the member and as a stranger), restart, history."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import TestResult
from tests.e2e.conftest import Club, custom_ids, embed_text


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


async def test_weak_answer_is_stored_and_recommends_activation_first(club: Club) -> None:
    _message, ids = await start_test(club, "hamstring-vs-glute")
    left_hamstring = next(i for i in ids if i.endswith(":l:hamstring-first"))
    reply = await club.click(club.runner, left_hamstring)
    text = embed_text(reply)
    assert "Hamstring fired first" in text
    assert reply["flags"] & 64
    order = reply["embeds"][0]["fields"][0]["value"].splitlines()
    types = [line.split("(")[1].split(")")[0] for line in order]
    assert types == sorted(types, key=["activation", "loaded", "stretch"].index)
    results = await stored_results(club)
    assert [(r.test_slug, r.side, r.outcome, r.weak) for r in results] == [
        ("hamstring-vs-glute", "left", "hamstring-first", True)
    ]
    # /glutes today now starts with the matching activation exercise.
    plan = await club.slash(club.runner, "glutes today")
    first_field = plan["embeds"][0]["fields"][0]["name"]
    assert "warm-up from your self-test" in first_field


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
    assert "Opposite hip dropped" in embed_text(reply)
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
    assert "Opposite hip dropped" in lines[1]
    me = await club.slash(club.runner, "me")
    assert "Hips stayed level" in embed_text(me)
    board = await club.slash(club.runner, "leaderboard", period="all")
    assert "dropped" not in embed_text(board)
