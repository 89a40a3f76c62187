"""The fake's record of REST traffic (calls, waiting for them) and error injection (failures, drops, holds,
the global limit)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from .models import Call, FailRule


class _CallWaiter:
    __slots__ = ("count", "future", "matched", "method", "pattern", "status")

    def __init__(
        self,
        method: str | None,
        pattern: re.Pattern[str],
        count: int,
        status: int | None,
        matched: list[Call],
        future: asyncio.Future[list[Call]],
    ) -> None:
        self.method = method
        self.pattern = pattern
        self.count = count
        self.status = status
        self.matched = matched
        self.future = future

    def matches(self, call: Call) -> bool:
        return (
            (self.method is None or call.method == self.method)
            and (self.status is None or call.status == self.status)
            and self.pattern.search(call.path) is not None
        )


class _GlobalLimiter:
    """Fixed one-second windows, like Discord's global limit of N requests per second."""

    __slots__ = ("count", "per_second", "window_start")

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self.window_start = -1e9
        self.count = 0

    def hit(self, now: float) -> float | None:
        if now - self.window_start >= 1.0:
            self.window_start = now
            self.count = 0
        if self.count < self.per_second:
            self.count += 1
            return None
        return self.window_start + 1.0 - now



class TrafficMixin:
    """Part of ``FakeDiscord``: what the tests read and inject about REST requests."""

    # ------------------------------------------------------------------------------------------------
    # recording

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        if self._waiters:
            for waiter in self._waiters:
                if not waiter.future.done() and waiter.matches(call):
                    waiter.matched.append(call)
                    if len(waiter.matched) >= waiter.count:
                        waiter.future.set_result(list(waiter.matched))

    def _check_spec(self, method: str, path: str, content_type: str, body: Any, has_body: bool) -> None:
        """Checks one REST request (with ``spec_check``); the product fake has no spec to check against."""

    def take_spec_violations(self) -> list[Any]:
        """This fake's spec violations so far, which no longer fail the test (for requests bad on purpose)."""
        taken, self.spec_violations = self.spec_violations, []
        return taken

    def mark(self) -> int:
        """Index into ``calls`` to pass as ``since=`` to only look at later calls."""
        return len(self.calls)

    def find_calls(
        self, method: str | None, path_regex: str, *, since: int = 0, status: int | None = None
    ) -> list[Call]:
        pattern = re.compile(path_regex)
        method = method.upper() if method else None
        return [
            c
            for c in self.calls[since:]
            if (method is None or c.method == method)
            and (status is None or c.status == status)
            and pattern.search(c.path)
        ]

    async def wait_for(
        self,
        method: str | None,
        path_regex: str,
        timeout: float = 5.0,
        count: int = 1,
        *,
        since: int = 0,
        status: int | None = None,
    ) -> list[Call]:
        """Wait until ``count`` calls matching (method, ``re.search(path_regex, path)``) were recorded.

        Paths are relative to the API base (``/channels/123/messages``). Returns the matching calls.
        """
        matched = self.find_calls(method, path_regex, since=since, status=status)
        if len(matched) >= count:
            return matched
        future: asyncio.Future[list[Call]] = asyncio.get_running_loop().create_future()
        waiter = _CallWaiter(method.upper() if method else None, re.compile(path_regex), count, status, matched, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            recent = ", ".join(f"{c.method} {c.path} {c.status}" for c in self.calls[-8:])
            raise TimeoutError(
                f"waited {timeout}s for {count} x {method} {path_regex!r}, saw {len(waiter.matched)}; "
                f"last calls: [{recent}]"
            ) from None
        finally:
            self._waiters.remove(waiter)

    def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        """Messages the bot created in that channel via POST /channels/{id}/messages (minus deleted ones)."""
        return list(self._channel_messages.get(channel_id, {}).values())

    def dm_messages(self, user_id: int) -> list[dict[str, Any]]:
        cid = self._dm_channels.get(user_id)
        return [] if cid is None else self.channel_messages(cid)

    def message_with_custom_id(self, custom_id: str) -> dict[str, Any] | None:
        """The latest recorded message carrying a component with that custom_id."""
        mid = self._custom_id_index.get(custom_id)
        return None if mid is None else self.messages.get(mid)

    # ------------------------------------------------------------------------------------------------
    # error injection

    def fail(
        self,
        method: str | None,
        path_regex: str,
        status: int = 403,
        json: Any = None,
        times: int | None = 1,
        headers: dict[str, str] | None = None,
    ) -> FailRule:
        """Answer the next ``times`` matching requests (None: all of them) with that status and body."""
        if json is None:
            json = (
                {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}
                if status == 429
                else {"message": "Cannot send messages to this user", "code": 50007}
            )
        if status == 429 and isinstance(json, dict):
            json = {"global": False, **json}
            json.setdefault("retry_after", 0.05)
            json.setdefault("message", "You are being rate limited.")
        rule = FailRule(
            method=method.upper() if method else None,
            pattern=re.compile(path_regex),
            status=status,
            json=json,
            times=times,
            headers=headers,
        )
        self._failures.append(rule)
        return rule

    def drop(self, method: str | None, path_regex: str, *, after: bool = True, times: int | None = 1) -> FailRule:
        """Close the connection on the next ``times`` matching requests without answering: ``after`` the request
        took effect (e.g. the message was created) or before it did."""
        rule = FailRule(method=method.upper() if method else None, pattern=re.compile(path_regex), status=0,
                        json=None, times=times, headers=None, drop="after" if after else "before")
        self._failures.append(rule)
        return rule

    def hold(self, method: str | None, path_regex: str, seconds: float, *, times: int | None = 1) -> FailRule:
        """Answer the next ``times`` matching requests normally, but only after ``seconds``."""
        rule = FailRule(method=method.upper() if method else None, pattern=re.compile(path_regex), status=0,
                        json=None, times=times, headers=None, delay=seconds)
        self._failures.append(rule)
        return rule

    def clear_failures(self) -> None:
        self._failures.clear()

    def set_global_rate_limit(self, per_second: int | None = 50) -> None:
        """Enforce Discord's global limit (None: off). Interaction callbacks/webhooks are exempt, as on Discord."""
        self._global_limiter = None if per_second is None else _GlobalLimiter(per_second)
