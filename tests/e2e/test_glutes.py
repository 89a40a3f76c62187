"""`/glutes …` through the real discord.py client and the fake Discord."""

from __future__ import annotations

import re

from bot.content import load_content
from bot.content.schema import REST_NOTE, SUGGESTED_LEGEND, minutes_for
from tests.e2e.conftest import Club, custom_ids, embed_text
from tests.fakediscord import CallbackType


async def test_glutes_today_replies_with_this_weeks_routine(club: Club) -> None:
    ix = await club.fake.slash(club.guild.id, club.runner.id, "glutes today")
    first = await ix.response()
    assert first["type"] == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    message = await ix.final()
    text = embed_text(message)
    for name in ("Bent-knee plank", "Glute bridge", "Reverse lunge", "Runner's arabesque"):
        assert name in text
    assert "10 × 10 s hold" in text
    assert "10 reps per leg" in text
    # The time is computed from the doses with rests between the ten plank holds, and says so.
    base = load_content().default_routine().step(0)
    assert f"about {minutes_for(base.seconds)} min · once a week" in text
    assert REST_NOTE in message["embeds"][0]["footer"]["text"]
    assert "five minutes" not in message["embeds"][0]["description"].lower()
    # Each line names the article behind its dose, like the cards do.
    assert text.count("_(article 004)_") == 4
    assert "your step 1 of 5" in message["embeds"][0]["title"]
    assert message["flags"] & 64, "the personal plan is ephemeral"
    assert "gc:done:routine" in custom_ids(message)
    assert load_content().guide.caution in message["embeds"][0]["footer"]["text"]


async def test_commands_are_synced_once_with_the_expected_names(club: Club) -> None:
    names = {c["name"] for c in club.fake.commands}
    assert {"glutes", "checkin", "leaderboard", "me", "privacy", "test", "undo"} <= names
    glutes = next(c for c in club.fake.commands if c["name"] == "glutes")
    assert {o["name"] for o in glutes["options"]} == {"today", "exercise", "list", "why", "safety", "progression"}
    puts = [c for c in club.fake.calls if c.method == "PUT" and "commands" in c.path]
    assert len(puts) == 1


