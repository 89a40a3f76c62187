"""``gluteclub playground``: migrate a SQLite file, start the fake Discord and the bot, serve the page."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import tempfile
import webbrowser
from pathlib import Path

from bot.content.loader import check_content
from bot.playground.clock import ShiftedClock
from bot.playground.fake import FakeDiscord
from bot.playground.page import serving
from bot.playground.session import playground_settings, running_playground


async def serve_playground(
    data_dir: Path, content_dir: Path | None, port: int, open_browser: bool, stop: asyncio.Event | None = None
) -> None:
    """Run until ``stop`` is set (or SIGINT/SIGTERM); prints the page's URL."""
    from bot.__main__ import migrate_in_child

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    # No deadline on answers: a busy machine must not turn the playground's clicks into errors.
    async with FakeDiscord(interaction_deadline=None, keep_attachments=True, control_api=False) as fake:
        settings = playground_settings(fake, data_dir, content_dir)
        problems = check_content(settings.content_dir)
        if not problems and not await asyncio.to_thread(migrate_in_child, settings.db_url):
            problems = ["the database migration failed (see the log above)"]
        async with running_playground(settings, fake, ShiftedClock(), problems) as playground, serving(
            playground, port
        ) as url:
            print(f"Playground: {url}  (data in {data_dir}; Ctrl+C stops it)", flush=True)
            if open_browser:
                with contextlib.suppress(Exception):
                    webbrowser.open(url)
            await stop.wait()


def cmd_playground(port: int, open_browser: bool, data_dir: Path | None, content_dir: Path | None) -> int:
    from bot.__main__ import _configure_logging

    _configure_logging("WARNING")
    try:
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True)
            asyncio.run(serve_playground(data_dir.resolve(), content_dir, port, open_browser))
        else:
            with tempfile.TemporaryDirectory(prefix="gluteclub-playground-") as tmp:
                asyncio.run(serve_playground(Path(tmp), content_dir, port, open_browser))
    except KeyboardInterrupt:
        pass
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
