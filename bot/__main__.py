"""Entry point: ``gluteclub`` / ``python -m bot`` with run, migrate, check-content, sync-commands, render-figures."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import discord
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bot.app import GluteBot, ShardedGluteBot, create_bot, point_discord_at
from bot.content.loader import Content, ContentError, check_content, load_content
from bot.core.clock import Clock, SystemClock
from bot.db.engine import make_session_factory, open_engine, wait_for_database
from bot.ops.metrics import BotMetrics
from bot.services import Services
from bot.settings import TOKEN_HELP, Settings

log = logging.getLogger("bot")


@asynccontextmanager
async def build_bot(
    settings: Settings, *, clock: Clock | None = None, start_jobs: bool = True, content: Content | None = None
) -> AsyncIterator[GluteBot | ShardedGluteBot]:
    """The one startup path: engine → content → services → bot; everything released on exit.

    ``content`` is read from ``settings.content_dir`` unless given (already loaded from there).
    """
    content = content if content is not None else load_content(settings.content_dir)
    point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    # Counted only where /healthz and /metrics are served (HEALTH_PORT), and only by a bot that serves.
    metrics = BotMetrics() if settings.health_port is not None and start_jobs else None
    async with open_engine(settings.db_url) as engine:
        if metrics is not None:
            metrics.count_database_errors(engine)
            metrics.count_rate_limits()
        try:
            services = Services.build(content, make_session_factory(engine), clock or SystemClock(), settings)
            bot = create_bot(settings, services, start_jobs=start_jobs, metrics=metrics)
            async with bot:
                yield bot
        finally:
            if metrics is not None:
                metrics.stop_counting()


async def serve(settings: Settings, token: str) -> None:
    async with build_bot(settings) as bot:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            # SIGTERM (docker stop, systemd) closes the gateway, scheduler and pool cleanly.
            loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
        await bot.start(token)


async def push_commands(settings: Settings, token: str) -> int:
    async with build_bot(settings, start_jobs=False) as bot:
        await bot.login(token)
        synced = await bot.sync_commands()
    where = f"guild {settings.dev_guild_id}" if settings.dev_guild_id else "all guilds (global)"
    print(f"Synced {len(synced)} commands to {where}.")
    return 0


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _require_token(settings: Settings) -> str | None:
    token = settings.token_or_none()
    if token is None:
        print(f"error: {TOKEN_HELP}", file=sys.stderr)
    return token


def _configure_logging(level: str) -> None:
    discord.utils.setup_logging(level=getattr(logging, level, logging.INFO), root=True)
    # The database layers log every statement with its parameters and result rows at DEBUG, and
    # those hold names and ids: they stay at WARNING whatever LOG_LEVEL says.
    for name in ("sqlalchemy", "aiosqlite", "asyncpg"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


def cmd_run(settings: Settings) -> int:
    token = _require_token(settings)
    if token is None:
        return 2
    _configure_logging(settings.log_level)
    problems = check_content(settings.content_dir)
    if problems:
        for problem in problems:
            print(f"content error: {problem}", file=sys.stderr)
        return 1
    if not _database_answers(settings):
        return 1
    log.info("applying migrations to %s", _safe_url(settings.db_url))
    if not migrate_in_child(settings.db_url):
        print("error: the database migration failed (see the log above).", file=sys.stderr)
        return 1
    try:
        asyncio.run(serve(settings, token))
    except discord.LoginFailure:
        print("error: Discord refused the token (DISCORD_TOKEN). Reset it in the developer portal.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def _upgrade(url: str) -> None:
    from bot.db import migrate  # Alembic is imported only where migrations run

    migrate.upgrade(url)


def migrate_in_child(url: str) -> bool:
    """Apply migrations in a short-lived child process, so Alembic never stays in the serving process's memory."""
    import os
    import subprocess

    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, check=False).returncode == 0


def _database_answers(settings: Settings) -> bool:
    """Wait (with backoff) for the database; one clear line and no traceback when it never answers."""
    error = asyncio.run(wait_for_database(settings.db_url, settings.db_connect_attempts, settings.db_connect_delay))
    if error is None:
        return True
    reason = f"{type(error).__name__}: {error}".splitlines()[0][:300]
    print(
        f"error: the database {_safe_url(settings.db_url)} did not answer after {settings.db_connect_attempts} "
        f"attempt(s) ({reason}). Check DATABASE_URL and that the server is running.",
        file=sys.stderr,
    )
    return False


def cmd_migrate(settings: Settings) -> int:
    if not _database_answers(settings):
        return 1
    _upgrade(settings.db_url)
    print(f"Database is up to date: {_safe_url(settings.db_url)}")
    return 0


