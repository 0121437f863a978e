"""A malformed trace context is a fault worth counting; no context at all is not.

MockTracer (like several tracers) raises ``SpanContextCorruptedException`` both for a broken
context and for none. Only a request that tried to send one, in any of the common header
formats, is counted, so the counter means "callers send contexts this tracer cannot read".
"""

from __future__ import annotations

import opentracing
import pytest
from django.test import Client

from ot_views import faults
from ot_views.testing import server_span

KEY = ("extract", opentracing.SpanContextCorruptedException)

ATTEMPTS = {
    "ot-tracer": {"HTTP_OT_TRACER_TRACEID": "abc"},
    "jaeger": {"HTTP_UBER_TRACE_ID": "not:a:jaeger:context"},
    "w3c": {"HTTP_TRACEPARENT": "00-zz-zz-01"},
    "b3": {"HTTP_X_B3_TRACEID": "abc", "HTTP_X_B3_SPANID": "def"},
}


@pytest.mark.parametrize("kind", sorted(ATTEMPTS))
def test_unreadable_context_is_counted_and_a_new_trace_starts(tracer, kind):
    before = faults.counts().get(KEY, 0)
    response = Client().get("/plain/", **ATTEMPTS[kind])
    assert response.status_code == 200
    assert faults.counts().get(KEY, 0) == before + 1
    assert server_span(tracer).parent_id is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_REQUEST_ID": "abc", "HTTP_USER_AGENT": "curl"},
        # a header that merely contains a trace header's name
        {"HTTP_X_TRACEPARENT_COPY": "1", "HTTP_MY_OT_TRACER_TRACEID": "1"},
    ],
)
def test_request_without_a_context_is_not_counted(tracer, headers):
    before = faults.counts()
    Client().get("/plain/", **headers)
    assert faults.counts() == before
    assert server_span(tracer).parent_id is None
