"""The playground in a real browser: `gluteclub playground` started as a user starts it, driven with Playwright.

Uses Debian's Chromium (``apt-get install chromium``); Playwright never downloads a browser here. Skipped, with
the reason, where either is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]


def _skip_reason() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; PLAYGROUND_CHROMIUM names another)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


@pytest.fixture
def playground_url(tmp_path: Path) -> Iterator[str]:
    """`gluteclub playground --port 0` in its own process; the URL it prints."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "playground", "--port", "0", "--data-dir", str(tmp_path / "data")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    try:
        for line in proc.stdout:
            seen.append(line)
            found = re.search(r"Playground: (http://127\.0\.0\.1:\d+/)", line)
            if found:
                yield found.group(1)
                break
        else:
            pytest.fail("the playground stopped without printing its URL:\n" + "".join(seen[-30:]))
    finally:
        proc.terminate()
        try:
            rest = proc.communicate(timeout=30)[0] or ""
        except subprocess.TimeoutExpired:
            proc.kill()
            rest = proc.communicate()[0] or ""
    assert proc.returncode == 0, "the playground did not stop cleanly:\n" + "".join(seen[-20:]) + rest[-3000:]
    assert "Traceback" not in rest, rest[-3000:]


def test_a_member_checks_in_from_the_page_and_the_board_post_shows_the_chart(playground_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(playground_url)
            expect(page.locator("#member option")).to_have_count(4)
            page.select_option("#member", label="ann")

            page.fill("#input", "/glutes today")
            page.press("#input", "Enter")
            answer = page.locator(".message.ephemeral", has_text="ann used /glutes today")
            expect(answer.locator("img").first).to_be_visible()
            picture_width = answer.locator("img").first.evaluate("img => img.complete ? img.naturalWidth : 0")
            assert picture_width > 0, "the routine picture did not load"

            answer.get_by_role("button", name=re.compile("Done")).click()
            counted = page.locator(".message.ephemeral", has_text="Counted")
            expect(counted).to_have_count(1)

            page.select_option("#member", label="ben")
            expect(page.locator("#title-note")).to_have_text("you are ben")
            expect(page.locator(".message", has_text="Counted")).to_have_count(0)
            expect(page.locator(".message", has_text="ann used /glutes today")).to_have_count(0)

            page.click("#jumps button[data-target=board]")
            expect(page.locator("#clock-note")).to_contain_text("leaderboard post")
            board = page.locator(".message:not(.ephemeral)").filter(has=page.locator("img")).last
            expect(board).to_be_visible()
            chart_width = board.locator("img").first.evaluate("img => img.complete ? img.naturalWidth : 0")
            assert chart_width > 0, "the board's chart did not load"
            shot = os.environ.get("PLAYGROUND_SCREENSHOT")
            if shot:
                page.select_option("#member", label="ann")
                page.wait_for_function("[...document.images].every(i => i.complete)")
                page.locator("#messages").evaluate("box => { box.scrollTop = box.scrollHeight; }")
                page.screenshot(path=shot)

            # A command with options (the form has several fields: Enter still sends), then its DM.
            page.select_option("#member", label="cara")
            page.fill("#input", "/standup on")
            page.locator("#options input[data-option=every]").fill("30")
            page.press("#input", "Enter")
            expect(page.locator(".message.ephemeral", has_text="cara used /standup on")).to_have_count(1)
            page.click("#jumps button[data-target=standup]")
            expect(page.locator("#clock-note")).to_contain_text("Jumped to the next standup")
            expect(page.locator("#dm-count")).to_have_text("1")
            page.click("#dm-entry")
            expect(page.get_by_role("button", name=re.compile("Stood up"))).to_be_visible()
            page.select_option("#member", label="ann")
            expect(page.get_by_role("button", name=re.compile("Stood up"))).to_have_count(0)
        finally:
            browser.close()


def test_a_member_chooses_german_and_reads_the_bot_in_german(playground_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(playground_url)
            expect(page.locator("#locale option")).to_have_count(5)
            page.select_option("#member", label="ann")
            page.select_option("#locale", "de")
            page.fill("#input", "/test hip-drop")
            page.press("#input", "Enter")
            answer = page.locator(".message.ephemeral", has_text="ann used /test hip-drop")
            expect(answer).to_contain_text("So geht’s")
            expect(answer).to_contain_text("Worauf du achtest")
            # The choice belongs to ann: ben still reads English, and ann's stays German when she comes back.
            page.select_option("#member", label="ben")
            expect(page.locator("#locale")).to_have_value("en-US")
            page.fill("#input", "/test hip-drop")
            page.press("#input", "Enter")
            expect(page.locator(".message.ephemeral", has_text="ben used /test hip-drop")).to_contain_text("How to")
            page.select_option("#member", label="ann")
            expect(page.locator("#locale")).to_have_value("de")
        finally:
            browser.close()
