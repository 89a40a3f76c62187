"""The bot's counters: plain numbers bumped on the event loop, turned into Prometheus metrics only when scraped.

Every counter here is a dict entry incremented by the code where the event happens (one dict update, no lock:
all of it runs on the event loop's thread, and so does the scrape). ``/metrics`` hands the numbers to
``prometheus_client`` through a collector on a registry this object owns; nothing is registered globally.

Labels are kinds, command names and outcomes, never a member's, channel's or server's name or id.
"""

from __future__ import annotations

import logging
import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

# Interaction kinds and outcomes (label values).
COMMAND = "command"
AUTOCOMPLETE = "autocomplete"
COMPONENT = "component"
OK = "ok"
REFUSED = "refused"  # the member got a friendly explanation (not allowed, bad input, a domain rule)
ERROR = "error"  # an unexpected failure: the member got the generic apology, the log has the traceback
UNANSWERED = "unanswered"  # the handler ended without any response (Discord then shows "interaction failed")

# Answer time buckets, in seconds: Discord drops an interaction not answered within 3 s.
ANSWER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)

# The warning discord.py logs for each 429 it waits out and retries, by logger: a REST call, and an interaction
# callback or follow-up (those go through its webhook code).
RATE_LIMIT_LINES = {
    "discord.http": ("We are being rate limited. %s %s responded with 429. Retrying", "rest"),
    "discord.webhook.async_": ("Webhook ID %s is rate limited.", "interaction"),
}

_DIGIT = re.compile(r"\d")


class _Histogram:
    __slots__ = ("counts", "sum")

    def __init__(self) -> None:
        self.counts = [0] * (len(ANSWER_BUCKETS) + 1)  # the last one: over the largest bound
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(ANSWER_BUCKETS, seconds)] += 1
        self.sum += seconds

    def buckets(self) -> list[tuple[str, float]]:
        cumulative, out = 0, []
        for bound, count in zip((*ANSWER_BUCKETS, math.inf), self.counts, strict=True):
            cumulative += count
            out.append(("+Inf" if bound == math.inf else repr(bound), cumulative))
        return out


def component_name(custom_id: str) -> str:
    """The label for a button: its custom id's leading words (``gc:done``), never an id that follows them."""
    first, _, rest = custom_id.partition(":")
    if not first or _DIGIT.search(first):
        return "other"
    second = rest.partition(":")[0]
    if not second or _DIGIT.search(second):
        return first
    return f"{first}:{second}"


class _RateLimitLines(logging.Filter):
    def __init__(self, metrics: BotMetrics, prefix: str, where: str) -> None:
        super().__init__()
        self.metrics, self.prefix, self.where = metrics, prefix, where

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(self.prefix):
            limited = self.metrics.rate_limited
            limited[self.where] = limited.get(self.where, 0) + 1
        return True


def is_raw_driver_error(error: BaseException) -> bool:
    """An error of sqlite3 or asyncpg itself, from the check-in paths that bypass SQLAlchemy.

    SQLAlchemy wraps driver errors in its own types, which :meth:`BotMetrics.count_database_errors` counts.
    """
    module = type(error).__module__
    return module == "sqlite3" or module.startswith("asyncpg")


