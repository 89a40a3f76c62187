"""The test suite's fake Discord: the product's (bot/playground/fake) with every REST request checked against
Discord's published OpenAPI spec (spec.py; jsonschema is a test dependency, so the check lives here).

Usage as in bot/playground/fake/README.md; import ``FakeDiscord`` from here in tests so the check is on.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from bot.playground import fake as _product
from bot.playground.fake import *  # noqa: F403 (everything the product fake exports, FakeDiscord replaced below)
from bot.playground.fake import FakeDiscord as _ProductFakeDiscord

from . import spec

log = logging.getLogger("tests.fakediscord")


class FakeDiscord(_ProductFakeDiscord):
    """The product fake with the spec check on by default (``spec_check=False`` turns it off)."""

    def __init__(self, *args: Any, spec_check: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, spec_check=spec_check, **kwargs)

    async def start(self) -> FakeDiscord:
        if self.spec_check:
            spec.discord_spec()  # loaded once per process, before the first request waits on it
        await super().start()
        return self

    def _check_spec(self, method: str, path: str, content_type: str, body: Any, has_body: bool) -> None:
        found = spec.discord_spec().check(method, path, content_type, body, has_body)
        if found:
            self.spec_violations += found
            spec.unreported.extend(found)
            for violation in found:
                log.warning("fake discord: request outside Discord's API spec: %s", violation)

    def take_spec_violations(self) -> list[spec.SpecViolation]:
        taken = super().take_spec_violations()
        for violation in taken:
            with contextlib.suppress(ValueError):
                spec.unreported.remove(violation)
        return taken


__all__ = list(_product.__all__)
