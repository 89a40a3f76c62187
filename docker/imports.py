"""Import what the bot and the chart worker import, and draw a chart: run twice in the image's build stage.

Before the trims are final it leaves bytecode for exactly these modules (the bytecode that is kept); after the
pure-Python packages moved into the zip (docker/zip_packages.py) it checks that everything still imports and draws.
"""

import importlib
import pkgutil
from datetime import date

import matplotlib

import bot

matplotlib.use("Agg")

for module in pkgutil.walk_packages(bot.__path__, "bot."):
    if "_migrations" not in module.name:
        importlib.import_module(module.name)
for name in ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.dates", "matplotlib.patches",
             "matplotlib.colors", "PIL.Image", "PIL.ImageDraw", "PIL.ImageFont",
             "sqlalchemy.dialects.postgresql.asyncpg", "sqlalchemy.dialects.sqlite.aiosqlite",
             "apscheduler.triggers.cron", "apscheduler.triggers.date", "apscheduler.triggers.interval"):
    importlib.import_module(name)
importlib.import_module("PIL.Image").preinit()

from bot.pictures import charts  # noqa: E402

week = date(2026, 1, 5)
png = charts.club_chart_png(charts.ClubWeeks(1, "Club", [week], [3], [12]))
assert png.startswith(b"\x89PNG"), "the chart is not a PNG"

# Every catalogue language writes its numbers and dates from the locale data the build kept.
from bot.i18n import Languages  # noqa: E402

languages = Languages()
for code in languages.codes:
    texts = languages.texts(code)
    if not (texts.weekday(0) and texts.day_month(week) and texts.number(1234.5)):
        raise SystemExit(f"no locale data for {code}")