class BotMetrics:
    """One bot's counters and the registry ``/metrics`` renders."""

    def __init__(self) -> None:
        self.interactions: dict[tuple[str, str, str], int] = {}
        self.deferrals: dict[tuple[str, str], int] = {}
        self.answer_seconds: dict[str, _Histogram] = {}
        self.sends: dict[tuple[str, str], int] = {}
        self.rate_limited: dict[str, int] = {}
        self.database_errors: dict[str, int] = {}
        self._filters: list[tuple[str, logging.Filter]] = []
        # Set before each scrape by the server: the due items waiting, by kind (None: the database did not say).
        self.due_waiting: Mapping[str, int] | None = None
        # Set by the server: each shard's gateway latency in seconds and whether it is connected.
        self.gateway: Callable[[], list[tuple[int, float, bool]]] = list
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_Collector(self))

    # -- counting (the hot path: keep each of these one or two dict updates) --

    def answered(self, kind: str, name: str, outcome: str, seconds: float, deferred: bool) -> None:
        """An interaction handled: how it ended, how long it took, whether it was deferred first."""
        key = (kind, name, outcome)
        self.interactions[key] = self.interactions.get(key, 0) + 1
        hist = self.answer_seconds.get(kind)
        if hist is None:
            hist = self.answer_seconds[kind] = _Histogram()
        hist.observe(seconds)
        if deferred:
            pair = (kind, name)
            self.deferrals[pair] = self.deferrals.get(pair, 0) + 1

    def sent(self, kind: str, outcome: str) -> None:
        """A post, DM or notice sent (``sent``) or not (``failed``; ``retry`` for a transient failure)."""
        key = (kind, outcome)
        self.sends[key] = self.sends.get(key, 0) + 1

    def database_error(self, name: str) -> None:
        self.database_errors[name] = self.database_errors.get(name, 0) + 1

    # -- hooks --

    def count_rate_limits(self) -> None:
        """Count the 429s discord.py waits out and retries on its own, until :meth:`stop_counting`.

        discord.py reports each one only as a warning line, so a filter on its two loggers counts those lines
        (the filter runs only for a line that is logged: nothing on the way of a request). An aiohttp trace on
        the bot's session would see the statuses themselves, but costs every request, every press's answer
        included, about 0.1 M instructions (benchmarks/checkin_instructions.py). Loggers are per process: one
        bot runs in a process, and its filters go when it closes.
        """
        for logger, (prefix, where) in RATE_LIMIT_LINES.items():
            counter = _RateLimitLines(self, prefix, where)
            logging.getLogger(logger).addFilter(counter)
            self._filters.append((logger, counter))

    def stop_counting(self) -> None:
        for logger, counter in self._filters:
            logging.getLogger(logger).removeFilter(counter)
        self._filters.clear()

    def count_database_errors(self, engine: AsyncEngine) -> None:
        """Count the errors the database driver raises through this engine, by SQLAlchemy's error class.

        Not an IntegrityError: a unique constraint turning away the second of two inserts is how the bot counts
        a double click once (docs/decisions.md), not a fault.
        """

        def handle_error(context: Any) -> None:
            error = context.sqlalchemy_exception or context.original_exception
            if isinstance(error, IntegrityError):
                return
            self.database_error("disconnect" if context.is_disconnect else type(error).__name__)

        event.listen(engine.sync_engine, "handle_error", handle_error)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _family(kind: type[Any], name: str, documentation: str, labels: list[str], counts: Mapping[Any, float]) -> Metric:
    """A counter or gauge family from a dict keyed by label values (a tuple, or one string)."""
    family = kind(name, documentation, labels=labels)
    for key, count in sorted(counts.items()):
        family.add_metric(list(key) if isinstance(key, tuple) else [key], count)
    return family


class _Collector:
    """Reads the counters at scrape time."""

    def __init__(self, metrics: BotMetrics) -> None:
        self.m = metrics

    def collect(self) -> Iterator[Metric]:
        m = self.m
        shards = m.gateway()
        yield _family(
            GaugeMetricFamily, "gluteclub_gateway_latency_seconds",
            "Time between a gateway heartbeat and its acknowledgement.", ["shard"],
            {str(shard): seconds for shard, seconds, _ in shards if math.isfinite(seconds)})
        yield _family(
            GaugeMetricFamily, "gluteclub_gateway_connected", "1 while the shard's gateway connection is open.",
            ["shard"], {str(shard): 1.0 if up else 0.0 for shard, _, up in shards})
        yield _family(
            CounterMetricFamily, "gluteclub_interactions", "Interactions handled, by kind (command, autocomplete, "
            "component), command or button, and outcome (ok, refused, error, unanswered).",
            ["kind", "command", "outcome"], m.interactions)
        answer = HistogramMetricFamily(
            "gluteclub_interaction_answer_seconds",
            "From the start of handling an interaction to the end of its answer (the reply or follow-up sent).",
            labels=["kind"])
        for kind, hist in sorted(m.answer_seconds.items()):
            answer.add_metric([kind], hist.buckets(), sum_value=hist.sum)
        yield answer
        yield _family(
            CounterMetricFamily, "gluteclub_interaction_deferrals",
            "Interactions answered with a deferral first (a follow-up came later).", ["kind", "command"], m.deferrals)
        yield _family(
            CounterMetricFamily, "gluteclub_sends", "Messages the bot sent on its own, by kind (post, dm, notice) "
            "and outcome: sent, failed, or retry (a transient failure, 429, 5xx or network, after which the sender "
            "tries again).", ["kind", "outcome"], m.sends)
        yield _family(
            GaugeMetricFamily, "gluteclub_due_waiting", "Scheduled items past their due time and not yet handled, "
            "by kind.", ["kind"], m.due_waiting or {})
        yield _family(
            CounterMetricFamily, "gluteclub_rest_rate_limited", "HTTP 429 answers from Discord that discord.py "
            "waited out and retried, from its warning line for each (none while LOG_LEVEL is above WARNING), by "
            "where: rest, or interaction (a reply or follow-up).", ["where"], m.rate_limited)
        yield _family(
            CounterMetricFamily, "gluteclub_database_errors", "Errors from the database, by error class "
            "(disconnect: the connection was lost).", ["error"], m.database_errors)
