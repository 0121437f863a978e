"""The sample's in-process tracer: bounded buffer, plain-dict spans, trace trees."""

from __future__ import annotations

import json

import pytest

from sample_api import tracing
from sample_api.tracing import BufferTracer


def test_buffer_keeps_only_the_newest_spans():
    tracer = BufferTracer("svc", maxlen=3)
    for i in range(5):
        tracer.start_span(f"op{i}").finish()
    assert [s["operation"] for s in tracer.spans()] == ["op2", "op3", "op4"]


def test_span_dict_shape_and_nesting():
    tracer = BufferTracer("library")
    with tracer.start_active_span("parent", tags={"span.kind": "server"}) as scope:
        with tracer.start_active_span("child") as child:
            child.span.log_kv({"event": "error", "error.object": ValueError("bad")})
        parent_id = f"{scope.span.context.span_id:016x}"
    child_d, parent_d = tracer.spans()
    assert child_d["parent_id"] == parent_id == parent_d["span_id"]
    assert child_d["trace_id"] == parent_d["trace_id"]
    assert parent_d["parent_id"] is None
    assert parent_d["service"] == "library"
    assert parent_d["tags"] == {"span.kind": "server"}
    assert child_d["logs"][0]["fields"]["error.object"] == "bad"
    assert parent_d["duration"] >= child_d["duration"] >= 0
    json.dumps(tracer.spans())  # plain data: it crosses processes as JSON


def test_ids_are_random_so_two_processes_do_not_collide():
    a, b = BufferTracer("a"), BufferTracer("b")
    ids = set()
    for tracer in (a, b):
        for _ in range(50):
            span = tracer.start_span("x")
            ids.add(span.context.span_id)
            assert span.context.span_id > 0
    assert len(ids) == 100


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
    got = [(depth, s["operation"]) for depth, s in tracing.tree(spans)]
    assert got == [(0, "root"), (1, "first"), (2, "grandchild"), (1, "second"), (0, "orphan")]


def test_group_traces_merges_buffers_and_drops_duplicates():
    a = [_span("r", None, 1.0, "root", "library")]
    b = [_span("x", "r", 1.5, "callee", "inventory"), _span("x", "r", 1.5, "callee", "inventory")]
    other = dict(_span("z", None, 0.5, "earlier"), trace_id="t0")
    traces = tracing.group_traces([*a, *b, other])
    assert list(traces) == ["t0", "t1"]
    assert [s["operation"] for s in traces["t1"]] == ["root", "callee"]
    summary = tracing.summary(traces["t1"])
    assert summary["services"] == ["inventory", "library"]
    assert summary["span_count"] == 2
    assert summary["error"] is False


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


@pytest.mark.parametrize("maxlen", [1, 10])
def test_reset_empties_the_buffer(maxlen):
    tracer = BufferTracer("s", maxlen=maxlen)
    tracer.start_span("x").finish()
    tracer.reset()
    assert tracer.spans() == []
