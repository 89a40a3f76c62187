"""The counters behind /metrics, on their own: labels, the answer-time histogram, the registry per bot."""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import COMMAND, COMPONENT, OK, BotMetrics, component_name


def samples(metrics: BotMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    parsed = text_string_to_metric_families(metrics.render().decode())
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in parsed for s in family.samples}


def test_a_button_is_named_by_the_words_before_any_id() -> None:
    assert component_name("gc:done:routine:123456789012345678") == "gc:done"
    assert component_name("gc:feel:123456789012345678:easy") == "gc:feel"
    assert component_name("gc:forget:confirm:deadbeef") == "gc:forget"
    assert component_name("gc:rt:123:456:glute-bridge") == "gc:rt"
    assert component_name("123:gc") == "other"
    assert component_name("") == "other"


def test_answer_times_land_in_cumulative_buckets() -> None:
    metrics = BotMetrics()
    for seconds in (0.004, 0.004, 0.3, 2.5, 12.0):
        metrics.answered(COMPONENT, "gc:done", OK, seconds, deferred=seconds > 1.5)
    metrics.answered(COMMAND, "me", OK, 0.02, deferred=True)
    got = samples(metrics)
    bucket = "gluteclub_interaction_answer_seconds_bucket"
    assert got[(bucket, (("kind", "component"), ("le", "0.005")))] == 2
    assert got[(bucket, (("kind", "component"), ("le", "0.5")))] == 3
    assert got[(bucket, (("kind", "component"), ("le", "3.0")))] == 4
    assert got[(bucket, (("kind", "component"), ("le", "+Inf")))] == 5
    assert got[("gluteclub_interaction_answer_seconds_count", (("kind", "component"),))] == 5
    assert abs(got[("gluteclub_interaction_answer_seconds_sum", (("kind", "component"),))] - 14.808) < 1e-9
    done = (("command", "gc:done"), ("kind", "component"), ("outcome", "ok"))
    assert got[("gluteclub_interactions_total", done)] == 5
    assert got[("gluteclub_interaction_deferrals_total", (("command", "gc:done"), ("kind", "component")))] == 2
    assert got[("gluteclub_interaction_deferrals_total", (("command", "me"), ("kind", "command")))] == 1


def test_each_bot_has_its_own_registry_and_the_global_one_stays_empty_of_ours() -> None:
    first, second = BotMetrics(), BotMetrics()
    first.sent("post", "sent")
    assert samples(first)[("gluteclub_sends_total", (("kind", "post"), ("outcome", "sent")))] == 1
    assert ("gluteclub_sends_total", (("kind", "post"), ("outcome", "sent"))) not in samples(second)
    assert not [m for m in REGISTRY.collect() if m.name.startswith("gluteclub")]