def cmd_check_content(settings: Settings) -> int:
    problems = check_content(settings.content_dir)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {settings.content_dir}", file=sys.stderr)
        return 1
    content = load_content(settings.content_dir)
    print(
        f"Content OK: {len(content.exercises)} exercises, {len(content.routines)} routines, "
        f"{len(content.selftests)} self-tests."
    )
    return 0


def cmd_sync_commands(settings: Settings) -> int:
    token = _require_token(settings)
    if token is None:
        return 2
    _configure_logging(settings.log_level)
    if not _database_answers(settings):
        return 1
    _upgrade(settings.db_url)  # the pushed tree's hash is stored in the database
    return asyncio.run(push_commands(settings, token))


def cmd_render_figures(settings: Settings, out_dir: Path) -> int:
    """Every exercise and self-test figure as a PNG, and all of them on contact-sheet.png."""
    from bot.pictures.figures import contact_sheet_png, figure_png

    content = load_content(settings.content_dir)
    poses = content.poses
    if poses is None:
        print("error: no poses in the content", file=sys.stderr)
        return 1
    out_dir.mkdir(parents=True, exist_ok=True)
    sheet = []
    for kind, items, figures_of in (
        ("exercise", content.exercises, poses.exercises),
        ("test", content.selftests, poses.selftests),
    ):
        for slug, item in items.items():
            figure = figures_of[slug]
            (out_dir / f"{kind}-{slug}.png").write_bytes(figure_png(figure, poses.skeleton, item.name))
            sheet.append((item.name if kind == "exercise" else f"Test: {item.name}", figure))
    (out_dir / "contact-sheet.png").write_bytes(contact_sheet_png(sheet, poses.skeleton))
    print(f"Wrote {len(sheet)} figures and contact-sheet.png to {out_dir}")
    return 0


def _catalogue_templates() -> dict:
    from bot.discord_ui.translator import cog_commands, command_extras
    from bot.i18n.catalogues import extract

    return extract(command_extras(cog_commands()))


def cmd_update_catalogues(settings: Settings) -> int:
    """Extract every message, write the templates and bring each language's catalogue up to date."""
    from bot.i18n.catalogues import check, update, write_templates

    templates = _catalogue_templates()
    write_templates(templates)
    written = update(templates)
    problems = check(templates)
    print(f"Updated {len(written)} catalogue file(s); {len(problems)} message(s) still to translate.")
    return 0


def cmd_check_catalogues(settings: Settings) -> int:
    """Every language's catalogues hold every message, translated, with the same placeholders."""
    from bot.i18n.catalogues import check

    problems = check(_catalogue_templates())
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in the catalogues", file=sys.stderr)
        return 1
    print("Catalogues OK.")
    return 0


COMMANDS = {
    "run": cmd_run,
    "update-catalogues": cmd_update_catalogues,
    "check-catalogues": cmd_check_catalogues,
    "migrate": cmd_migrate,
    "check-content": cmd_check_content,
    "sync-commands": cmd_sync_commands,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gluteclub", description="The gluteclub Discord bot.")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=sorted([*COMMANDS, "render-figures", "playground"]),
        help="run (default: migrate, then start the bot), migrate, check-content, sync-commands, "
        "update-catalogues, check-catalogues (the languages' message catalogues), render-figures OUT_DIR, "
        "playground (the bot against a local Discord, in the browser; no token)",
    )
    parser.add_argument("out_dir", nargs="?", type=Path, help="render-figures: where to write the PNG files")
    playground = parser.add_argument_group("playground")
    playground.add_argument("--port", type=int, default=8765, help="the page's port on 127.0.0.1 (default 8765)")
    playground.add_argument("--open", action="store_true", help="open the page in a browser")
    playground.add_argument("--data-dir", type=Path, help="keep the SQLite database here (default: a temporary one)")
    playground.add_argument("--content", type=Path, help="a content folder to try (default: the bundled content)")
    args = parser.parse_args(argv)
    if args.command == "playground":
        from bot.playground.main import cmd_playground

        return cmd_playground(args.port, args.open, args.data_dir, args.content)
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).upper()
            print(f"error: setting {field}: {error['msg']}", file=sys.stderr)
        return 2
    if (args.command == "render-figures") != (args.out_dir is not None):
        parser.error("OUT_DIR goes with render-figures, and only with it")
    try:
        if args.command == "render-figures":
            return cmd_render_figures(settings, args.out_dir)
        return COMMANDS[args.command](settings)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"content error: {problem}", file=sys.stderr)
        return 1


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
