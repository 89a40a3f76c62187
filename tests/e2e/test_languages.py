"""Languages through the real bot and the fake Discord: the pushed commands carry their translations, a member
reads private answers in their own language, a club's posts go out in the club's language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.discord_ui.translator import CatalogueTranslator
from bot.i18n import Languages
from tests.e2e.conftest import Club, content_for, custom_ids, embed_text, new_club
from tests.fakediscord import FakeDiscord
from tests.i18n.test_languages import write_po


async def setup(club: Club, locale: str = "en-US", **overrides: str) -> dict:
    options = {"channel": club.guild.text_channel_id, "day": "monday", "time": "07:00",
               "timezone": "Europe/London", **overrides}
    return await club.slash(club.admin, "club setup", locale=locale, **options)


def components(message: dict) -> list[dict]:
    return [c for row in message.get("components") or [] for c in row.get("components", [])]


async def test_the_pushed_commands_carry_their_translations(club: Club) -> None:
    glutes = next(c for c in club.fake.commands if c["name"] == "glutes")
    assert glutes["name_localizations"]["de"] == "gesäß"
    assert glutes["name_localizations"]["fr"] == "fessiers"
    assert glutes["name_localizations"]["es-ES"] == "glúteos"
    assert set(glutes["description_localizations"]) >= {"de", "fr", "es-ES"}
    assert "en-US" not in glutes["name_localizations"]


async def test_a_changed_translation_changes_the_push_fingerprint(club: Club, tmp_path: Path) -> None:
    assert club.bot is not None
    before = await club.bot.command_fingerprint()
    assert before == await club.bot.command_fingerprint()
    write_po(tmp_path, "de", '''
msgctxt "command-name"
msgid "glutes"
msgstr "po"
''')
    await club.bot.tree.set_translator(CatalogueTranslator(Languages(tmp_path)))
    assert await club.bot.command_fingerprint() != before


async def test_a_german_member_reads_today_the_card_and_the_check_in_in_german(club: Club) -> None:
    today = await club.slash(club.runner, "glutes today", locale="de")
    text = embed_text(today)
    assert "Diese Woche:" in text
    assert "Wie es sich steigert" in text
    [done] = [c for c in components(today) if c["custom_id"].startswith("gc:done:")]
    assert done["label"] == "Erledigt ✅"
    # The routine picture's alt text numbers the moves as the German list does.
    [strip] = today["attachments"]
    assert strip["description"].startswith("Die Übungen der Routine nebeneinander, nummeriert wie in der Liste: 1. ")
    for name in (f["name"] for f in today["embeds"][0]["fields"] if f["name"][:1].isdigit()):
        assert name in strip["description"]

    card = await club.slash(club.runner, "glutes exercise", locale="de", name="clamshell")
    text = embed_text(card)
    assert "**Umfang:**" in text
    assert "So geht’s" in text
    # A command named in a German text is named as a German Discord lists it.
    assert "/gesäß sicherheit" in text
    assert "/glutes safety" not in text
    [figure] = card["attachments"]
    assert figure["description"].startswith(f"Figur zu {card['embeds'][0]['title']}, "), "the figure's alt text too"
    assert "Figure of" not in figure["description"]

    reply = await club.click(club.runner, done["custom_id"], locale="de")
    assert "Gezählt: Wochenroutine (+10)." in reply["content"]
    assert "Wie hat es sich angefühlt?" in reply["content"]
    assert "Serie: 1 Woche" in reply["content"]
    labels = [c["label"] for c in components(reply)]
    assert labels[:3] == ["Leicht", "Genau richtig", "Schwer"]
    assert any(c.startswith("gc:feel:") for c in custom_ids(reply))

    me = await club.slash(club.runner, "me", locale="de")
    [calendar] = me["attachments"]
    assert calendar["filename"] == "me.png"
    assert calendar["description"].startswith("Die letzten 12 Wochen von "), "the /me card's alt text is German"
    assert ": 1 Tag mit Routine. Aktuelle Wochenserie 1, Rekord 1." in calendar["description"]


async def test_a_member_in_a_language_without_a_catalogue_reads_english(club: Club) -> None:
    today = await club.slash(club.runner, "glutes today", locale="ja")
    assert "This week:" in embed_text(today)
    done = next(c for c in custom_ids(today) if c.startswith("gc:done:"))
    reply = await club.click(club.runner, done, locale="ja")
    assert "Counted: weekly routine (+10)." in reply["content"]
    assert "How did it feel?" in reply["content"]


async def test_an_error_in_the_members_language(club: Club) -> None:
    german = await setup(club, locale="de", time="25:00")
    assert german["content"] == "`25:00` ist keine Uhrzeit: Stunden gehen von 00–23, Minuten von 00–59."
    english = await setup(club, time="25:00")
    assert "hours go 00–23" in english["content"]


async def test_club_setup_language_then_the_weekly_post_goes_out_in_french(club: Club) -> None:
    setup_command = next(c for c in club.fake.commands if c["name"] == "club")
    options = next(o for o in setup_command["options"] if o["name"] == "setup")["options"]
    language = next(o for o in options if o["name"] == "language")
    assert {c["value"]: c["name"] for c in language["choices"]} == {
        "de": "Deutsch", "en": "English", "es": "español", "fr": "français"}

    saved = await setup(club, language="fr")
    assert "Saved" in saved["content"]  # the admin's own language
    assert "français" in saved["content"]
    shown = await club.slash(club.admin, "club show")
    assert "**Language of the posts:** français" in embed_text(shown)

    posted = await club.slash(club.admin, "club post-now")
    assert "Posted" in posted["content"]
    [post] = club.fake.channel_messages(club.guild.text_channel_id)
    text = embed_text(post)
    assert post["embeds"][0]["title"].startswith("Routine fessiers : ")
    assert "C’est fait ?" in text
    assert "Appuie sur **Fait ✅** ci-dessous (+10 points)." in text
    [done] = [c for c in components(post) if c["custom_id"].startswith("gc:done:")]
    assert done["label"] == "Fait ✅"
    [strip] = post["attachments"]
    assert strip["description"].startswith("Les exercices de la routine côte à côte, numérotés comme dans la liste")

    # A member with their own language still gets the answer in theirs; one without, in the club's.
    english = await club.click(club.runner, done["custom_id"], locale="en-GB")
    assert "Counted" in english["content"]
    unknown = await club.click(club.other, done["custom_id"], locale="ja")
    assert "Compté : routine de la semaine (+10)." in unknown["content"]


async def test_a_spanish_server_gets_its_board_post_in_spanish(fake: FakeDiscord, db_url: str) -> None:
    club = new_club(fake, db_url)
    club.guild.locale = "es-ES"
    await club.start()
    try:
        saved = await setup(club, leaderboard_day="monday", leaderboard_time="08:00")
        assert "Saved" in saved["content"]  # the admin reads English: their own locale
        today = await club.slash(club.runner, "glutes today")
        done = next(c for c in custom_ids(today) if c.startswith("gc:done:"))
        await club.click(club.runner, done)

        assert club.bot is not None
        club.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
        result = await club.bot.shared["club_jobs"].run(club.guild.id, "leaderboard")
        assert result is not None
        assert result.status == "sent", result
        [post] = club.fake.channel_messages(club.guild.text_channel_id)
        title = post["embeds"][0]["title"]
        assert title.startswith("Clasificación de la semana pasada · Semana del 16 nov")
        assert "ann" in post["embeds"][0]["description"]
        assert "10 pts · 1 rutina" in post["embeds"][0]["description"]
        # The chart under the board, and its alt text, in the club's language.
        [chart] = post["attachments"]
        assert chart["filename"] == "club-weeks.png"
        assert chart["description"].startswith("Gráfico de las últimas 12 semanas del club, del "), chart
        assert "(la semana pasada 1, con un máximo de 1 la semana del 16 nov)" in chart["description"]
        assert "una línea para los puntos en total (la semana pasada 10)." in chart["description"]
    finally:
        await club.stop()


async def test_a_value_that_is_no_choice_is_refused_with_the_choices_as_the_member_sees_them(club: Club) -> None:
    german = await club.slash(club.runner, "leaderboard", locale="de", period="decade")
    assert german["content"] == (
        "Wähle für `zeitraum` eines davon: `diese Woche`, `letzte Woche`, `dieser Monat`, `gesamte Zeit`.")


async def test_the_admin_is_told_of_a_post_on_hold_in_the_clubs_language(club: Club) -> None:
    await setup(club, language="fr")
    channel_posts = rf"^/channels/{club.guild.text_channel_id}/messages$"
    club.fake.fail("POST", channel_posts, status=404, json={"message": "Unknown Channel", "code": 10003}, times=None)
    assert club.bot is not None
    club.clock.set(datetime(2026, 11, 23, 7, 0, 5, tzinfo=UTC))
    result = await club.bot.shared["club_jobs"].run(club.guild.id, "routine")
    assert getattr(result, "status", None) == "failed"
    [dm] = club.fake.dm_messages(club.admin.id)
    assert "Les publications de **Riverside Runners** sont suspendues" in dm["content"]


async def test_a_french_card_says_where_the_article_gives_the_exercise_in_french(club: Club) -> None:
    card = await club.slash(club.runner, "glutes exercise", locale="fr", name="side-lying hip circles")
    text = embed_text(card)
    assert "**Source :** article 000 cite les cercles de hanche sur le côté" in text
    assert "_(article 000 : dix cercles vers l’avant et dix vers l’arrière" in text
    english = content_for(club.settings).exercises["side-lying-hip-circles"]
    for statement in (english.source, english.dose.source):
        assert statement[4:] not in text, "no English source statement on a French card"
    assert "names side-lying" not in text
