"""Run the fake standalone: ``python -m tests.fakediscord --port 0 --guilds N``.

Prints one JSON line (api_base, gateway_url, control_url, ids and the created guilds) to stdout, then serves
until SIGTERM/SIGINT. Drive it through the control API at ``control_url`` (see control.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys

from . import FakeDiscord


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fakediscord", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--guilds", type=int, default=1, help="guilds to create up front")
    parser.add_argument("--members", type=int, default=0, help="extra members per guild")
    parser.add_argument("--shards", type=int, default=1, help="shard count advertised by /gateway/bot")
    parser.add_argument("--token", default=None, help="only accept this bot token (default: any)")
    parser.add_argument("--interaction-deadline", type=float, default=3.0, help="seconds; <= 0 disables")
    parser.add_argument("--rate-limit", type=int, default=None, help="global requests per second")
    parser.add_argument("--echo-messages", action="store_true", help="dispatch MESSAGE_CREATE for bot posts")
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeDiscord(
        shard_count=args.shards,
        token=args.token,
        host=args.host,
        port=args.port,
        interaction_deadline=args.interaction_deadline if args.interaction_deadline > 0 else None,
        echo_messages=args.echo_messages,
    )
    await fake.start()
    if args.rate_limit:
        fake.set_global_rate_limit(args.rate_limit)
    guilds = [fake.add_guild(f"Club {i}", members=args.members) for i in range(args.guilds)]
    info = {
        "api_base": fake.api_base,
        "gateway_url": fake.gateway_url,
        "control_url": fake.control_url,
        "port": fake.port,
        "application_id": str(fake.application_id),
        "bot_user_id": str(fake.bot_user_id),
        "guilds": [
            {"id": str(g.id), "text_channel_id": str(g.text_channel_id), "owner_id": str(g.owner_id)} for g in guilds
        ],
    }
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
