"""The sample's in-process tracer and the demo's text trees (drawn with the viewer's helpers)."""

from __future__ import annotations

from ot_views.viewer import group_traces, span_tree
from sample_api import tracing
from sample_api.tracing import SampleTracer


def test_the_sample_tracer_keeps_nothing_itself():
    """The viewer's buffer is bounded; MockTracer's list would grow for as long as the demo ran."""
    tracer = SampleTracer("svc")
    for i in range(5):
        tracer.start_span(f"op{i}").finish()
    assert tracer.finished_spans() == []
    assert tracer.service_name == "svc"


def test_ids_are_random_so_two_processes_do_not_collide():
    a, b = SampleTracer("a"), SampleTracer("b")
    ids = set()
    for tracer in (a, b):
        for _ in range(50):
            span = tracer.start_span("x")
            ids.add(span.context.span_id)
            assert 0 < span.context.span_id < 1 << 63
    assert len(ids) == 100


def test_children_nest_under_the_active_span():
    tracer = SampleTracer("library")
    with tracer.start_active_span("parent") as scope, tracer.start_active_span("child") as child:
        assert child.span.parent_id == scope.span.context.span_id


def _span(span_id, parent_id, start, op, service="s", **tags):
    return {
        "trace_id": "t1",
        "span_id": span_id,
        "parent_id": parent_id,
        "operation": op,
        "service": service,
        "start": start,
        "duration": 0.002,
        "tags": tags,
        "logs": [],
    }


def test_tree_orders_by_parent_then_start_and_keeps_orphans():
    spans = [
        _span("c2", "r", 3.0, "second"),
        _span("r", None, 1.0, "root"),
        _span("c1", "r", 2.0, "first"),
        _span("g", "c1", 2.5, "grandchild"),
        _span("o", "evicted", 4.0, "orphan"),
    ]
    got = [(depth, s["operation"]) for depth, s in span_tree(spans)]
    assert got == [(0, "root"), (1, "first"), (2, "grandchild"), (1, "second"), (0, "orphan")]


def test_group_traces_merges_services_and_drops_duplicates():
    a = [_span("r", None, 1.0, "root", "library")]
    b = [_span("x", "r", 1.5, "callee", "inventory"), _span("x", "r", 1.5, "callee", "inventory")]
    other = dict(_span("z", None, 0.5, "earlier"), trace_id="t0")
    traces = group_traces([*a, *b, other])
    assert list(traces) == ["t0", "t1"]
    assert [(s["operation"], s["service"]) for s in traces["t1"]] == [
        ("root", "library"),
        ("callee", "inventory"),
    ]


def test_format_trace_shows_duration_key_tags_and_errors():
    root = _span("r", None, 1.0, "loan_fee", "library", **{"http.status_code": 500, "error": True})
    root["logs"] = [
        {"timestamp": 1.0, "fields": {"event": "error", "error.kind": "ZeroDivisionError"}}
    ]
    child = _span("c", "r", 1.1, "work")
    text = tracing.format_trace([child, root], title="boom")
    assert text.splitlines() == [
        "trace t1  (boom)",
        "  - loan_fee [library] 2.0 ms  http.status_code=500  ERROR",
        "      ! ZeroDivisionError: ",
        "    - work [s] 2.0 ms",
    ]
