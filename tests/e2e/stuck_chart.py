"""A chart drawing that never finishes, importable by the chart worker process."""

from __future__ import annotations

import time


def never_done(*args: object) -> bytes:
    time.sleep(60)  # far beyond any render timeout: the worker must be killed, not waited for
    return b""
