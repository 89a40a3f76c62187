"""The content states the articles' facts in its own words (no 8-word runs copied)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
TOOL = REPO.parent / "shared/tools/own_words.py"


def test_content_shares_no_long_runs_with_the_articles() -> None:
    if not TOOL.is_file():
        pytest.skip(f"{TOOL} not available here; the own-words check runs where the articles are")
    result = subprocess.run(
        [sys.executable, str(TOOL), "content"], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("0 shared"), result.stdout