async def test_exercise_autocomplete_for_clam(club: Club) -> None:
    ix = await club.fake.autocomplete(club.guild.id, club.runner.id, "glutes exercise", focused="name", value="clam")
    response = await ix.response()
    choices = response["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert choices[0]["value"] == "clams"


async def test_autocomplete_never_exceeds_25_choices(club: Club) -> None:
    ix = await club.fake.autocomplete(club.guild.id, club.runner.id, "glutes exercise", focused="name", value="")
    assert len((await ix.response())["data"]["choices"]) == 25
    ix = await club.fake.autocomplete(
        club.guild.id, club.runner.id, "glutes exercise", focused="name", value="x" * 100
    )
    assert len((await ix.response())["data"]["choices"]) <= 25


async def test_exercise_by_alias_shows_steps_dose_and_safety(club: Club) -> None:
    message = await club.slash(club.runner, "glutes exercise", name="clamshell")
    text = embed_text(message)
    assert message["embeds"][0]["title"] == "Clams"
    for heading in ("How to", "Cues", "Safety", "Dose"):
        assert heading in text
    assert sum(len(f["value"]) for f in message["embeds"][0]["fields"]) < 6000


async def test_misspelt_exercise_gets_did_you_mean(club: Club) -> None:
    message = await club.slash(club.runner, "glutes exercise", name="glute brigde")
    assert "Did you mean" in message["content"]
    assert "Glute bridge" in message["content"]
    assert message["flags"] & 64


async def test_huge_unknown_name_gets_a_short_friendly_reply(club: Club) -> None:
    message = await club.slash(club.runner, "glutes exercise", name="zq" * 2000)
    assert "don't know an exercise" in message["content"]
    assert len(message["content"]) < 300


async def test_list_paginates_with_buttons(club: Club) -> None:
    message = await club.slash(club.runner, "glutes list")
    assert "Page 1/" in embed_text(message)
    next_id = next(c for c in custom_ids(message) if c.endswith(":next"))
    ix = await club.fake.click(next_id, club.runner.id, club.guild.id)
    page = await ix.response()
    assert page["type"] == CallbackType.UPDATE_MESSAGE
    assert "Page 2/" in page["data"]["embeds"][0]["footer"]["text"]
    first_names = message["embeds"][0]["description"]
    assert page["data"]["embeds"][0]["description"] != first_names


async def test_list_filters_by_equipment(club: Club) -> None:
    message = await club.slash(club.runner, "glutes list", equipment="band")
    description = message["embeds"][0]["description"]
    assert "band" in description.lower()
    assert "Bent-knee plank" not in description


async def test_why_has_the_disclaimer(club: Club) -> None:
    guide = load_content().guide
    message = await club.slash(club.runner, "glutes why")
    text = embed_text(message)
    assert "medical" in text.lower()
    assert message["flags"] & 64
    assert guide.disclaimer in text
    assert guide.screening
    assert guide.screening in text
    assert guide.facts[0] in text
    assert guide.caution in message["embeds"][0]["footer"]["text"]


async def test_safety_has_disclaimer_screening_and_after_run_stretches(club: Club) -> None:
    content = load_content()
    guide = content.guide
    message = await club.slash(club.runner, "glutes safety")
    assert message["flags"] & 64
    text = embed_text(message)
    for part in (guide.disclaimer, guide.screening, guide.after_run, guide.sitting):
        assert part
        assert part in text
    for slug in guide.after_run_stretches:
        stretch = content.exercise(slug)
        assert f"{stretch.name}** · {stretch.dose.render()}" in text
    # The stop rule once: the description says it; no footer repeats it and the disclaimer leaves it out.
    assert "footer" not in message["embeds"][0]
    assert text.count("Stop if") == 1
    assert guide.caution in message["embeds"][0]["description"]


async def test_every_exercise_card_says_when_to_stop_once_and_marks_a_chosen_dose(club: Club) -> None:
    content = load_content()
    for exercise in content.exercises.values():
        message = await club.slash(club.runner, "glutes exercise", name=exercise.slug)
        embed = message["embeds"][0]
        footer = embed["footer"]["text"]
        stops = [line for line in exercise.safety if "stop" in line.lower()]
        assert (content.guide.caution in footer) == (not stops), exercise.slug
        assert "Stop" not in footer or not stops, exercise.slug
        marked = "†" in embed_text(message).replace(footer, "")
        assert (SUGGESTED_LEGEND in footer) == marked, exercise.slug
        assert not re.search(r"[.,;:!?]\s*[.,;:!?]|\.\)", embed_text(message)), exercise.slug
        assert f"**Dose:** {exercise.dose.render()}" in embed["description"]
        assert ("†" in embed["description"]) == exercise.dose.suggested, exercise.slug
        assert exercise.source in embed["description"]


async def test_list_marks_chosen_doses(club: Club) -> None:
    content = load_content()
    message = await club.slash(club.runner, "glutes list", equipment="dumbbell")
    embed = message["embeds"][0]
    assert "†" in embed["description"]
    assert SUGGESTED_LEGEND in embed["footer"]["text"]
    for line in embed["description"].splitlines():
        name = line.split("**")[1]
        exercise = next(e for e in content.exercises.values() if e.name == name)
        assert ("†" in line) == exercise.dose.suggested


async def test_today_after_the_routine_names_the_after_run_stretches_and_marks_them(club: Club) -> None:
    content = load_content()
    await club.slash(club.runner, "checkin", kind="routine")
    message = await club.slash(club.runner, "glutes today")
    embed = message["embeds"][0]
    done = next(f for f in embed["fields"] if f["name"].startswith("✅"))
    assert "Stretch after every run" in done["value"]
    for slug in content.guide.after_run_stretches:
        assert content.exercise(slug).dose.render() in done["value"]
    assert SUGGESTED_LEGEND in embed["footer"]["text"]
    assert embed["footer"]["text"].endswith(content.guide.caution)
