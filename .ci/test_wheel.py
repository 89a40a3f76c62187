"""The wheel on its own: built from the repository, installed into a fresh venv, run from an empty directory.

Run by .ci/run (``python -m pytest .ci/test_wheel.py`` from the repository root). Nothing of the repository
is on the path of the installed bot: migrations and content must come from the wheel.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token"


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _bare_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points at the repository or configures the bot."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "CONTENT_DIR", "DATABASE_URL", "DATA_DIR", "DISCORD_TOKEN"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with only the wheel (and its dependencies, through this machine's pip settings) installed."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", wheels, ROOT, cwd=base)
    (wheel,) = wheels.glob("gluteclub-*.whl")
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=base)
    _run(venv / "bin" / "pip", "install", "--quiet", wheel, cwd=base, env=_bare_env())
    return venv


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    work = tmp_path / "empty"
    work.mkdir()
    return work


def test_the_installed_package_does_not_come_from_the_repository(installed: Path, empty_dir: Path) -> None:
    code = "import bot, bot.resources as r; print(bot.__file__); print(r.migrations_dir()); print(r.content_dir())"
    lines = _run(installed / "bin" / "python", "-c", code, cwd=empty_dir, env=_bare_env()).split()
    site = str(installed)
    assert all(line.startswith(site) for line in lines), lines
    assert not (empty_dir / "alembic.ini").exists()


def test_the_wheel_carries_the_content_translations(installed: Path, empty_dir: Path) -> None:
    """Every language's content texts (content/locales/<code>/*.yaml) are in the wheel, and the installed bot
    shows them."""
    source = ROOT / "content"
    shipped = sorted(p.relative_to(source).as_posix() for p in source.glob("locales/*/*.yaml"))
    assert shipped, "the repository has content translations"
    code = (
        "import bot.resources as r; from bot.content import load_content; "
        "d = r.content_dir(); "
        "print('\\n'.join(sorted(p.relative_to(d).as_posix() for p in d.glob('locales/*/*.yaml')))); "
        "c = load_content(d); print('LANGUAGES', ' '.join(c.languages))"
    )
    out = _run(installed / "bin" / "python", "-c", code, cwd=empty_dir, env=_bare_env()).splitlines()
    assert out[:-1] == shipped
    languages = sorted({path.split("/")[1] for path in shipped})
    assert out[-1] == "LANGUAGES " + " ".join(languages)


def test_migrate_then_check_content_from_an_empty_directory(installed: Path, empty_dir: Path) -> None:
    out = _run(installed / "bin" / "gluteclub", "migrate", cwd=empty_dir, env=_bare_env())
    assert "Database is up to date" in out
    assert (empty_dir / "data" / "gluteclub.db").exists()
    out = _run(installed / "bin" / "gluteclub", "check-content", cwd=empty_dir, env=_bare_env())
    assert out.startswith("Content OK:"), out


async def test_run_connects_answers_and_stops_on_sigterm(installed: Path, empty_dir: Path) -> None:
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Canal Joggers")
        runner = fake.add_member(guild.id, "ann")
        env = _bare_env(DISCORD_TOKEN=TOKEN, DISCORD_API_BASE=fake.api_base, DISCORD_GATEWAY_URL=fake.gateway_url)
        process = await asyncio.create_subprocess_exec(
            installed / "bin" / "gluteclub", "run", cwd=empty_dir, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await fake.wait_connected(timeout=120)
            ix = await fake.slash(guild.id, runner.id, "glutes today")
            reply = await ix.final(timeout=30)
            assert "Glute bridge" in str(reply)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        text = output.decode()
        assert process.returncode == 0, text[-3000:]
        assert fake.identify_count == 1
        assert "applying migrations" in text
        assert (empty_dir / "data" / "gluteclub.db").exists()


async def test_the_playground_serves_its_page_from_the_wheel(installed: Path, empty_dir: Path) -> None:
    """The fake Discord and the page's files come with the wheel (without the test suite's jsonschema)."""
    import re

    import aiohttp

    process = await asyncio.create_subprocess_exec(
        installed / "bin" / "gluteclub", "playground", "--port", "0", cwd=empty_dir, env=_bare_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        url = None
        while url is None:
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=120)).decode()
            assert line, "the playground stopped without printing its URL"
            found = re.search(r"Playground: (http://127\.0\.0\.1:\d+/)", line)
            url = found.group(1) if found else None
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as page:
                assert "gluteclub playground" in await page.text()
            async with http.get(url + "static/app.js") as script:
                assert script.status == 200
            async with http.get(url + "state") as state:
                body = await state.json()
        assert "glutes today" in [c["path"] for c in body["commands"]]
        assert any("Saved." in m["content"] for m in body["messages"]), "the club was set up through the fake"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, output.decode()[-3000:]
    assert not (empty_dir / "data").exists(), "the playground keeps its database in a temporary folder"
