"""Parent context in (extract), trace headers out (inject_headers), hostile headers."""

from __future__ import annotations

import logging

import opentracing
import pytest
from django.test import Client

from ot_views import faults, inject_headers
from ot_views.propagation import MAX_HEADER_LENGTH, MetaCarrier
from ot_views.testing import children_of, make_tracer, server_span


def headers_for(context, tracer):
    carrier = {}
    tracer.inject(context, opentracing.Format.HTTP_HEADERS, carrier)
    return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in carrier.items()}


def test_parent_context_is_extracted(client, tracer):
    upstream = tracer.start_span("upstream")
    upstream.set_baggage_item("tenant", "acme")
    client.get("/plain/", **headers_for(upstream.context, tracer))
    span = server_span(tracer)
    assert span.context.trace_id == upstream.context.trace_id
    assert span.parent_id == upstream.context.span_id
    assert span.context.baggage == {"tenant": "acme"}


def test_no_context_starts_a_new_trace_silently(client, tracer, caplog):
    caplog.set_level(logging.WARNING, logger="ot_views")
    before = faults.counts()
    client.get("/plain/")
    span = server_span(tracer)
    assert span.parent_id is None
    assert faults.counts() == before
    assert not [r for r in caplog.records if r.name == "ot_views"]


def test_request_span_ignores_an_unrelated_active_span(client, tracer):
    with tracer.start_active_span("test.outer"):
        client.get("/plain/")
    assert server_span(tracer).parent_id is None


HOSTILE = {
    "garbage": {"HTTP_OT_TRACER_TRACEID": "zz", "HTTP_OT_TRACER_SPANID": "not-hex"},
    "one-field": {"HTTP_OT_TRACER_TRACEID": "abc"},
    "huge": {"HTTP_OT_TRACER_TRACEID": "f" * 100_000, "HTTP_OT_TRACER_SPANID": "1"},
    "non-ascii": {"HTTP_OT_TRACER_TRACEID": "\u00e9\u00e8", "HTTP_OT_TRACER_SPANID": "\u4e2d"},
    "empty": {"HTTP_OT_TRACER_TRACEID": "", "HTTP_OT_TRACER_SPANID": ""},
    "negative": {"HTTP_OT_TRACER_TRACEID": "-", "HTTP_OT_TRACER_SPANID": "--1"},
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("url", ["/plain/", "/func/", "/untraced/"])
def test_hostile_context_starts_a_new_trace(tracer, with_middleware, kind, url):
    response = Client().get(url, **HOSTILE[kind])
    assert response.status_code == 200
    span = server_span(tracer)
    assert span.parent_id is None
    assert span.tags["http.status_code"] == 200


def test_oversized_baggage_is_dropped_but_the_trace_joined(client, tracer):
    client.get(
        "/plain/",
        HTTP_OT_TRACER_TRACEID="a",
        HTTP_OT_TRACER_SPANID="b",
        HTTP_OT_BAGGAGE_BIG="x" * (MAX_HEADER_LENGTH + 1),
        HTTP_OT_BAGGAGE_SMALL="ok",
    )
    span = server_span(tracer)
    assert span.context.trace_id == 0xA
    assert span.parent_id == 0xB
    assert span.context.baggage == {"small": "ok"}


def test_hostile_context_is_logged_once_not_per_request(tracer, caplog):
    caplog.set_level(logging.WARNING, logger="ot_views")
    client = Client()
    for _ in range(5):
        assert client.get("/plain/", HTTP_OT_TRACER_TRACEID="zz-new-kind").status_code == 200
    lines = [r for r in caplog.records if r.name == "ot_views"]
    assert len(lines) <= 1


def test_child_span_headers_from_inside_a_view(client, tracer):
    response = client.get("/child/")
    headers = response.json()
    span = server_span(tracer)
    assert int(headers["ot-tracer-traceid"], 16) == span.context.trace_id
    assert int(headers["ot-tracer-spanid"], 16) == span.context.span_id


def test_downstream_call_joins_the_trace(client, tracer):
    headers = client.get("/child/").json()
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    client.get("/plain/", **meta)
    first, second = (s for s in tracer.finished_spans() if s.tags.get("span.kind") == "server")
    assert second.context.trace_id == first.context.trace_id
    assert second.parent_id == first.context.span_id


def test_inject_headers_with_explicit_span_and_existing_headers(tracer):
    span = tracer.start_span("out")
    headers = {"accept": "application/json"}
    result = inject_headers(headers, span=span)
    assert result is headers
    assert headers["accept"] == "application/json"
    assert int(headers["ot-tracer-spanid"], 16) == span.context.span_id


def test_inject_headers_uses_the_active_span(tracer):
    with tracer.start_active_span("active") as scope:
        headers = inject_headers()
    assert int(headers["ot-tracer-spanid"], 16) == scope.span.context.span_id


def test_inject_headers_without_span_returns_headers_unchanged(tracer):
    before = faults.counts()
    assert inject_headers() == {}
    assert inject_headers({"a": "b"}) == {"a": "b"}
    assert faults.counts() == before  # no span to carry is normal, not a fault


def test_inject_headers_uses_the_tracer_of_the_span_given(no_tracer_settings):
    # No tracer configured (a no-op one would inject nothing): the span's own tracer does it.
    span = make_tracer().start_span("out")
    headers = inject_headers({}, span=span)
    assert int(headers["ot-tracer-spanid"], 16) == span.context.span_id


def test_inject_headers_survives_a_failing_tracer(tracer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("inject broke")

    monkeypatch.setattr(tracer, "inject", broken)
    span = tracer.start_span("x")
    assert inject_headers({"a": "b"}, span=span) == {"a": "b"}


def test_inject_headers_with_no_tracer_configured():
    assert inject_headers({"a": "b"}) == {"a": "b"}


def test_meta_carrier_reads_headers_case_insensitively():
    carrier = MetaCarrier(
        {
            "HTTP_OT_TRACER_TRACEID": "a",
            "CONTENT_TYPE": "text/plain",
            "REMOTE_ADDR": "1.2.3.4",
            "HTTP_BIG": "x" * (MAX_HEADER_LENGTH + 1),
            "HTTP_BYTES": b"raw",
            42: "not a header",
        }
    )
    assert carrier["OT-Tracer-TraceId"] == "a"
    assert carrier["content-type"] == "text/plain"
    assert "ot-tracer-traceid" in carrier
    assert "remote-addr" not in carrier
    assert "big" not in carrier
    assert "bytes" not in carrier
    assert 42 not in carrier
    assert list(carrier) == ["ot-tracer-traceid"]
    assert len(carrier) == 1
    assert dict(carrier.items()) == {"ot-tracer-traceid": "a"}


def test_span_started_in_view_is_a_child_across_a_downstream_hop(client, tracer):
    client.get("/child/")
    span = server_span(tracer)
    assert [c.operation_name for c in children_of(tracer, span)] == ["child.work"]


def test_make_tracer_spans_have_independent_ids():
    tracer = make_tracer()
    a, b = tracer.start_span("a"), tracer.start_span("b")
    assert a.context.trace_id != b.context.trace_id
