"""A tracer that fails while marking a span cancelled is counted as a ``log`` fault, once.

The cancelled tag goes with the cancelled log event (as the error tag goes with the error log):
if the tracer fails on either, the request's cancellation is what could not be recorded, and
the operator reads it under ``log``. The cancellation itself still reaches the caller.
"""

from __future__ import annotations

import asyncio

import pytest
from opentracing.mocktracer.span import MockSpan

from ot_views import TracedView, faults
from ot_views.testing import server_span

from .fault_counts import Broken, grown


class Cancelled(TracedView):
    def get(self, request):
        raise asyncio.CancelledError()


@pytest.mark.parametrize("call", ["set_tag", "log_kv"])
def test_failing_cancel_record_is_counted_as_log(tracer, rf, monkeypatch, call):
    original = getattr(MockSpan, call)

    def broken(span, *args):
        if args[0] in ("cancelled", {"event": "cancelled", "error.kind": "CancelledError"}):
            raise Broken(call)
        return original(span, *args)

    monkeypatch.setattr(MockSpan, call, broken)
    before = faults.counts()
    with pytest.raises(asyncio.CancelledError):
        Cancelled.as_view()(rf.get("/x/"))
    assert grown(before) == {("log", Broken)}
    span = server_span(tracer)
    assert span.operation_name == "Cancelled.get"
    assert "error" not in span.tags
    assert "http.status_code" not in span.tags


def test_cancel_is_recorded(tracer, rf):
    with pytest.raises(asyncio.CancelledError):
        Cancelled.as_view()(rf.get("/x/"))
    span = server_span(tracer)
    assert span.tags["cancelled"] is True
    assert [log.key_values for log in span.logs] == [
        {"event": "cancelled", "error.kind": "CancelledError"}
    ]
